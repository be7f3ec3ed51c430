// Memory and key hygiene, measured on the package's own WebAssembly instance: bounded linear
// memory under long runs, objects released by FinalizationRegistry, 64 MB payloads, and no key
// bytes or key text left anywhere in wasm memory.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as ref from './reference.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

// Catch the package's instance as it is created, to read its linear memory.
let memory;
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(RealInstance, {
  construct(target, args) {
    const instance = Reflect.construct(target, args);
    memory ??= instance.exports.memory;
    return instance;
  },
});
const { cjs: lib } = await import('./package-under-test.mjs');
WebAssembly.Instance = RealInstance;

const MiB = 1024 * 1024;
const bytes = () => memory.buffer.byteLength;
const mib = (n) => `${(n / MiB).toFixed(2)} MiB`;
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const key = ref.randomKey();
const wire = ref.encryptData({ event: 'verification.completed', applicant: { id: 'a1b2c3' } }, key);
const wrongKey = ref.randomKey();

describe('wasm linear memory', () => {
  let warm;
  before(() => {
    assert.ok(memory instanceof WebAssembly.Memory, 'found the package instance memory');
    const cipher = new lib.AllpassCipher(key);
    for (let i = 0; i < 10_000; i++) {
      lib.decryptData(wire, key);
      cipher.decrypt(wire);
      try { lib.decryptData(wire, wrongKey); } catch {}
    }
    cipher.free();
    warm = bytes();
    console.log(`# warm-up size: ${mib(warm)}`);
  });

  it('one million decrypt calls leave it at its warm-up size', () => {
    const cipher = new lib.AllpassCipher(key);
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 4 === 0) lib.decryptData(wire, key);
      else if (i % 4 === 1) cipher.decryptJson(wire);
      else if (i % 4 === 2) lib.encryptData({ i }, key);
      else try { lib.decryptData(wire, wrongKey); } catch {}
    }
    cipher.free();
    console.log(`# after 1,000,000 calls: ${mib(bytes())}`);
    assert.equal(bytes(), warm);
  });

  it('ten thousand AllpassCipher objects created and freed leave it at its warm-up size', () => {
    for (let i = 0; i < 10_000; i++) {
      const cipher = new lib.AllpassCipher(key);
      cipher.decrypt(wire);
      cipher.free();
    }
    console.log(`# after 10,000 AllpassCipher create/free: ${mib(bytes())}`);
    assert.equal(bytes(), warm);
  });

  it('objects never freed by hand are released by the FinalizationRegistry', async () => {
    const round = () => {
      for (let i = 0; i < 10_000; i++) new lib.AllpassCipher(key).decrypt(wire);
    };
    round();
    await settle();
    const afterOne = bytes();
    for (let i = 0; i < 10; i++) {
      round();
      await settle();
    }
    console.log(`# 110,000 unfreed AllpassCipher objects: ${mib(afterOne)} after the first 10,000, ${mib(bytes())} after all`);
    assert.ok(bytes() <= afterOne + 2 * MiB, `grew from ${mib(afterOne)} to ${mib(bytes())}: finalizers did not run`);
  });

  it('an input over the default limit is refused without growing memory', () => {
    const before = bytes();
    const { maxInputLength } = lib.configure();
    const over = 'a'.repeat(maxInputLength + 1024 * 1024); // over the body limit too (the limit + room for the envelope)
    for (const call of [() => lib.decryptData(over, key), () => lib.parseWebhook(over, key), () => lib.encryptData(over, key)]) {
      assert.throws(call, { code: 'INVALID_ARGUMENT', reason: 'TOO_LONG' });
    }
    assert.equal(bytes(), before, 'nothing was copied into wasm memory');
  });

  it('a 64 MB payload (limit raised) decrypts and encrypts, and the memory is reused afterwards', () => {
    const { maxInputLength } = lib.configure();
    lib.configure({ maxInputLength: 256 * MiB });
    try {
      const before = bytes();
      const payload = { blob: 'x'.repeat(64 * MiB) };
      const big = ref.encryptData(payload, key);
      const json = JSON.stringify(payload);
      assert.equal(lib.decryptData(big, key), json);
      assert.equal(ref.decryptData(lib.encryptData(payload, key), key), json);
      const peak = bytes();
      assert.equal(lib.decryptData(big, key), json);
      assert.equal(ref.decryptData(lib.encryptData(payload, key), key), json);
      for (let i = 0; i < 10_000; i++) lib.decryptData(wire, key);
      console.log(`# 64 MB payload (${mib(big.length)} of hex): memory ${mib(before)} before, peak ${mib(peak)}, after a second round and 10,000 small calls ${mib(bytes())}`);
      assert.equal(bytes(), peak, 'a second 64 MB round reuses the freed memory instead of growing');
    } finally {
      lib.configure({ maxInputLength });
    }
  });
});

