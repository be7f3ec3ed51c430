// Differential tests: the package (packed tarball, via require and via import) against the
// vendor's node:crypto functions, on generated inputs, in both directions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as ref from './reference.mjs';
import { cjs, esm, flavours, caught } from './package-under-test.mjs';

const RUNS = Number(process.env.ALLPASS_PROPERTY_RUNS ?? 300);
const key = ref.randomKey();

/** Any value JSON.stringify accepts, including the awkward ones (Dates, -0, holes, toJSON). */
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.anything({
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
    withTypedArray: true,
    withObjectString: true,
  }),
  fc.record({ nested: fc.jsonValue(), toJSON: fc.constant(function () { return { replaced: this.nested ?? null }; }) }),
  fc.constantFrom(-0, 1e21, 1e-7, Number.NaN, Infinity, new Date(0), { a: undefined, b: () => 1 }, [undefined], '\ud800', 'a\udfffb'),
);

/** Strings with every kind of code unit, astral characters and lone surrogates included. */
const anyString = fc.string({ unit: 'binary', maxLength: 300 });

/** Byte strings built to hit UTF-8 decoding corner cases, not only random noise. */
const utf8Fragment = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4 }),
  fc.constantFrom(
    [0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], // valid 1-4 bytes
    [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf0], // truncated
    [0x80], [0xbf], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], // stray, overlong, surrogate
    [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff],
  ),
);
const trickyBytes = fc.array(utf8Fragment, { maxLength: 40 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

describe('loading', () => {
  it('require and import share one instance', () => {
    assert.equal(cjs.decryptData, esm.decryptData);
    // (`export *` in the consumer's entry.mjs passes every name but `default`.)
    assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).filter((name) => name !== 'default').sort());
    assert.ok(!('__esModule' in cjs));
  });

  it('init and initSync under require and import: the same functions, no-ops resolving to the loaded instance', async () => {
    assert.equal(cjs.initSync, esm.initSync);
    assert.equal(typeof cjs.default, 'function');
    const loaded = await cjs.default();
    assert.equal(cjs.initSync(), loaded);
    assert.equal(typeof loaded.memory, 'object');
    assert.equal(cjs.decryptData(ref.encryptData({ after: 'init' }, key), key), '{"after":"init"}');
  });
});

