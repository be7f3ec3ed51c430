// Hostile arguments, 100,000 calls per exported function: every call returns a value of the
// documented type or throws an Error with a documented code, and afterwards the very same
// WebAssembly instance still decrypts a known vector (nothing trapped, nothing poisoned).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ref from './reference.mjs';
import { cjs as lib, ERROR_CODES, caught } from './package-under-test.mjs';

const CALLS = Number(process.env.ALLPASS_ABUSE_CALLS ?? 100_000);
const key = ref.randomKey();
const knownPayload = { event: 'verification.completed', n: 42 };
const known = ref.encryptData(knownPayload, key);
const validWebhook = { status: true, statusCode: 200, data: known, time: '2021-08-20T14:52:33.648Z' };

const throwingProxy = new Proxy({}, {
  get() { throw new Error('get trap'); },
  ownKeys() { throw new Error('ownKeys trap'); },
  getPrototypeOf() { throw new Error('getPrototypeOf trap'); },
});
const { proxy: revoked, revoke } = Proxy.revocable({}, {});
revoke();
const fakeBytes = new Proxy(new Uint8Array(4), { get() { throw new Error('typed array trap'); } });
class EvilBytes extends Uint8Array { get length() { throw new Error('length getter'); } }
const evilError = new (class extends Error { get message() { throw new Error('message getter'); } })();

// fast-check itself inspects generated values (and a revoked Proxy throws on any inspection),
// so the odd values travel as indices and are looked up inside the property.
class Odd {
  constructor(index) { this.index = index; }
}
const ODD_VALUES = [
  undefined, null, 0, -0, NaN, Infinity, 2 ** 53, 1n, true, Symbol('s'), () => 'f', {}, [], '',
  Object.create(null), new Date(NaN), new Date(0), throwingProxy, revoked, fakeBytes, new EvilBytes(8),
  { toJSON() { throw evilError; } }, { toJSON() { throw 7; } }, { get data() { throw new Error('getter'); } },
  new Uint8Array(0), Buffer.from(key, 'hex'), Buffer.from(known), new Uint16Array(4), new ArrayBuffer(8),
];
const oddValues = fc.nat(ODD_VALUES.length - 1).map((index) => new Odd(index));
const resolve = (value) => (value instanceof Odd ? ODD_VALUES[value.index] : value);

const hexChars = fc.constantFrom(...'0123456789abcdefABCDEF');
const hexish = fc.oneof(
  fc.string({ unit: hexChars, maxLength: 200 }),
  fc.string({ unit: fc.oneof(hexChars, fc.constantFrom(' ', '\n', 'g', 'Z', '+', '/', '=', '{', '€', '\ud800')), maxLength: 200 }),
);

/** Valid payloads cut, extended, bit-flipped or case-changed. */
const tampered = fc.tuple(fc.nat(known.length), fc.nat(known.length), fc.integer({ min: 0, max: 15 }), fc.boolean()).map(
  ([start, end, flip, upper]) => {
    const chars = [...known.slice(0, Math.max(start, end))];
    const at = Math.min(start, chars.length - 1);
    if (at >= 0) chars[at] = (parseInt(chars[at], 16) ^ flip).toString(16);
    const text = chars.join('');
    return upper ? text.toUpperCase() : text;
  },
);

const envelopeLike = fc.record(
  {
    status: fc.oneof(fc.boolean(), fc.anything()),
    statusCode: fc.oneof(fc.constant(200), fc.integer(), fc.double(), fc.anything()),
    data: fc.oneof(fc.constant(known), tampered, hexish, fc.anything()),
    time: fc.oneof(fc.constant('2021-08-20T14:52:33.648Z'), fc.anything()),
  },
  { requiredKeys: [] },
);

const deeplyNested = fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const nestedObject = fc.integer({ min: 1, max: 5_000 }).map((depth) => {
  let value = {};
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
});

