// Bad input: every row of tests/data/node-crypto-edge-cases.md, wrong JS types, the messages
// that tell users what to fix, the single DECRYPT_FAILED, and webhook envelopes of the wrong
// shape. Through `require` only (`import` gives the same functions: exports.test.mjs); what the
// host's trim, decoder and JSON.stringify decide is in host.test.mjs, good input in
// round-trip.test.mjs and differential.test.mjs, the Wycheproof vectors in wycheproof.test.mjs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ref from './reference.mjs';
import { lib, caught, throwsCode } from './package-under-test.mjs';

const key = ref.randomKey();
const payload = { event: 'verification.completed', applicant: { name: 'Zoë', score: 0.97 } };
const wire = ref.encryptData(payload, key);

describe(`node:crypto edge cases, tests/data/node-crypto-edge-cases.md`, () => {
  it('wrong key or tampered last block: DECRYPT_FAILED where Node says bad decrypt', () => {
    const wrong = ref.randomKey();
    const tampered = wire.slice(0, -2) + (wire.slice(-2) === '00' ? '01' : '00');
    for (const [input, k] of [[wire, wrong], [tampered, key]]) {
      const expected = ref.outcome(() => ref.decryptData(input, k));
      if (expected.thrown) throwsCode(() => lib.decryptData(input, k), 'DECRYPT_FAILED');
      else assert.equal(lib.decryptData(input, k), expected.value);
    }
  });

  it('length not a multiple of 16, or IV only: INVALID_CIPHERTEXT where Node says wrong final block length', () => {
    for (const input of [wire.slice(0, -2), wire.slice(0, 32), wire + '00']) {
      assert.match(ref.outcome(() => ref.decryptData(input, key)).thrown, /wrong final block length/);
      throwsCode(() => lib.decryptData(input, key), 'INVALID_CIPHERTEXT', /multiple of 16|too short/);
    }
  });

  it('empty string: INVALID_CIPHERTEXT where Node says Invalid initialization vector', () => {
    assert.match(ref.outcome(() => ref.decryptData('', key)).thrown, /Invalid initialization vector/);
    throwsCode(() => lib.decryptData('', key), 'INVALID_CIPHERTEXT', /empty/);
  });

  it('key not 32 bytes: INVALID_KEY where Node says Invalid key length, with what is wrong', () => {
    const cases = [
      [key.slice(0, 62), /62 hex characters, expected 64/],
      [key.slice(0, 32), /32 hex characters, expected 64/],
      [Buffer.from(key, 'hex').toString('base64'), /base64/],
      ['', /empty/],
      [key.slice(0, 20) + 'zz' + key.slice(22), /non-hex character at position 20/],
    ];
    for (const [badKey, message] of cases) {
      assert.match(ref.outcome(() => ref.decryptData(wire, badKey)).thrown, /Invalid key length/);
      throwsCode(() => lib.decryptData(wire, badKey), 'INVALID_KEY', message);
      throwsCode(() => lib.encryptData(payload, badKey), 'INVALID_KEY', message);
      throwsCode(() => new lib.AllpassCipher(badKey), 'INVALID_KEY', message);
    }
  });

  it('non-hex character or odd trailing nibble: refused, where Node silently truncates', () => {
    const cut = wire.slice(0, 64) + 'g' + wire.slice(65);
    assert.ok(ref.outcome(() => ref.decryptData(cut, key)).thrown, 'Node reads a shorter input and fails late');
    throwsCode(() => lib.decryptData(cut, key), 'INVALID_CIPHERTEXT', /non-hex character 'g' at position 64/);
    throwsCode(() => lib.decryptData(wire + '0', key), 'INVALID_CIPHERTEXT', /odd number/);
    // Surrounding whitespace (a pasted newline) is ignored; Node throws on an odd-length tail.
    assert.equal(lib.decryptData(`\n ${wire}\n`, ` ${key}\n`), JSON.stringify(payload));
    assert.ok(ref.outcome(() => ref.decryptData(`${wire}\n`, key)).thrown);
    // Base64 where hex is expected (the vendor's doc calls the hex "Base64").
    throwsCode(() => lib.decryptData(Buffer.from(wire, 'hex').toString('base64'), key), 'INVALID_CIPHERTEXT', /base64/);
  });

});

describe(`input text as JavaScript sees it`, () => {
  it('names invisible characters by code point instead of quoting nothing', () => {
    const at = 64;
    for (const [c, shown] of [['\u200b', /U\+200B \(invisible\)/], ['\ufeff', /U\+FEFF \(invisible\)/], ['\u00a0', /U\+00A0 \(invisible\)/], ['\u0301', /U\+0301 \(invisible\)/], ['\u0085', /U\+0085 \(invisible\)/], ['é', /'é' \(U\+00E9\)/], ['\t', /'\\t'/]]) {
      const input = wire.slice(0, at) + c + wire.slice(at + 1);
      const error = throwsCode(() => lib.decryptData(input, key), 'INVALID_CIPHERTEXT', shown);
      assert.match(error.message, new RegExp(`at position ${at}`));
      assert.equal(error.reason, 'NON_HEX');
      assert.ok(!/''/.test(error.message), error.message);
    }
  });
});

