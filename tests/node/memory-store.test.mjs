// memoryStore's own memory, measured: what its block memory takes when created, and after a
// flood of garbage (every body fresh, as an attacker without the key sends them). README states
// both figures (Security); this test holds them to what it measures, in a process of its own
// with the collector exposed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { packageDir } from './package-under-test.mjs';

const GARBAGE_BODIES = 150_000;
const MIB = 2 ** 20;

const measure = `
const { memoryStore } = await import(${JSON.stringify(pathToFileURL(join(packageDir, 'node.mjs')).href)});
const used = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
const before = used();
const store = memoryStore();
globalThis.kept = store; // alive through every measurement
const created = used() - before;
for (let i = 0; i < ${GARBAGE_BODIES}; i++) {
  const words = crypto.getRandomValues(new Uint32Array(2 * (2 + (i % 16))));
  const verdict = await store.screen({ bodyDigest: hex(16), words, blocks: [] });
  if (verdict.tampered) throw new Error('a fresh body was taken for a forgery');
}
const flooded = used() - before;
console.log(JSON.stringify({ created, flooded }));
`;

it(`memoryStore's block memory: what README says it takes, created and after ${GARBAGE_BODIES.toLocaleString('en')} garbage bodies`, () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
  const stated = /block memory takes (\d+) MiB when it is created and at most (\d+) MiB/.exec(readme);
  assert.ok(stated, 'README states the figures');
  const [createdMiB, mostMiB] = [Number(stated[1]), Number(stated[2])];
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', measure], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const { created, flooded } = JSON.parse(out.trim().split('\n').at(-1));
  console.log(`memoryStore: ${(created / MIB).toFixed(1)} MiB created, ${(flooded / MIB).toFixed(1)} MiB after ${GARBAGE_BODIES} garbage bodies (README: ${createdMiB} and ${mostMiB})`);
  assert.ok(created <= createdMiB * MIB, `created: ${(created / MIB).toFixed(1)} MiB, README says ${createdMiB}`);
  assert.ok(created > (createdMiB - 1) * MIB, `created: ${(created / MIB).toFixed(1)} MiB, README says ${createdMiB}: not a figure that hides the truth`);
  assert.ok(flooded <= mostMiB * MIB, `after the flood: ${(flooded / MIB).toFixed(1)} MiB, README says at most ${mostMiB}`);
});

describe('memoryStore, the contract in one process', async () => {
  const { memoryStore } = await import(pathToFileURL(join(packageDir, 'node.mjs')).href);
  const begin = (store, applicantId, time, ids) => store.begin({ applicantId, time, eventTime: new Date(time).toISOString(), ids });

  it('order and once: stale when older, a duplicate when any id was handled, equal times proceed', async () => {
    const store = memoryStore();
    const first = await begin(store, 'a', 100, ['body-1', 'event-1']);
    assert.equal(first.outcome, 'proceed');
    assert.equal(first.signal.aborted, false);
    await first.commit();
    assert.deepEqual(await begin(store, 'a', 50, ['body-2', 'event-2']), { outcome: 'stale', last: 100 });
    assert.deepEqual(await begin(store, 'a', 500, ['body-3', 'event-1']), { outcome: 'duplicate' }, 'the same event re-encrypted');
    assert.deepEqual(await begin(store, 'a', 500, ['body-1', 'event-9']), { outcome: 'duplicate' }, 'the same body with another time');
    const equal = await begin(store, 'a', 100, ['body-4', 'event-4']);
    assert.equal(equal.outcome, 'proceed');
    await equal.abort();
    const again = await begin(store, 'a', 100, ['body-4', 'event-4']);
    assert.equal(again.outcome, 'proceed', 'an aborted event is not recorded');
    await again.abort();
  });

  it('one at a time per applicant; lockWaitMs bounds the wait (STORE_FAILED)', async () => {
    const store = memoryStore({ lockWaitMs: 50 });
    const held = await begin(store, 'b', 1, ['x']);
    await assert.rejects(begin(store, 'b', 2, ['y']), (error) => error.code === 'STORE_FAILED');
    const other = await begin(store, 'c', 1, ['x']);
    assert.equal(other.outcome, 'proceed', 'another applicant is not held');
    await other.abort();
    const waiting = begin(store, 'b', 2, ['y']);
    await held.commit();
    assert.equal((await waiting).outcome, 'proceed');
  });

  it('`applicants` bounds the records: the least recently used is forgotten first', async () => {
    const store = memoryStore({ applicants: 2 });
    for (const id of ['p', 'q', 'r']) await (await begin(store, id, 10, [`${id}-body`])).commit();
    assert.equal((await begin(store, 'r', 10, ['r-body'])).outcome, 'duplicate');
    const forgotten = await begin(store, 'p', 10, ['p-body']);
    assert.equal(forgotten.outcome, 'proceed', 'p was forgotten');
    await forgotten.abort();
  });

  it('options are checked: whole numbers, and duplicateWindowMs is gone', () => {
    assert.throws(() => memoryStore({ applicants: 0 }), TypeError);
    assert.throws(() => memoryStore({ rememberBlocks: 1.5 }), TypeError);
    assert.throws(() => memoryStore({ lockWaitMs: -1 }), TypeError);
  });
});
