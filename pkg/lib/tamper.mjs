// The block memory of memoryStore (./stores/memory.mjs): bodies assembled from another body's
// blocks are forgeries. The vendor's CBC has no MAC, so anyone holding one captured body can
// flip IV bits (chosen changes to the first plaintext block) or cut out ciphertext blocks (a
// block as IV + those after it) and read our answers as an oracle on the plaintext. Every such
// forgery reuses a block of the captured body; a genuine body's IV is fresh and random, so its
// blocks have never been seen. Every body is screened here before it is decrypted: one that
// reuses a block of another is refused; the same body again is a redelivery.
//
// Two tiers, so that garbage cannot flush what matters: the blocks of bodies that decrypted to
// an acceptable payload (`claim`: no one can add to it without the key), and those of every
// other body. A body's first-seen time is when it first arrived here, never a time its sender
// wrote. Web-standard JavaScript only.
import { FingerprintGroup } from './fingerprints.mjs';

/** Other bodies' digests kept (with their first-seen time), at most: a redelivery of garbage older than this is refused as a forgery, which answers it the same. */
const OTHER_BODIES = 2 ** 14;

/** The memory; `blocks` is how many fingerprints each of the two tiers holds (`rememberBlocks`). */
export function createBlockMemory({ blocks }) {
  // A new body adds at least two blocks (IV and one), so capacity / 2 digests outlive the
  // blocks they stand for: a redelivery of a claimed body is never mistaken for a forgery of it.
  const group = new FingerprintGroup(2, blocks);
  const [claimedBlocks, otherBlocks] = group.sets;
  const claimed = { blocks: claimedBlocks, bodies: new Map(), maxBodies: Math.ceil(blocks / 2) };
  const other = { blocks: otherBlocks, bodies: new Map(), maxBodies: Math.min(OTHER_BODIES, Math.ceil(blocks / 2)) };

  function remember(tier, { bodyDigest, words }, firstSeen) {
    for (let i = 0; i < words.length; i += 2) tier.blocks.add(words, i);
    tier.bodies.delete(bodyDigest);
    tier.bodies.set(bodyDigest, firstSeen);
    if (tier.bodies.size > tier.maxBodies) tier.bodies.delete(tier.bodies.keys().next().value);
  }

  const known = (bodyDigest) => claimed.bodies.get(bodyDigest) ?? other.bodies.get(bodyDigest);

  return {
    /**
     * Screens a body before decryption: tampered when it reuses a block of another body (its
     * blocks are then remembered, so the same forgery again is refused again); otherwise its
     * first-seen time (ms), now for a body never seen.
     * @param {import('./types.cjs').Delivery} delivery
     * @param {number} now
     * @returns {{ tampered: boolean, firstSeen: number }}
     */
    screen(delivery, now) {
      const firstSeen = known(delivery.bodyDigest);
      if (firstSeen !== undefined) return { tampered: false, firstSeen };
      const { words } = delivery;
      for (let i = 0; i < words.length; i += 2) {
        if (group.has(words, i)) {
          for (let j = 0; j < words.length; j += 2) other.blocks.add(words, j);
          return { tampered: true, firstSeen: now };
        }
      }
      remember(other, delivery, now);
      return { tampered: false, firstSeen: now };
    },

    /** The body decrypted to an acceptable payload: its blocks move where garbage cannot push them out. */
    claim(delivery, now) {
      remember(claimed, delivery, known(delivery.bodyDigest) ?? now);
    },
  };
}
