// A bounded set of 64-bit fingerprints that forgets the oldest first, in two generations: the
// newest entries fill one open-addressing table (a typed array, 8 bytes a slot, half full at
// most); when it is full it becomes the old one and the table before it is emptied for reuse.
// So it remembers at least the last ⌈capacity / 2⌉ entries and at most twice that, in about 16
// bytes an entry, with no per-entry deletion. Slots are chosen by a hash keyed with a random
// seed, so no sender can pile its entries into one probe chain. Web-standard JavaScript only.
//
// A fingerprint is passed as (array, index): words[index] and words[index + 1], two 32-bit
// words. Passed as numbers, values from 2^30 up would be boxed by V8 on every call.

/** The murmur3 32-bit finaliser: every input bit moves every output bit. */
function mix(x) {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** One open-addressing table: (hi, lo) side by side; (0, 0) is an empty slot. */
class Table {
  constructor(entries, seed) {
    let slots = 2;
    while (slots < entries * 2) slots *= 2;
    this.mask = slots - 1;
    this.words = new Uint32Array(slots * 2);
    this.size = 0;
    this.seed = seed;
  }

  /** Where words[i], words[i + 1] is, or the empty slot where it would go (as a word index). */
  slot(words, i) {
    const table = this.words;
    const hi = words[i];
    const lo = words[i + 1];
    let at = mix(mix(hi ^ this.seed[0]) ^ lo ^ this.seed[1]) & this.mask;
    for (;;) {
      const h = table[at * 2];
      const l = table[at * 2 + 1];
      if ((h === hi && l === lo) || (h === 0 && l === 0)) return at * 2;
      at = (at + 1) & this.mask;
    }
  }

  has(words, i) {
    const at = this.slot(words, i);
    return this.words[at] !== 0 || this.words[at + 1] !== 0;
  }

  /** Adds it unless present; true when added. */
  add(words, i) {
    const at = this.slot(words, i);
    if (this.words[at] !== 0 || this.words[at + 1] !== 0) return false;
    this.words[at] = words[i];
    this.words[at + 1] = words[i + 1];
    this.size++;
    return true;
  }

  clear() {
    this.words.fill(0);
    this.size = 0;
  }
}

/**
 * The set. A fingerprint of (0, 0) would read as an empty slot: callers store (0, 1) instead
 * (`fingerprintsOf` in ./delivery.mjs does), so the two are one fingerprint here.
 */
export class FingerprintSet {
  /** Holds the last ⌈capacity / 2⌉ fingerprints at least, twice that at most. */
  constructor(capacity) {
    if (!Number.isSafeInteger(capacity) || capacity < 2 || capacity > 2 ** 26) throw new RangeError('capacity must be a whole number from 2 to 2^26');
    const seed = new Uint32Array(2);
    globalThis.crypto.getRandomValues(seed);
    this.half = Math.ceil(capacity / 2);
    this.current = new Table(this.half, seed);
    this.previous = new Table(this.half, seed);
  }

  /** Whether words[i], words[i + 1] is in the set. */
  has(words, i) {
    return this.current.has(words, i) || this.previous.has(words, i);
  }

  /** Adds words[i], words[i + 1]. */
  add(words, i) {
    if (this.current.has(words, i)) return;
    if (this.current.size >= this.half) {
      const emptied = this.previous;
      emptied.clear();
      this.previous = this.current;
      this.current = emptied;
    }
    this.current.add(words, i);
  }
}
