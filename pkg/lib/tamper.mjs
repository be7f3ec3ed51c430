// Bodies assembled from another body's blocks are forgeries. The vendor's CBC has no MAC, so
// anyone holding one captured body can flip IV bits (chosen changes to the first plaintext
// block) or cut out a pair of ciphertext blocks (IV + one block) and read our answers as an
// oracle on the plaintext. Every such forgery reuses a block: a genuine body's IV is fresh and
// random, so its blocks have never been seen. We remember a 64-bit fingerprint of every block
// (the IV too) of every body that reaches decryption, and refuse any body that reuses one,
// before decrypting it, unless it is the very same `data` again (a redelivery).
//
// Two memories, so that garbage cannot flush what matters: blocks of bodies that decrypted to an
// acceptable payload (which no one can add to without the key, but with a captured body's own
// blocks), and blocks of every other body.
// Web-standard JavaScript only (crypto.subtle for the digests).
import { sha256Hex } from './digest.mjs';
import { FingerprintSet } from './fingerprints.mjs';

/** A hex digit's value, either case; -1 for anything else. */
function digit(code) {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Each 16-byte block's first 8 bytes as two 32-bit words (a fingerprint; ciphertext is random,
 * and a forgery must reuse a block exactly), or null when `hex` is not whole blocks of hex (the
 * core then names the format error). Only the digits read are checked: the core checks the rest.
 */
function fingerprintsOf(hex) {
  if (hex.length < 64 || hex.length % 32 !== 0) return null;
  const words = new Uint32Array(hex.length / 16);
  for (let word = 0; word < words.length; word++) {
    const at = (word >> 1) * 32 + (word & 1) * 8;
    let value = 0;
    for (let i = 0; i < 8; i++) {
      const d = digit(hex.charCodeAt(at + i));
      if (d < 0) return null;
      value = value * 16 + d;
    }
    words[word] = value;
  }
  // (0, 0) marks an empty slot in a FingerprintSet: such a block is remembered as (0, 1).
  for (let i = 0; i < words.length; i += 2) if (words[i] === 0 && words[i + 1] === 0) words[i + 1] = 1;
  return words;
}

/** The memory a handler keeps; `blocks` is how many fingerprints each of the two tiers holds. */
export function createTamperGuard({ blocks }) {
  const tiers = { other: tier(blocks), decrypted: tier(blocks) };

  function tier(capacity) {
    // A new body adds at least two blocks (IV and one), so capacity / 2 digests outlive the
    // blocks they stand for: a redelivery is never mistaken for a forgery of itself.
    return { blocks: new FingerprintSet(capacity), bodies: new Map(), maxBodies: Math.ceil(capacity / 2) };
  }

  /** Remembers the body's blocks, and its digest with the envelope time it first came with. */
  function remember(into, fingerprints, digest, time) {
    for (let i = 0; i < fingerprints.length; i += 2) into.blocks.add(fingerprints, i);
    const first = Math.min(time, into.bodies.get(digest) ?? Infinity);
    into.bodies.delete(digest);
    into.bodies.set(digest, first);
    if (into.bodies.size > into.maxBodies) into.bodies.delete(into.bodies.keys().next().value);
  }

  return {
    /**
     * Looks at an envelope's `data` (and its `time`, ms) before anything decrypts it: `verdict`
     * is 'new', 'redelivery' (the same data as a body seen before; `firstTime` the time it
     * first came with), 'tampered' (reuses a block of another body) or 'unchecked' (not hex
     * blocks: the core's format error follows). Call `decrypted()` on the result as soon as the
     * body decrypted to an acceptable payload: its blocks then move to the memory that garbage
     * cannot flush. `digest` (of the whole data) and `blocks` (each block's fingerprint, 16 hex
     * characters) are what a shared store keeps: it may know a 'tampered' body for the genuine
     * one (its blocks claimed by its own digest) when this process saw a forgery of it first.
     * @param {unknown} data
     * @param {number} [time]
     * @returns {Promise<{ verdict: 'new' | 'redelivery' | 'tampered' | 'unchecked', decrypted(): void, digest?: string, firstTime?: number, blocks?: string[] }>}
     */
    async inspect(data, time) {
      const unchecked = { verdict: /** @type {const} */ ('unchecked'), decrypted() {} };
      if (typeof data !== 'string') return unchecked;
      const hex = data.trim();
      const fingerprints = fingerprintsOf(hex);
      if (!fingerprints) return unchecked;
      const digest = (await sha256Hex(hex.toLowerCase())).slice(0, 32);
      const at = Number.isFinite(time) ? time : Infinity;
      let blocks;
      const result = (verdict) => ({
        verdict,
        digest,
        firstTime: Math.min(tiers.other.bodies.get(digest) ?? Infinity, tiers.decrypted.bodies.get(digest) ?? Infinity, at),
        decrypted: () => remember(tiers.decrypted, fingerprints, digest, at),
        // For a shared store only: built when first asked for (checked, then claimed).
        get blocks() {
          blocks ??= Array.from({ length: fingerprints.length / 2 }, (_, i) => hex.slice(i * 32, i * 32 + 16).toLowerCase());
          return blocks;
        },
      });
      if (tiers.other.bodies.has(digest) || tiers.decrypted.bodies.has(digest)) return result('redelivery');
      for (let i = 0; i < fingerprints.length; i += 2) {
        // A forgery's own new blocks are not remembered with its digest: sending it again must
        // be refused again, never taken for a redelivery and decrypted.
        if (tiers.other.blocks.has(fingerprints, i) || tiers.decrypted.blocks.has(fingerprints, i)) {
          for (let j = 0; j < fingerprints.length; j += 2) tiers.other.blocks.add(fingerprints, j);
          return result('tampered');
        }
      }
      remember(tiers.other, fingerprints, digest, at);
      return result('new');
    },
  };
}
