// The block memory (lib/tamper.mjs) that memoryStore screens bodies with: a body made of another
// body's blocks is tampered; the same body again is not; a body's first-seen time is when it first
// arrived; claimed bodies' blocks survive any amount of garbage, the others do not.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { packageDir } from './package-under-test.mjs';

const { createBlockMemory } = await import(pathToFileURL(join(packageDir, 'lib/tamper.mjs')).href);
let next = 1;
/** A body of `blocks` fresh blocks (two words each), with its own digest. */
function body(blocks = 4) {
  const words = new Uint32Array(blocks * 2);
  for (let i = 0; i < words.length; i++) words[i] = next++;
  return { bodyDigest: `body-${next}`, words };
}
/** A forgery: `from`'s blocks but the first (a flipped IV), under another digest. */
const forgeryOf = (from) => {
  const words = Uint32Array.from(from.words);
  words[0] ^= 1;
  return { bodyDigest: `${from.bodyDigest}-forged-${next++}`, words };
};

describe('createBlockMemory', () => {
  it('a fresh body is clear and first seen now; the same body later keeps its first sighting', () => {
    const memory = createBlockMemory({ blocks: 64 });
    const genuine = body();
    assert.deepEqual(memory.screen(genuine, 1_000), { tampered: false, firstSeen: 1_000 });
    assert.deepEqual(memory.screen(genuine, 5_000), { tampered: false, firstSeen: 1_000 });
  });

  it('a body reusing a block of another is tampered, and so is the same forgery sent again', () => {
    const memory = createBlockMemory({ blocks: 64 });
    const genuine = body();
    memory.screen(genuine, 1);
    const forgery = forgeryOf(genuine);
    assert.equal(memory.screen(forgery, 2).tampered, true);
    assert.equal(memory.screen(forgery, 3).tampered, true, 'a forgery is never taken for a redelivery of itself');
    const cutOut = { bodyDigest: 'cut', words: genuine.words.slice(4, 8) };
    assert.equal(memory.screen(cutOut, 4).tampered, true);
  });

  it("garbage flushes the other tier but never a claimed body's blocks", () => {
    const memory = createBlockMemory({ blocks: 16 });
    const claimed = body(2);
    const unclaimed = body(2);
    memory.screen(claimed, 1);
    memory.claim(claimed, 1);
    memory.screen(unclaimed, 1);
    for (let i = 0; i < 40; i++) memory.screen(body(2), 2);
    assert.equal(memory.screen(forgeryOf(claimed), 3).tampered, true, 'the claimed body is still protected');
    assert.equal(memory.screen(forgeryOf(unclaimed), 3).tampered, false, 'garbage pushed the unclaimed body out');
    assert.deepEqual(memory.screen(claimed, 9), { tampered: false, firstSeen: 1 }, 'and its redelivery is still one');
  });
});