const hostile = fc.oneof(
  { weight: 3, arbitrary: oddValues },
  { weight: 3, arbitrary: hexish },
  { weight: 3, arbitrary: tampered },
  { weight: 1, arbitrary: fc.constant(key) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 2, arbitrary: envelopeLike },
  { weight: 1, arbitrary: envelopeLike.map((envelope) => JSON.stringify(envelope) ?? '') },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.constant(validWebhook) },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: nestedObject },
);

/** Each exported entry point, with what a successful return must look like. */
const cipher = new lib.AllpassCipher(key);
const entryPoints = {
  decryptData: [(a, b) => lib.decryptData(a, b), 'string'],
  encryptData: [(a, b) => lib.encryptData(a, b), 'string'],
  parseWebhook: [(a, b) => lib.parseWebhook(a, b), 'object'],
  createWebhook: [(a, b, c) => lib.createWebhook(a, b, c), 'object'],
  generateKey: [(a) => lib.generateKey(a), 'string'],
  'new AllpassCipher': [(a) => new lib.AllpassCipher(a).free(), 'undefined'],
  'AllpassCipher#decrypt': [(a) => cipher.decrypt(a), 'string'],
  'AllpassCipher#decryptJson': [(a) => cipher.decryptJson(a), 'any'],
  'AllpassCipher#encrypt': [(a) => cipher.encrypt(a), 'string'],
  'AllpassCipher#encryptText': [(a) => cipher.encryptText(a), 'string'],
  // Not API (the webhook handler's), but reachable by anyone holding a cipher.
  'AllpassCipher#openParsedWebhook': [(a) => cipher.openParsedWebhook(a), 'object'],
};

/** Sometimes the right key, so calls get past the key check and into the decryption. */
const keyArgument = fc.oneof({ weight: 2, arbitrary: fc.constant(key) }, { weight: 3, arbitrary: hostile });

describe(`${CALLS.toLocaleString('en')} hostile calls per exported function`, () => {
  let total = 0;
  for (const [name, [call, returns]] of Object.entries(entryPoints)) {
    it(name, () => {
      const codes = new Map();
      fc.assert(
        fc.property(hostile, keyArgument, hostile, (a, b, c) => {
          total++;
          let value;
          try {
            value = call(resolve(a), resolve(b), resolve(c));
          } catch (error) {
            assert.ok(error instanceof Error, `${name} threw a non-Error: ${String(error)}`);
            assert.ok(ERROR_CODES.includes(error.code), `${name} threw without a documented code: ${error}`);
            assert.equal(error.name, 'AllpassCryptoError');
            codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
            return;
          }
          codes.set('ok', (codes.get('ok') ?? 0) + 1);
          if (returns !== 'any') assert.equal(typeof value, returns, `${name} returned ${typeof value}`);
        }),
        { numRuns: CALLS },
      );
      console.log(`# ${name}: ${JSON.stringify(Object.fromEntries(codes))}`);
    });
  }

  it('huge strings are refused before they are copied into wasm memory', () => {
    const huge = 'a'.repeat(256 * 1024 * 1024 + 2);
    for (const call of [() => lib.decryptData(huge, key), () => lib.decryptData(known, huge), () => cipher.encryptText(huge)]) {
      const error = caught(call);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, /over the limit/);
    }
  });

  it('afterwards, the same instance still decrypts a known vector', () => {
    assert.ok(total >= CALLS * Object.keys(entryPoints).length, `ran ${total} calls`);
    console.log(`# hostile calls made: ${total}`);
    assert.deepEqual(JSON.parse(lib.decryptData(known, key)), knownPayload);
    assert.deepEqual(cipher.decryptJson(known), knownPayload);
    assert.deepEqual(lib.parseWebhook(JSON.stringify(validWebhook), key).data, knownPayload);
    assert.equal(ref.decryptData(lib.encryptData(knownPayload, key), key), JSON.stringify(knownPayload));
    cipher.free();
  });
});