describe('key hygiene', () => {
  it('neither the key bytes nor its hex text remain in wasm memory after any call', () => {
    const secret = ref.randomKey();
    const sealed = ref.encryptData({ ok: true }, secret);
    // Short windows, not only the whole key: a freed block keeps most of its old bytes, but
    // the allocator overwrites a few at each end with its own bookkeeping.
    const windows = (text, size) => Array.from({ length: text.length / size }, (_, i) => text.slice(i * size, (i + 1) * size));
    const needles = {};
    for (const piece of windows(secret, 16)) {
      needles[`key hex ${piece}`] = Buffer.from(piece);
      needles[`key HEX ${piece}`] = Buffer.from(piece.toUpperCase());
      needles[`key bytes ${piece}`] = Buffer.from(piece, 'hex');
    }
    const scan = (when) => {
      const heap = Buffer.from(memory.buffer);
      for (const [name, needle] of Object.entries(needles)) {
        assert.equal(heap.indexOf(needle), -1, `${name} found in wasm memory ${when}`);
      }
    };
    // A live AllpassCipher holds its key schedule, whose first round key is the key itself (as
    // AES defines it): each cipher here is freed before the scan, which checks that nothing else
    // is left, and that free() wiped the schedule.
    const withCipher = (use) => {
      const cipher = new lib.AllpassCipher(secret);
      try {
        use(cipher);
      } finally {
        cipher.free();
      }
    };
    const calls = {
      'new AllpassCipher': () => new lib.AllpassCipher(secret.toUpperCase()).free(),
      'AllpassCipher#decryptJson': () => withCipher((cipher) => assert.deepEqual(cipher.decryptJson(sealed), { ok: true })),
      'AllpassCipher#encrypt': () => withCipher((cipher) => cipher.encrypt({ ok: true })),
      'AllpassCipher with a list of keys': () => {
        const rotating = new lib.AllpassCipher([ref.randomKey(), secret]);
        assert.deepEqual(rotating.parseWebhook({ status: true, statusCode: 200, data: sealed, time: 't' }).data, { ok: true });
        rotating.free();
      },
      decryptData: () => assert.equal(lib.decryptData(sealed, secret), '{"ok":true}'),
      'decryptData, swapped': () => assert.throws(() => lib.decryptData(secret, ref.encryptData({ longer: 'than one block' }, secret))),
      'decryptData, bad key': () => assert.throws(() => lib.decryptData(sealed, secret.slice(0, 63) + 'z')),
      encryptData: () => lib.encryptData({ ok: true }, secret.toUpperCase()),
      createWebhook: () => lib.createWebhook({ ok: true }, ` ${secret}\n`),
      // Non-ASCII around the key (a pasted byte-order mark, a no-break space) takes the
      // general string path: it must not leave copies behind either.
      'decryptData, key after a BOM': () => assert.equal(lib.decryptData(sealed, `\ufeff${secret}`), '{"ok":true}'),
      'new AllpassCipher, key before a no-break space': () => new lib.AllpassCipher(`${secret}\u00a0`).free(),
      'decryptData, key with a non-ASCII typo': () => assert.throws(() => lib.decryptData(sealed, `${secret.slice(0, 40)}é${secret.slice(41)}`)),
      parseWebhook: () => lib.parseWebhook({ status: true, statusCode: 200, data: sealed, time: 't' }, secret),
    };
    for (const [name, call] of Object.entries(calls)) {
      call();
      scan(`after ${name}`);
    }
    const generated = lib.generateKey();
    const heap = Buffer.from(memory.buffer);
    assert.equal(heap.indexOf(Buffer.from(generated.slice(32))), -1, 'generateKey leaves its hex behind');
    assert.equal(heap.indexOf(Buffer.from(generated.slice(32), 'hex')), -1, 'generateKey leaves its bytes behind');
  });
});