for (const [flavour, lib] of flavours) {
  describe(`differential vs node:crypto (${flavour})`, () => {
    it('decryptData reads what the reference encryptData writes', () => {
      fc.assert(
        fc.property(jsonish, (data) => {
          if (JSON.stringify(data) === undefined) return;
          const wire = ref.encryptData(data, key);
          assert.equal(lib.decryptData(wire, key), ref.decryptData(wire, key));
          assert.equal(lib.decryptData(wire.toUpperCase(), key.toUpperCase()), JSON.stringify(data));
        }),
        { numRuns: RUNS },
      );
    });

    it('the reference decryptData reads what encryptData writes', () => {
      fc.assert(
        fc.property(jsonish, (data) => {
          const json = JSON.stringify(data);
          if (json === undefined) {
            assert.throws(() => ref.encryptData(data, key));
            assert.equal(caught(() => lib.encryptData(data, key)).code, 'INVALID_ARGUMENT');
            return;
          }
          const wire = lib.encryptData(data, key);
          assert.match(wire, /^[0-9a-f]+$/, 'lowercase hex like Node');
          assert.equal(wire.length, ref.encryptData(data, key).length);
          assert.equal(ref.decryptData(wire, key), json);
        }),
        { numRuns: RUNS },
      );
    });

    it('strings of any code units, lone surrogates included, both ways', () => {
      const cipher = new lib.AllpassCipher(key);
      try {
        fc.assert(
          fc.property(anyString, (text) => {
            assert.equal(ref.decryptData(lib.encryptData(text, key), key), JSON.stringify(text));
            const raw = cipher.encryptText(text); // no JSON.stringify: lone surrogates become U+FFFD
            assert.equal(ref.decryptData(raw, key), ref.decryptData(ref.encryptBytes(Buffer.from(text, 'utf8'), key), key));
            assert.equal(cipher.decrypt(raw), Buffer.from(text, 'utf8').toString('utf8'));
          }),
          { numRuns: RUNS },
        );
      } finally {
        cipher.free();
      }
    });

    it('non-ASCII characters wherever the first, ASCII-sized copy of the text runs out of room', () => {
      // The text is copied into wasm memory assuming one byte a character, then the rest is
      // copied after what fit: every split point, surrogate pairs and lone surrogates included.
      const cipher = new lib.AllpassCipher(key);
      try {
        for (const unit of ['é', '€', '😀', '\ud800', '\udfff', '\ud83d\ude00\ud800']) {
          for (let at = 0; at <= 24; at++) {
            for (const count of [1, 3]) {
              const text = 'a'.repeat(at) + unit.repeat(count) + 'b'.repeat(24 - at);
              const want = Buffer.from(text, 'utf8').toString('utf8');
              assert.equal(ref.decryptData(cipher.encryptText(text), key), want, `${count} × ${JSON.stringify(unit)} at ${at}`);
              assert.equal(ref.decryptData(lib.encryptData(text, key), key), JSON.stringify(text));
            }
          }
        }
      } finally {
        cipher.free();
      }
    });

    it('long text (copied by Node\'s Buffer from 1024 UTF-16 units on) of any code units, both ways', () => {
      // Mostly ASCII with any code units inserted (lone surrogates, pairs cut apart, astral
      // characters), and wholly random units: one-byte and two-byte strings alike.
      const unit = fc.oneof(fc.constantFrom('\ud800', '\udfff', '\ud83d', '\ude00', '😀', 'é', 'Å', '€', '\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }));
      const mostlyAscii = fc.tuple(fc.integer({ min: 1000, max: 5000 }), fc.array(fc.tuple(fc.nat(5000), unit), { maxLength: 12 })).map(([length, inserts]) => {
        let text = 'Document checked; face match 0.98. '.repeat(Math.ceil(length / 35)).slice(0, length);
        for (const [at, inserted] of inserts) text = text.slice(0, at) + inserted + text.slice(at);
        return text;
      });
      const cipher = new lib.AllpassCipher(key);
      try {
        fc.assert(
          fc.property(fc.oneof(mostlyAscii, fc.string({ unit: 'binary', minLength: 1000, maxLength: 3000 })), (text) => {
            assert.equal(ref.decryptData(lib.encryptData(text, key), key), JSON.stringify(text));
            const data = { notes: text };
            assert.equal(ref.decryptData(cipher.encrypt(data), key), JSON.stringify(data));
            const raw = cipher.encryptText(text);
            assert.equal(ref.decryptData(raw, key), ref.decryptData(ref.encryptBytes(Buffer.from(text, 'utf8'), key), key));
            assert.equal(raw.length, 32 + 32 * (Math.floor(Buffer.byteLength(text) / 16) + 1));
          }),
          { numRuns: RUNS },
        );
        // Right at the threshold: 1023, 1024 and 1025 units, a non-ASCII character last.
        for (const length of [1023, 1024, 1025]) {
          for (const last of ['é', '\ud800', '😀'.slice(0, 1), '€']) {
            const text = 'x'.repeat(length - 1) + last;
            assert.equal(ref.decryptData(cipher.encryptText(text), key), Buffer.from(text, 'utf8').toString('utf8'), `${length}`);
          }
        }
      } finally {
        cipher.free();
      }
    });

    it('plaintexts that are not UTF-8 decode to the same replacement characters', () => {
      fc.assert(
        fc.property(fc.oneof(trickyBytes, fc.uint8Array({ maxLength: 100 })), (bytes) => {
          const wire = ref.encryptBytes(bytes, key);
          assert.equal(lib.decryptData(wire, key), ref.decryptData(wire, key));
        }),
        { numRuns: RUNS * 5 },
      );
    });

    it('long, mostly ASCII text with a few non-ASCII stretches, anywhere', () => {
      // Anywhere, and near 64-byte boundaries (where a decoder working in chunks would cut).
      const position = fc.oneof(fc.nat(7000), fc.tuple(fc.nat(110), fc.integer({ min: -4, max: 4 })).map(([n, d]) => Math.max(0, 64 * n + d)));
      const cipher = new lib.AllpassCipher(key);
      try {
        fc.assert(
          fc.property(fc.integer({ min: 1000, max: 7000 }), fc.array(fc.tuple(position, utf8Fragment), { maxLength: 24 }), (length, inserts) => {
            const ascii = Buffer.from('{"notes":"Document checked; face match 0.98."} '.repeat(Math.ceil(length / 48)).slice(0, length));
            const parts = [];
            let at = 0;
            for (const [where, fragment] of [...inserts].sort((a, b) => a[0] - b[0])) {
              const cut = Math.min(where, ascii.length);
              parts.push(ascii.subarray(at, cut), Buffer.from(fragment));
              at = cut;
            }
            parts.push(ascii.subarray(at));
            const wire = ref.encryptBytes(Buffer.concat(parts), key);
            const expected = ref.decryptData(wire, key);
            assert.equal(lib.decryptData(wire, key), expected);
            assert.equal(cipher.decrypt(wire), expected);
          }),
          { numRuns: RUNS },
        );
        // Decrypted text is turned into a string in pieces, cut around all-ASCII stretches of
        // 16 or more 64-byte blocks: stretches just under, at and over that length, starting at
        // offsets across a block, between, before and after non-ASCII characters; text and JSON
        // paths alike. (wasm/src/text_pieces.rs checks the cuts themselves.)
        for (const stretch of [960, 1023, 1024, 1025, 1087, 1088, 1089, 2113]) {
          for (let lead = 0; lead < 70; lead += 3) {
            const filler = (n) => 'x'.repeat(n);
            const text = `${filler(lead)}é${filler(stretch)}😀${filler(stretch + lead)}€${filler(stretch)}`;
            for (const plain of [text, text.slice(0, -1), `${text}ü`, text.slice(lead + 1)]) {
              const wire = ref.encryptData(plain, key);
              const expected = ref.decryptData(wire, key);
              assert.equal(cipher.decrypt(wire), expected, `stretch ${stretch}, lead ${lead}`);
              assert.equal(lib.decryptData(wire, key), expected);
              assert.equal(cipher.decryptJson(wire), plain);
              const body = JSON.stringify({ status: true, statusCode: 200, data: wire, time: '2026-11-26T00:00:00.000Z' });
              assert.equal(lib.parseWebhook(body, key).data, plain);
            }
          }
        }
        // The JSON path (decryptJson, parseWebhook) goes through the same conversion.
        for (const names of [['Zoë Åström'], ['Nguyễn Văn Thành', 'Łódź', '😀'], Array(40).fill('é')]) {
          const data = { names, notes: 'Document checked; face match 0.98. '.repeat(100) };
          assert.deepEqual(cipher.decryptJson(ref.encryptData(data, key)), data);
        }
      } finally {
        cipher.free();
      }
    });

    it('every plaintext length around the block boundaries', () => {
      for (let length = 0; length <= 80; length++) {
        for (const unit of ['a', 'é', '€', '😀']) {
          const text = unit.repeat(length).slice(0, length); // may split a surrogate pair: also covered
          const wire = ref.encryptData(text, key);
          assert.equal(lib.decryptData(wire, key), ref.decryptData(wire, key), `length ${length} of ${unit}`);
          assert.equal(ref.decryptData(lib.encryptData(text, key), key), JSON.stringify(text));
        }
        const bytes = ref.encryptBytes(Buffer.alloc(length, 0x61), key);
        assert.equal(bytes.length, 32 + 32 * (Math.floor(length / 16) + 1), 'one padding block at most');
        assert.equal(lib.decryptData(bytes, key), 'a'.repeat(length));
      }
    });

    it('payloads up to 1 MB', () => {
      for (const size of [65_536, 1_000_000, 1_048_576]) {
        const data = { blob: 'x€😀'.repeat(size / 8), size };
        const wire = ref.encryptData(data, key);
        assert.equal(lib.decryptData(wire, key), JSON.stringify(data));
        assert.equal(ref.decryptData(lib.encryptData(data, key), key), JSON.stringify(data));
      }
    });

    it('wrong keys: the same garbage when the padding happens to pass, DECRYPT_FAILED otherwise', () => {
      const wire = ref.encryptData({ event: 'verification.completed' }, key);
      let garbage = 0;
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
          const wrongKey = Buffer.from(bytes).toString('hex');
          const expected = ref.outcome(() => ref.decryptData(wire, wrongKey));
          if (expected.thrown) {
            assert.equal(expected.thrown.includes('bad decrypt'), true);
            assert.equal(caught(() => lib.decryptData(wire, wrongKey)).code, 'DECRYPT_FAILED');
          } else {
            garbage++;
            assert.equal(lib.decryptData(wire, wrongKey), expected.value);
          }
        }),
        { numRuns: RUNS * 10 },
      );
      console.log(`# wrong keys whose padding passed (Node and we both return garbage): ${garbage}`);
    });

    it('tampered ciphertexts: identical result or DECRYPT_FAILED where Node says bad decrypt', () => {
      const wire = ref.encryptData({ a: 'bit-flipping target', b: [1, 2, 3] }, key);
      fc.assert(
        fc.property(fc.nat(wire.length / 2 - 1), fc.integer({ min: 1, max: 255 }), (index, mask) => {
          const bytes = Buffer.from(wire, 'hex');
          bytes[index] ^= mask;
          const tampered = bytes.toString('hex');
          const expected = ref.outcome(() => ref.decryptData(tampered, key));
          if (expected.thrown) assert.equal(caught(() => lib.decryptData(tampered, key)).code, 'DECRYPT_FAILED');
          else assert.equal(lib.decryptData(tampered, key), expected.value);
        }),
        { numRuns: RUNS * 3 },
      );
    });
  });
}

