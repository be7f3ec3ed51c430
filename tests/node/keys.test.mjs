// Key rotation: every JSON-returning call takes one key or a list of keys (newest first);
// decryption accepts the first key whose plaintext is JSON and says which (`keyIndex`),
// encryption uses the first, and failing every key is the one DECRYPT_FAILED.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ref from './reference.mjs';
import { lib, caught } from './package-under-test.mjs';

const hexKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));
const keyList = fc.uniqueArray(hexKey, { minLength: 1, maxLength: 5 });
const time = '2026-11-26T08:00:00.000Z';
const body = (data, key) => JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData(data, key), time });

describe(`key rotation`, () => {
  it('parseWebhook and AllpassCipher accept a payload under any key of the list, with its index', () => {
    fc.assert(
      fc.property(keyList, fc.nat(), fc.jsonValue(), (keys, pick, data) => {
        const index = pick % keys.length;
        const sent = body(data, keys[index]);
        const expected = JSON.parse(JSON.stringify(data));
        const opened = lib.parseWebhook(sent, keys);
        assert.deepEqual(opened.data, expected);
        assert.equal(opened.keyIndex, index);
        const cipher = new lib.AllpassCipher(keys);
        try {
          assert.equal(cipher.parseWebhook(sent).keyIndex, index);
          assert.deepEqual(cipher.decryptJson(JSON.parse(sent).data), expected);
          // Encryption uses the first key: node:crypto with keys[0] reads it.
          assert.equal(ref.decryptData(cipher.encrypt(data), keys[0]), JSON.stringify(data));
          assert.equal(ref.decryptData(cipher.createWebhook(data, { time }).data, keys[0]), JSON.stringify(data));
          assert.equal(ref.decryptData(lib.createWebhook(data, keys, { time }).data, keys[0]), JSON.stringify(data));
        } finally {
          cipher.free();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a key outside the list is the one DECRYPT_FAILED, the same as a single wrong key', () => {
    fc.assert(
      fc.property(keyList, hexKey, (keys, other) => {
        fc.pre(!keys.includes(other));
        const sent = body({ id: 'a1b2' }, other);
        const listed = caught(() => lib.parseWebhook(sent, keys));
        const single = caught(() => lib.parseWebhook(sent, keys[0]));
        assert.equal(listed.code, 'DECRYPT_FAILED');
        assert.equal(`${listed.code}: ${listed.message}`, `${single.code}: ${single.message}`);
      }),
      { numRuns: 100 },
    );
  });

  it('a single key is keyIndex 0, and decryptData and AllpassCipher#decrypt use one key', () => {
    const [a, b] = [ref.randomKey(), ref.randomKey()];
    assert.equal(lib.parseWebhook(body([1], a), a).keyIndex, 0);
    const wire = ref.encryptData({ n: 1 }, b);
    assert.equal(caught(() => lib.decryptData(wire, [a, b])).code, 'INVALID_ARGUMENT');
    const cipher = new lib.AllpassCipher([a, b]);
    // Text cannot tell keys apart: first key only, so exactly what node:crypto does with key a
    // (bad decrypt, or, for about 1 wrong key in 256, garbage that passed the padding check).
    const underFirst = ref.outcome(() => ref.decryptData(wire, a));
    if (underFirst.thrown) assert.equal(caught(() => cipher.decrypt(wire)).code, 'DECRYPT_FAILED');
    else assert.equal(cipher.decrypt(wire), underFirst.value);
    assert.deepEqual(cipher.decryptJson(wire), { n: 1 });
    cipher.free();
    const single = new lib.AllpassCipher(b);
    const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x80, 0x7d]);
    const bytes = single.decryptBytes(ref.encryptBytes(notUtf8, b));
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual(Buffer.from(bytes), notUtf8, 'decryptBytes returns the plaintext bytes, not replacement characters');
    const underOther = ref.encryptBytes(notUtf8, a);
    const expected = ref.outcome(() => ref.decryptBytes(underOther, b));
    if (expected.thrown) assert.equal(caught(() => single.decryptBytes(underOther)).code, 'DECRYPT_FAILED');
    else assert.deepEqual(Buffer.from(single.decryptBytes(underOther)), expected.value);
    single.free();
  });

  it('says which key of the list is wrong, and refuses empty or overlong lists', () => {
    const good = ref.randomKey();
    const bad = caught(() => lib.parseWebhook(body([1], good), [good, good.slice(0, 62)]));
    assert.equal(bad.code, 'INVALID_KEY');
    assert.equal(bad.reason, 'WRONG_LENGTH');
    assert.match(bad.message, /^key\[1\]: the key has 62 hex characters/);
    assert.ok(!bad.message.includes(good.slice(0, 16)));
    for (const keys of [[], Array.from({ length: 17 }, ref.randomKey)]) {
      const error = caught(() => new lib.AllpassCipher(keys));
      assert.equal(error.code, 'INVALID_KEY');
      assert.equal(error.reason, 'KEY_COUNT');
    }
    assert.equal(caught(() => new lib.AllpassCipher([good, 42])).code, 'INVALID_ARGUMENT');
  });

  it('a hostile list (throwing Proxy traps, revoked Proxy) is an error, never a crash', () => {
    const key = ref.randomKey();
    const throwing = new Proxy([key], { get() { throw new Error('trap'); } });
    const { proxy: revoked, revoke } = Proxy.revocable([key], {});
    revoke();
    for (const keys of [throwing, revoked]) {
      const error = caught(() => lib.parseWebhook(body([1], key), keys));
      assert.ok(['INVALID_ARGUMENT', 'INVALID_KEY'].includes(error.code), error.message);
    }
    assert.deepEqual(lib.parseWebhook(body([1], key), [key]).data, [1], 'the instance still works');
  });
});
