// A bounded set of 64-bit fingerprints, oldest forgotten first: open addressing in typed arrays
// (8 bytes a slot, half full at most), so a million entries cost 24 MiB, not a Set's ~100 MiB.
// Slots are chosen by a hash keyed with a random seed, so no sender can pile its entries into one
// probe chain. Web-standard JavaScript only.

/** The murmur3 32-bit finaliser: every input bit moves every output bit. */
function mix(x) {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class FingerprintSet {
  /** Holds at most `capacity` fingerprints; adding one more forgets the oldest. */
  constructor(capacity) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 2 ** 26) throw new RangeError('capacity must be a whole number from 1 to 2^26');
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.used = new Uint8Array(slots);
    this.capacity = capacity;
    this.order = new Uint32Array(capacity * 2); // (hi, lo) pairs in arrival order, a ring
    this.next = 0;
    this.size = 0;
    const seed = new Uint32Array(2);
    globalThis.crypto.getRandomValues(seed);
    this.seedHi = seed[0];
    this.seedLo = seed[1];
  }

  home(hi, lo) {
    return mix(mix(hi ^ this.seedHi) ^ lo ^ this.seedLo) & this.mask;
  }

  /** The slot holding (hi, lo), or -1. */
  find(hi, lo) {
    for (let at = this.home(hi, lo); this.used[at]; at = (at + 1) & this.mask) {
      if (this.hi[at] === hi && this.lo[at] === lo) return at;
    }
    return -1;
  }

  has(hi, lo) {
    return this.find(hi >>> 0, lo >>> 0) >= 0;
  }

  add(hi, lo) {
    hi >>>= 0;
    lo >>>= 0;
    if (this.find(hi, lo) >= 0) return;
    if (this.size === this.capacity) this.remove(this.order[this.next * 2], this.order[this.next * 2 + 1]);
    let at = this.home(hi, lo);
    while (this.used[at]) at = (at + 1) & this.mask;
    this.used[at] = 1;
    this.hi[at] = hi;
    this.lo[at] = lo;
    this.order[this.next * 2] = hi;
    this.order[this.next * 2 + 1] = lo;
    this.next = (this.next + 1) % this.capacity;
    this.size++;
  }

  /** Deletes by shifting later members of the probe chain back (no tombstones to pile up). */
  remove(hi, lo) {
    let hole = this.find(hi, lo);
    if (hole < 0) return;
    for (let at = (hole + 1) & this.mask; this.used[at]; at = (at + 1) & this.mask) {
      const home = this.home(this.hi[at], this.lo[at]);
      // Stays if its home lies cyclically in (hole, at]: moving it would put it before its home.
      const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (stays) continue;
      this.hi[hole] = this.hi[at];
      this.lo[hole] = this.lo[at];
      hole = at;
    }
    this.used[hole] = 0;
    this.size--;
  }
}
