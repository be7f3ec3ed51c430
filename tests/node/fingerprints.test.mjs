// FingerprintSet (lib/fingerprints.mjs): a bounded set of 64-bit fingerprints in two generations,
// checked against a model: it remembers the last capacity / 2 added at least, `capacity` (rounded
// up to even) at most,
// and never something that was not added.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { packageDir } from './package-under-test.mjs';

const { FingerprintSet } = await import(pathToFileURL(join(packageDir, 'lib/fingerprints.mjs')).href);
const pair = (hi, lo) => Uint32Array.of(hi, lo);
const word = fc.integer({ min: 0, max: 0xffffffff });
// (0, 0) is the empty slot: callers store (0, 1) instead (lib/delivery.mjs).
const fingerprint = fc.tuple(word, word).filter(([hi, lo]) => hi !== 0 || lo !== 0);

describe('FingerprintSet', () => {
  it('remembers the last capacity / 2 distinct fingerprints added, holds capacity (rounded up to even) at most, and has nothing never added (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.array(fingerprint, { maxLength: 300 }), fc.array(fingerprint, { maxLength: 20 }), (capacity, added, probes) => {
        const set = new FingerprintSet(capacity);
        for (const [hi, lo] of added) set.add(pair(hi, lo), 0);
        const key = ([hi, lo]) => `${hi}:${lo}`;
        const distinct = [...new Map(added.map((f) => [key(f), f])).values()];
        // The most recently added first: an add of a present fingerprint does not move it.
        const order = [];
        const seen = new Set();
        for (const f of added) if (!seen.has(key(f))) seen.add(key(f)) && order.push(f);
        const held = distinct.filter(([hi, lo]) => set.has(pair(hi, lo), 0));
        assert.ok(held.length <= 2 * Math.ceil(capacity / 2), `${held.length} held, capacity ${capacity}`);
        for (const [hi, lo] of order.slice(-Math.ceil(capacity / 2))) assert.ok(set.has(pair(hi, lo), 0), 'a recent fingerprint was forgotten');
        for (const probe of probes) if (!seen.has(key(probe))) assert.equal(set.has(pair(...probe), 0), false, 'has a fingerprint never added');
      }),
      { numRuns: 300 },
    );
  });

  it('reads a fingerprint at any index of a word array', () => {
    const set = new FingerprintSet(8);
    const words = Uint32Array.of(9, 9, 1, 2, 3, 4);
    set.add(words, 2);
    assert.equal(set.has(Uint32Array.of(1, 2), 0), true);
    assert.equal(set.has(words, 4), false);
  });

  it('refuses a capacity that is not a whole number from 2 to 2^26', () => {
    for (const capacity of [0, 1, 2.5, 2 ** 27, Number.NaN, '8']) assert.throws(() => new FingerprintSet(capacity), RangeError);
  });
});