describe('where Node\'s Buffer is missing or is not Node\'s', () => {
  // Long text is copied by the global `Buffer` when it is Node's; otherwise by `encodeInto`.
  // Each case runs in a process of its own (a `Buffer` that throws is not tried again there).
  const text = `${'Document checked; face match 0.98. '.repeat(60)}Zoë \ud800 😀 ${'x'.repeat(900)}€`;
  const cases = {
    'no Buffer': 'globalThis.Buffer = undefined;',
    'a browser polyfill (no utf8Write)': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t), from: (...a) => new Uint8Array(...a) };',
    'byteLength one short': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t) - 1, prototype: B.prototype };',
    'byteLength one long': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t) + 1, prototype: B.prototype };',
    'byteLength -1': 'const B = Buffer; globalThis.Buffer = { byteLength: () => -1, prototype: B.prototype };',
    'byteLength 2 ** 31': 'const B = Buffer; globalThis.Buffer = { byteLength: () => 2 ** 31, prototype: B.prototype };',
    'utf8Write writing less': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t), prototype: { utf8Write: () => 3 } };',
    'every call throwing': 'globalThis.Buffer = { byteLength() { throw new Error("no"); }, from() { throw new Error("no"); } };',
  };
  it('Node\'s Buffer copies long text only, and once it has thrown, never again', () => {
    // A spy on the two `Buffer` functions, in a process of its own: proof the fast path runs
    // (the results alone would be the same through `encodeInto`).
    const child = `
      const lib = require('node:module').createRequire(${JSON.stringify(join(process.env.ALLPASS_CONSUMER_DIR, 'package.json'))})('./entry.cjs');
      const [key, text] = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const calls = { byteLength: 0, utf8Write: 0 };
      const { byteLength } = Buffer;
      const { utf8Write } = Buffer.prototype;
      Buffer.byteLength = function (...args) { calls.byteLength++; return byteLength.apply(this, args); };
      Buffer.prototype.utf8Write = function (...args) { calls.utf8Write++; return utf8Write.apply(this, args); };
      const cipher = new lib.AllpassCipher(key);
      const counts = [];
      const run = (what) => { what(); counts.push({ ...calls }); };
      run(() => cipher.encryptText(text));                  // long text: Buffer
      run(() => cipher.encryptText(text.slice(0, 1023)));   // 1023 units: encodeInto
      run(() => lib.encryptData({ text }, key));            // long JSON: Buffer
      run(() => cipher.decrypt(cipher.encryptText('x')));   // hex: encodeInto
      Buffer.prototype.utf8Write = function () { calls.utf8Write++; throw new Error('broken'); };
      const afterThrow = cipher.encryptText(text);          // throws inside: encodeInto copies
      run(() => cipher.encryptText(text));                  // not tried again
      process.stdout.write(JSON.stringify({ counts, afterThrow }));`;
    const run = spawnSync(process.execPath, ['-e', child], { input: JSON.stringify([key, text]), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { counts, afterThrow } = JSON.parse(run.stdout);
    assert.deepEqual(counts, [
      { byteLength: 1, utf8Write: 1 },
      { byteLength: 1, utf8Write: 1 },
      { byteLength: 2, utf8Write: 2 },
      { byteLength: 2, utf8Write: 2 },
      { byteLength: 3, utf8Write: 3 },
    ]);
    assert.equal(ref.decryptData(afterThrow, key), Buffer.from(text, 'utf8').toString('utf8'));
  });

  for (const [name, setup] of Object.entries(cases)) {
    it(`${name}: the same result`, () => {
      const child = `
        const lib = require('node:module').createRequire(${JSON.stringify(join(process.env.ALLPASS_CONSUMER_DIR, 'package.json'))})('./entry.cjs');
        const [key, text] = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
        const realBuffer = Buffer;
        ${setup}
        const cipher = new lib.AllpassCipher(key);
        const out = [cipher.encryptText(text), lib.encryptData(text, key), cipher.encryptText(text)];
        globalThis.Buffer = realBuffer;
        out.push(cipher.encryptText(text));
        process.stdout.write(JSON.stringify(out));`;
      const run = spawnSync(process.execPath, ['-e', child], { input: JSON.stringify([key, text]), encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const [first, data, again, restored] = JSON.parse(run.stdout);
      const want = Buffer.from(text, 'utf8').toString('utf8');
      for (const raw of [first, again, restored]) assert.equal(ref.decryptData(raw, key), want);
      assert.equal(ref.decryptData(data, key), JSON.stringify(text));
    });
  }
});
