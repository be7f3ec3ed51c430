// What a delivered webhook is before anything decrypts it, and what identifies an event after.
// Web-standard JavaScript only.
//
// - `bodyDigest`: the first 128 bits of SHA-256 over the lowercase hex `data`. The vendor
//   encrypts every event under a fresh random IV, so two events are two bodies even when their
//   payloads are equal, and the same body again is a redelivery or a replay, whatever `time`
//   came with it.
// - `eventDigest`: the payload with the envelope `time` it came with. A retry that the vendor
//   encrypted anew (another IV) carries the same payload and time: the same event. An attacker
//   cannot make a body with a chosen payload without the key, so this key cannot be forged,
//   only a body's `time` changed, which `bodyDigest` ignores. The payload is its JSON text as
//   decrypted, or `JSON.stringify` of it when a body parser in front made the envelope: the
//   same text, since the vendor's plaintext is `JSON.stringify` output.
// - `words`: a 64-bit fingerprint of each 16-byte block (the IV too), as two 32-bit words: a
//   forgery made from a captured body must reuse one of its blocks exactly (./tamper.mjs).
//   Read here from the hex, before anything decrypts it (a function in the core was as fast and
//   cost 500 bytes of the gzipped .wasm: benches/RESULTS.md, "Webhook handler").
import { sha256Hex } from './digest.mjs';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The envelope as an object when the body is JSON text of one (or a parsed object); otherwise undefined. */
export function envelopeOf(body) {
  if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) return body;
  try {
    const value = JSON.parse(typeof body === 'string' ? body : utf8.decode(body));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined; // the core names the exact cause
  }
}

/** Each ASCII code's hex digit value, either case; -1 for anything else. */
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_DIGIT['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_DIGIT['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Eight hex digits of `hex` from `at` as a 32-bit word; -1 when one is not a hex digit. */
function wordAt(hex, at) {
  let word = 0;
  for (let i = at; i < at + 8; i++) {
    const code = hex.charCodeAt(i);
    const digit = code < 128 ? HEX_DIGIT[code] : -1;
    if (digit < 0) return -1;
    word = word * 16 + digit;
  }
  return word;
}

/**
 * Each 16-byte block's first 8 bytes as two 32-bit words (ciphertext is random, and a forgery
 * must reuse a block exactly), or null when `hex` is not whole blocks of hex (the core then
 * names the format error). Only the digits read are checked: the core checks the rest.
 */
function fingerprintsOf(hex) {
  if (hex.length < 64 || hex.length % 32 !== 0) return null;
  const words = new Uint32Array(hex.length / 16);
  for (let i = 0, at = 0; i < words.length; i += 2, at += 32) {
    const hi = wordAt(hex, at);
    const lo = wordAt(hex, at + 8);
    if (hi < 0 || lo < 0) return null;
    words[i] = hi;
    // (0, 0) marks an empty slot in a FingerprintSet: such a block is remembered as (0, 1).
    words[i + 1] = hi === 0 && lo === 0 ? 1 : lo;
  }
  return words;
}

/**
 * The body's identity and blocks, or null when its `data` is not whole blocks of hex (nothing
 * to remember: the core refuses it). `blocks` (16 hex characters a block) is built when first
 * read, for a shared store.
 * @returns {Promise<import('./types.cjs').Delivery | null>}
 */
export async function deliveryOf(envelope) {
  const data = envelope?.data;
  if (typeof data !== 'string') return null;
  const hex = data.trim();
  const words = fingerprintsOf(hex);
  if (!words) return null;
  const bodyDigest = (await sha256Hex(hex.toLowerCase())).slice(0, 32);
  let blocks;
  return {
    bodyDigest,
    words,
    get blocks() {
      blocks ??= Array.from({ length: words.length / 2 }, (_, i) => hex.slice(i * 32, i * 32 + 16).toLowerCase());
      return blocks;
    },
  };
}

/**
 * The event's identity apart from its body: its payload's JSON text (`payloadJson`) with the
 * envelope's `time` (`sentMs`, its milliseconds) it came with.
 */
export async function eventDigest(sentMs, payloadJson) {
  return (await sha256Hex(`${sentMs}\n${payloadJson}`)).slice(0, 32);
}