describe(`error reasons and the input limit`, () => {
  it('format errors carry a stable reason; DECRYPT_FAILED never does', () => {
    const reasons = [
      [() => lib.decryptData(key, wire), 'INVALID_KEY', 'ARGUMENTS_SWAPPED'],
      [() => lib.decryptData(wire, Buffer.from(key, 'hex').toString('base64')), 'INVALID_KEY', 'BASE64'],
      [() => lib.decryptData(wire, key.slice(2)), 'INVALID_KEY', 'WRONG_LENGTH'],
      [() => lib.decryptData(wire, ''), 'INVALID_KEY', 'EMPTY'],
      [() => lib.decryptData(wire + '0', key), 'INVALID_CIPHERTEXT', 'ODD_LENGTH'],
      [() => lib.decryptData(wire.slice(0, 32), key), 'INVALID_CIPHERTEXT', 'TOO_SHORT'],
      [() => lib.decryptData(wire + '00', key), 'INVALID_CIPHERTEXT', 'NOT_WHOLE_BLOCKS'],
      [() => lib.decryptData(Buffer.from(wire, 'hex').toString('base64'), key), 'INVALID_CIPHERTEXT', 'BASE64'],
      [() => lib.decryptData(JSON.stringify(lib.createWebhook(payload, key)), key), 'INVALID_CIPHERTEXT', 'WHOLE_BODY'],
      [() => lib.decryptData(42, key), 'INVALID_ARGUMENT', 'WRONG_TYPE'],
      [() => lib.encryptData(undefined, key), 'INVALID_ARGUMENT', 'NOT_SERIALIZABLE'],
      [() => lib.parseWebhook(undefined, key), 'INVALID_ARGUMENT', 'NO_BODY'],
    ];
    for (const [fn, code, reason] of reasons) assert.equal(throwsCode(fn, code).reason, reason);
    // A wrong key that node:crypto refuses too (about 1 wrong key in 256 passes the padding check).
    let wrong;
    do wrong = ref.randomKey(); while (!ref.outcome(() => ref.decryptData(wire, wrong)).thrown);
    const failed = throwsCode(() => lib.decryptData(wire, wrong), 'DECRYPT_FAILED');
    assert.equal('reason' in failed, false);
  });

  it('parseWebhook(undefined) says no body reached it and how to fix that per framework', () => {
    const error = throwsCode(() => lib.parseWebhook(undefined, key), 'INVALID_ARGUMENT', /no request body/);
    for (const framework of [/Express/, /Fastify/, /Next\.js/]) assert.match(error.message, framework);
  });

  it('inputs over maxInputLength are refused before they are copied; the limit is configurable', () => {
    const { maxInputLength } = lib.configure();
    assert.equal(maxInputLength, 16 * 1024 * 1024);
    const big = ref.encryptData({ text: 'x'.repeat(300_000) }, key);
    try {
      assert.deepEqual(lib.configure({ maxInputLength: 100_000 }), { maxInputLength: 100_000 });
      const error = throwsCode(() => lib.decryptData(big, key), 'INVALID_ARGUMENT', /over the limit of 100000.*configure/);
      assert.equal(error.reason, 'TOO_LONG');
      throwsCode(() => lib.encryptData({ text: 'x'.repeat(60_000) }, key), 'INVALID_ARGUMENT', /over the limit/);
      for (const bad of [0, -1, 1.5, '10', 2 ** 40, NaN]) throwsCode(() => lib.configure({ maxInputLength: bad }), 'INVALID_ARGUMENT', /maxInputLength/);
      assert.equal(lib.configure().maxInputLength, 100_000, 'a refused setting changes nothing');
      lib.configure({ maxInputLength: 1_000_000 });
      assert.equal(lib.decryptData(big, key), ref.decryptData(big, key));
    } finally {
      lib.configure({ maxInputLength });
    }
  });
});

