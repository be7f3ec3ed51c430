// A bounded set of 64-bit fingerprints that forgets the oldest first, in two generations: the
// newest entries fill one open-addressing table (half full at most); when it is full it becomes
// the old one and the table before it is emptied for reuse. So it remembers at least the last
// ⌈capacity / 2⌉ entries and at most twice that, in about 16 bytes an entry, with no per-entry
// deletion. Slots are chosen by a hash keyed with a random seed, so no sender can pile its
// entries into one probe chain. Web-standard JavaScript only.
//
// The tables of several sets (`FingerprintGroup`) share one hash and one array, slot by slot: a
// fingerprint's first slot in every table of the group lies in the same 8 bytes a table (32
// for the block memory's four: two sets, two generations each), so asking all four costs one
// cache miss instead of four (benches/RESULTS.md, "Webhook handler").
//
// A fingerprint is passed as (array, index): words[index] and words[index + 1], two 32-bit
// words. Passed as numbers, values from 2^30 up would be boxed by V8 on every call.

/** The murmur3 32-bit finaliser: every input bit moves every output bit. */
function mix(x) {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** The array that `tables` open-addressing tables share: slot s of table t at words[s * stride + 2t]. */
function sharedSlots(tables, entries) {
  let slots = 2;
  while (slots < entries * 2) slots *= 2;
  const seed = new Uint32Array(2);
  globalThis.crypto.getRandomValues(seed);
  return { words: new Uint32Array(slots * tables * 2), mask: slots - 1, stride: tables * 2, seed };
}

/** One open-addressing table of a shared array: (hi, lo) side by side; (0, 0) is an empty slot. */
class Table {
  constructor(shared, index) {
    this.words = shared.words;
    this.mask = shared.mask;
    this.stride = shared.stride;
    this.seed = shared.seed;
    this.offset = index * 2;
    this.size = 0;
  }

  /** Where words[i], words[i + 1] is, or the empty slot where it would go (as a word index). */
  slot(words, i) {
    const table = this.words;
    const hi = words[i];
    const lo = words[i + 1];
    let at = mix(mix(hi ^ this.seed[0]) ^ lo ^ this.seed[1]) & this.mask;
    for (;;) {
      const k = at * this.stride + this.offset;
      const h = table[k];
      const l = table[k + 1];
      if ((h === hi && l === lo) || (h === 0 && l === 0)) return k;
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
    const table = this.words;
    for (let k = this.offset; k < table.length; k += this.stride) {
      table[k] = 0;
      table[k + 1] = 0;
    }
    this.size = 0;
  }
}

/**
 * `count` sets of `capacity` each (`sets`), their tables interleaved in one array, and `has`:
 * whether a fingerprint is in any of them, its slot hashed once for all.
 */
export class FingerprintGroup {
  constructor(count, capacity) {
    const shared = sharedSlots(count * 2, checkCapacity(capacity));
    this.sets = Array.from({ length: count }, (_, set) => new FingerprintSet(capacity, shared, set * 2));
    this.shared = shared;
  }

  /** Whether words[i], words[i + 1] is in any set of the group. */
  has(words, i) {
    const { words: table, mask, stride, seed } = this.shared;
    const hi = words[i];
    const lo = words[i + 1];
    const start = mix(mix(hi ^ seed[0]) ^ lo ^ seed[1]) & mask;
    for (let offset = 0; offset < stride; offset += 2) {
      for (let at = start; ; at = (at + 1) & mask) {
        const k = at * stride + offset;
        const h = table[k];
        const l = table[k + 1];
        if (h === hi && l === lo) return true;
        if (h === 0 && l === 0) break;
      }
    }
    return false;
  }
}

const checkCapacity = (capacity) => {
  if (!Number.isSafeInteger(capacity) || capacity < 2 || capacity > 2 ** 26) throw new RangeError('capacity must be a whole number from 2 to 2^26');
  return Math.ceil(capacity / 2);
};

/**
 * The set. A fingerprint of (0, 0) would read as an empty slot: callers store (0, 1) instead
 * (`fingerprintsOf` in ./delivery.mjs does), so the two are one fingerprint here.
 */
export class FingerprintSet {
  /** Holds the last ⌈capacity / 2⌉ fingerprints at least, twice that at most. */
  constructor(capacity, shared = sharedSlots(2, checkCapacity(capacity)), first = 0) {
    this.half = checkCapacity(capacity);
    this.current = new Table(shared, first);
    this.previous = new Table(shared, first + 1);
  }

  /** Whether words[i], words[i + 1] is in the set. */
  has(words, i) {
    return this.current.has(words, i) || this.previous.has(words, i);
  }

  /** Adds words[i], words[i + 1]. */
  add(words, i) {
    if (this.current.size >= this.half && !this.current.has(words, i)) {
      const emptied = this.previous;
      emptied.clear();
      this.previous = this.current;
      this.current = emptied;
    }
    this.current.add(words, i);
  }
}
