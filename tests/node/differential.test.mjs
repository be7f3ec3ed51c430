// Differential tests: the package (packed tarball) against the vendor's node:crypto functions, on
// generated inputs, in both directions. Through `require` only: `import` gives the very same
// functions (exports.test.mjs). What the JavaScript engine changes (copying text in, decoding it
// out) is in host.test.mjs, which runs on every Node version.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ref from './reference.mjs';
import { lib, caught } from './package-under-test.mjs';

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

describe('differential vs node:crypto', () => {
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
