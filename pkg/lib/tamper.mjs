// Bodies assembled from another body's blocks are forgeries. The vendor's CBC has no MAC, so
// anyone holding one captured body can flip IV bits (chosen changes to the first plaintext
// block) or cut out a pair of ciphertext blocks (IV + one block) and read our answers as an
// oracle on the plaintext. Every such forgery reuses a block: a genuine body's IV is fresh and
// random, so its blocks have never been seen. We remember a 64-bit fingerprint of every block
// (the IV too) of every body that reaches decryption, and refuse any body that reuses one,
// before decrypting it, unless it is the very same `data` again (a redelivery).
//
// Two memories, so that garbage cannot flush what matters: blocks of bodies that became
// handled events (which no one can add to without the key), and blocks of every other body.
// Web-standard JavaScript only (crypto.subtle for the digests).
import { FingerprintSet } from './fingerprints.mjs';

const HEX_BLOCKS = /^(?:[0-9a-fA-F]{32}){2,}$/;
const hexBytes = new TextEncoder();

/** The memory a handler keeps; `blocks` is how many fingerprints each of the two tiers holds. */
export function createTamperGuard({ blocks }) {
  const tiers = { other: tier(blocks), handled: tier(blocks) };

  function tier(capacity) {
    // A new body adds at least two blocks (IV and one), so capacity / 2 digests outlive the
    // blocks they stand for: a redelivery is never mistaken for a forgery of itself.
    return { blocks: new FingerprintSet(capacity), bodies: new Map(), maxBodies: Math.ceil(capacity / 2) };
  }

  function remember(into, fingerprints, digest) {
    for (let i = 0; i < fingerprints.length; i += 2) into.blocks.add(fingerprints[i], fingerprints[i + 1]);
    into.bodies.delete(digest);
    into.bodies.set(digest, true);
    if (into.bodies.size > into.maxBodies) into.bodies.delete(into.bodies.keys().next().value);
  }

  return {
    /**
     * Looks at an envelope's `data` before anything decrypts it: `{ verdict, admit }` where
     * verdict is 'new', 'redelivery' (the same data as a body seen before), 'tampered' (reuses
     * a block of another body) or 'unchecked' (not hex blocks: the core's format error follows).
     * Call `handled()` on the result once the event was handled. `digest` (of the whole data)
     * and `blocks` (each block's fingerprint, 16 hex characters) are what a shared store keeps.
     * @param {unknown} data
     * @returns {Promise<{ verdict: 'new' | 'redelivery' | 'tampered' | 'unchecked', handled(): void, digest?: string, blocks?: string[] }>}
     */
    async inspect(data) {
      if (typeof data !== 'string') return { verdict: 'unchecked', handled() {} };
      const hex = data.trim().toLowerCase();
      if (!HEX_BLOCKS.test(hex)) return { verdict: 'unchecked', handled() {} };
      const fingerprints = new Uint32Array(hex.length / 16);
      for (let i = 0; i < fingerprints.length; i += 2) {
        fingerprints[i] = Number.parseInt(hex.slice(i * 16, i * 16 + 8), 16);
        fingerprints[i + 1] = Number.parseInt(hex.slice(i * 16 + 8, i * 16 + 16), 16);
      }
      const digest = toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', hexBytes.encode(hex))).subarray(0, 16));
      const handled = () => remember(tiers.handled, fingerprints, digest);
      const shared = { digest, blocks: Array.from({ length: fingerprints.length / 2 }, (_, i) => hex.slice(i * 32, i * 32 + 16)) };
      if (tiers.other.bodies.has(digest) || tiers.handled.bodies.has(digest)) return { verdict: 'redelivery', handled, ...shared };
      for (let i = 0; i < fingerprints.length; i += 2) {
        const hi = fingerprints[i];
        const lo = fingerprints[i + 1];
        // A forgery's own new blocks are not remembered with its digest: sending it again must
        // be refused again, never taken for a redelivery and decrypted.
        if (tiers.other.blocks.has(hi, lo) || tiers.handled.blocks.has(hi, lo)) {
          for (let j = 0; j < fingerprints.length; j += 2) tiers.other.blocks.add(fingerprints[j], fingerprints[j + 1]);
          return { verdict: 'tampered', handled() {} };
        }
      }
      remember(tiers.other, fingerprints, digest);
      return { verdict: 'new', handled, ...shared };
    },
  };
}

function toHex(bytes) {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}