describe(`what users get wrong`, () => {
  it('the vendor sample call, with the arguments swapped, says so', () => {
    assert.ok(ref.outcome(() => ref.decryptData(key, wire)).thrown);
    throwsCode(() => lib.decryptData(key, wire), 'INVALID_KEY', /arguments look swapped/);
  });

  it('the whole webhook body where the data string goes', () => {
    const body = JSON.stringify(lib.createWebhook(payload, key));
    throwsCode(() => lib.decryptData(body, key), 'INVALID_CIPHERTEXT', /parseWebhook/);
    throwsCode(() => lib.parseWebhook(wire, key), 'INVALID_JSON', /bare encrypted `data` string/);
  });

  it('wrong JavaScript types: INVALID_ARGUMENT naming the argument', () => {
    const wrongTypes = [undefined, null, 42, 1n, true, Symbol('s'), {}, [], new Uint8Array(32), Buffer.from(key, 'hex')];
    for (const value of wrongTypes) {
      throwsCode(() => lib.decryptData(value, key), 'INVALID_ARGUMENT', /`encryptedTextWithIv` must be a string/);
      throwsCode(() => lib.decryptData(wire, value), 'INVALID_ARGUMENT', /`key` must be a string/);
      throwsCode(() => lib.encryptData(payload, value), 'INVALID_ARGUMENT', /`key` must be a string/);
      // An array is a list of keys (rotation): an empty one is INVALID_KEY, KEY_COUNT.
      throwsCode(() => new lib.AllpassCipher(value), Array.isArray(value) ? 'INVALID_KEY' : 'INVALID_ARGUMENT');
    }
    throwsCode(() => lib.encryptData(undefined, key), 'INVALID_ARGUMENT', /JSON.stringify/);
    throwsCode(() => lib.encryptData(10n, key), 'INVALID_ARGUMENT', /BigInt/);
    const circular = {};
    circular.self = circular;
    throwsCode(() => lib.encryptData(circular, key), 'INVALID_ARGUMENT', /circular/i);
    throwsCode(() => lib.encryptData({ toJSON() { throw new Error('boom'); } }, key), 'INVALID_ARGUMENT', /boom/);
    throwsCode(() => lib.parseWebhook(42, key), 'INVALID_ARGUMENT', /raw request body/);
    throwsCode(() => lib.createWebhook(payload, key, 'soon'), 'INVALID_ARGUMENT', /`options` must be an object/);
    throwsCode(() => lib.createWebhook(payload, key, { time: 5 }), 'INVALID_ARGUMENT', /`options.time`/);
    throwsCode(() => lib.createWebhook(payload, key, { time: new Date(NaN) }), 'INVALID_ARGUMENT', /a string or a valid Date, got null/);
  });

  it('no error message ever contains key material', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(63), fc.constantFrom('z', ' ', '+', 'é', ''), (bytes, at, junk) => {
        const secret = Buffer.from(bytes).toString('hex');
        const broken = secret.slice(0, at) + junk + secret.slice(at + 1);
        for (const fn of [() => lib.decryptData(wire, broken), () => new lib.AllpassCipher(broken), () => lib.parseWebhook('{}', broken)]) {
          const error = caught(fn);
          for (let i = 0; i + 8 <= secret.length; i += 8) assert.ok(!error.message.includes(secret.slice(i, i + 8)), error.message);
          assert.ok(!String(error).includes(secret.slice(0, 8)));
        }
      }),
      { numRuns: 200 },
    );
    const cipher = new lib.AllpassCipher(key);
    for (const shown of [String(cipher), JSON.stringify(cipher) ?? '', Object.keys(cipher).join()]) {
      assert.ok(!shown.includes(key.slice(0, 8)), shown);
    }
    cipher.free();
  });

  it('every failure after the format checks is one identical error', () => {
    const seen = new Set();
    const cipher = new lib.AllpassCipher(key);
    const notJson = cipher.encryptText('plain text, not JSON');
    const attempts = [
      () => lib.decryptData(wire, ref.randomKey()),
      () => lib.decryptData(wire.slice(0, -32) + '00'.repeat(16), key),
      () => cipher.decryptJson(notJson),
      () => lib.parseWebhook({ status: true, statusCode: 200, data: notJson, time: 't' }, key),
      () => lib.parseWebhook({ status: true, statusCode: 200, data: wire, time: 't' }, ref.randomKey()),
    ];
    for (const attempt of attempts) {
      const outcome = ref.outcome(attempt);
      if (outcome.thrown) {
        const error = caught(attempt);
        seen.add(`${error.code}: ${error.message}`);
      }
    }
    cipher.free();
    assert.equal(seen.size, 1, [...seen].join('\n'));
    assert.match([...seen][0], /^DECRYPT_FAILED: /);
  });
});

describe(`webhook envelopes`, () => {
  it('envelopes of the wrong shape: INVALID_ENVELOPE naming the field', () => {
    const good = lib.createWebhook(payload, key);
    throwsCode(() => lib.parseWebhook({ ...good, data: undefined }, key), 'INVALID_ENVELOPE', /data/);
    throwsCode(() => lib.parseWebhook({ ...good, data: 5 }, key), 'INVALID_ENVELOPE', /string/);
    throwsCode(() => lib.parseWebhook({ ...good, status: 'true' }, key), 'INVALID_ENVELOPE', /bool/);
    throwsCode(() => lib.parseWebhook(JSON.stringify([good]), key), 'INVALID_ENVELOPE');
    throwsCode(() => lib.parseWebhook('{"status":', key), 'INVALID_JSON');
    throwsCode(() => lib.parseWebhook(new Uint8Array([0x7b, 0xff]), key), 'INVALID_JSON', /UTF-8/);
  });
});
