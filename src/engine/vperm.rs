//! Vector-permute AES-256: a constant-time AES built from byte shuffles, for WebAssembly SIMD.
//!
//! # Algorithm
//!
//! M. Hamburg, "Accelerating AES with Vector Permute Instructions", CHES 2009 (LNCS 5747).
//! Every AES step is written with XOR, AND, and 16-entry table lookups done by a byte shuffle
//! (`i8x16.swizzle`): each of the 16 state bytes is looked up at once, one nibble at a time.
//!
//! * **Field.** GF(2^8) is taken as the tower GF(2^4)\[s\]/(s² + c·s + c): the byte `k << 4 | i`
//!   stands for `k + i·s` (nibbles are GF(2^4) elements, polynomial x⁴ + x + 1). This is a
//!   field isomorphic to AES's; the isomorphism and every other map the engine needs are
//!   GF(2)-linear, and a linear map of a byte is two nibble lookups: `L(x) = L(lo) ^ L(hi << 4)`.
//! * **Inversion**, the nonlinear core of SubBytes, in five lookups of `1/·` and `c/·`, with
//!   `j = i ^ k`:
//!   `io = 1/(1/i + c/k) + j`, `jo = 1/(1/j + c/k) + i`, and then `x⁻¹ = e₁/io + e₂/jo` with
//!   `e₁ = 1 + (ζ + ζ²)·s`, `e₂ = ζ²·s`, `ζ = 1/c`. (Derivation: `x⁻¹ = x̄/N` with the norm
//!   `N = k² + c·i·k + c·i²`, and one checks `1/io = (k + c·i)/N`, `1/jo = (k + c·j)/N`.)
//!   `1/0` is the out-of-range index `0x80` ("infinity"): XORed with a nibble it stays out of
//!   range and the next lookup yields 0, which is the right value in every case where a
//!   denominator vanishes (`x = 0` included); the tests check all 256 inputs.
//! * **Output.** Since `x⁻¹` is a sum of a function of `io` and a function of `jo`, two final
//!   lookups give any linear image of it directly: the S-box output (its affine map included;
//!   the constant 0x63 is folded into the round keys), twice it for MixColumns, or the four
//!   InvMixColumns multiples for decryption, each already in the basis the next round reads.
//! * **ShiftRows and MixColumns.** With `R` the rotation of each column by one row,
//!   `MC = 2 + 3R + R² + R³`. ShiftRows (`SR`) is a byte permutation, so each term of
//!   `MC(SR(A))`, for the S-box output `A`, is one constant permutation of a multiple of `A`:
//!   `SR(2A) + R·SR(3A) + R²·SR(A) + R³·SR(A)`, with `3A = A + 2A`. Decryption likewise:
//!   `InvMC(InvSR(A)) = InvSR(14A) + R·InvSR(11A) + R²·InvSR(13A) + R³·InvSR(9A)`. The four
//!   terms are independent, so a round is only one shuffle deep after the S-box; and the
//!   permutations are constants, which engines compile to a cheaper shuffle than a lookup.
//! * **Decryption** is FIPS-197's equivalent inverse cipher; its state is held in a basis that
//!   includes the inverse affine map, so the inversion reads it directly.
//!
//! A middle encryption round is 9 lookups, 4 constant permutations and 12 XORs (plus 3 ops
//! to split nibbles), a decryption round 13 lookups and 4 permutations. The key schedule is
//! AES-256's, with SubWord done by the same vector S-box on all 16 bytes of a vector.
//!
//! # Files
//!
//! This file: the mathematics, the S-box and encryption ([`VpermEncrypt`], what the wasm build
//! encrypts with). `key_schedule.rs`: the key schedule, on `sub_bytes`. `vperm_decrypt.rs`:
//! decryption and `VpermAes256`, built only for tests, fuzzing and the engine benchmark (the
//! wasm build decrypts with the bitsliced engine).
//!
//! # Why this is constant-time
//!
//! The only operations are lane-wise XOR/AND/shift and byte shuffles. Every shuffle either
//! looks data up in a *constant* table (the data is the *index* operand) or moves data by a
//! *constant* permutation; no branch and no memory address depends on the key or the data.
//! This relies on one assumption about the WebAssembly engine: that `i8x16.swizzle` executes
//! in time independent of its index operand, as it does in every engine that lowers it to
//! x86 `pshufb` or ARM `tbl` (V8, SpiderMonkey, JavaScriptCore, Wasmtime). Every lookup index
//! (`V128::lookup`) is a nibble (`0..16`) or a nibble XOR `0x80` ("infinity" above), where
//! `pshufb`'s rule (and `i8x16.relaxed_swizzle`'s) and `i8x16.swizzle`'s agree; the native tests
//! run the lookups with `pshufb`'s rule for the other indices, and fail if any result used one.
//! On other targets the portable backend in `v128.rs` emulates the shuffle with masks, without
//! table indexing.
//!
//! # Constants
//!
//! Every table below is derived at compile time by small `const fn`s from GF(2^8) and GF(2^4)
//! arithmetic, the AES affine map and the chosen tower basis: there are no magic numbers.
//!
//! Round keys are wiped on drop. Copies that transiently live in registers or on the stack
//! during a call are not (as in other Rust AES implementations).

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::block::Block;
use crate::v128::{permute, table, V128};
use crate::wipe::wipe;

// ---------------------------------------------------------------------------------------------
// The mathematics, evaluated at compile time.

/// Compile-time arithmetic: GF(2^8) as AES defines it, GF(2^4), and the tower basis.
pub(super) mod field {
    /// `a · b` in AES's GF(2^8) = GF(2)\[X\]/(X⁸ + X⁴ + X³ + X + 1).
    pub(in crate::engine) const fn mul(a: u8, b: u8) -> u8 {
        let (mut a, mut b, mut product) = (a, b, 0);
        while b != 0 {
            if b & 1 == 1 {
                product ^= a;
            }
            let carry = a & 0x80 != 0;
            a = a.wrapping_shl(1);
            if carry {
                a ^= 0x1b;
            }
            b = b.wrapping_shr(1);
        }
        product
    }

    /// `a · b` in GF(2^4) = GF(2)\[X\]/(X⁴ + X + 1).
    pub(in crate::engine) const fn mul16(a: u8, b: u8) -> u8 {
        let (mut a, mut b, mut product) = (a, b, 0);
        while b != 0 {
            if b & 1 == 1 {
                product ^= a;
            }
            a = a.wrapping_shl(1);
            if a & 0x10 != 0 {
                a ^= 0x13;
            }
            b = b.wrapping_shr(1);
        }
        product
    }

    /// `1/a` in GF(2^4), and 0 for 0.
    pub(in crate::engine) const fn inv16(a: u8) -> u8 {
        let mut b = 1;
        while b < 16 {
            if mul16(a, b) == 1 {
                return b;
            }
            b = b.wrapping_add(1);
        }
        0
    }

    /// The first `c` in GF(2^4) for which `s² + c·s + c` has no root, hence is irreducible
    /// and defines GF(2^8) over GF(2^4).
    pub(in crate::engine) const C: u8 = {
        let mut c = 1;
        'candidates: loop {
            let mut s = 0;
            while s < 16 {
                if mul16(s, s) ^ mul16(c, s) ^ c == 0 {
                    c = c.wrapping_add(1);
                    continue 'candidates;
                }
                s = s.wrapping_add(1);
            }
            break c;
        }
    };

    /// `ζ = 1/c`, which appears in the inversion formula.
    pub(in crate::engine) const ZETA: u8 = inv16(C);

    /// A root of X⁴ + X + 1 in AES's GF(2^8): where the GF(2^4) element `X` goes.
    const ALPHA: u8 = {
        let mut a = 2;
        loop {
            let a2 = mul(a, a);
            if mul(a2, a2) ^ a ^ 1 == 0 {
                break a;
            }
            a = a.wrapping_add(1);
        }
    };

    /// The GF(2^4) element `n` (polynomial basis) as an AES byte: `Σ bitₘ(n)·αᵐ`.
    pub(in crate::engine) const fn nibble_to_aes(n: u8) -> u8 {
        let (mut sum, mut power, mut bit) = (0, 1, 0u32);
        while bit < 4 {
            if (n >> bit) & 1 == 1 {
                sum ^= power;
            }
            power = mul(power, ALPHA);
            bit = bit.wrapping_add(1);
        }
        sum
    }

    /// A root of `s² + c·s + c` in AES's GF(2^8): where the tower's `s` goes.
    const SIGMA: u8 = {
        let c = nibble_to_aes(C);
        let mut s = 0;
        while mul(s, s) ^ mul(c, s) ^ c != 0 {
            s = s.wrapping_add(1);
        }
        s
    };

    /// The tower element `v = k << 4 | i`, i.e. `k + i·s`, as an AES byte (a field isomorphism).
    pub(in crate::engine) const fn to_aes(v: u8) -> u8 {
        nibble_to_aes(v >> 4) ^ mul(nibble_to_aes(v & 0x0f), SIGMA)
    }

    /// `a · b` in the tower GF(2^4)\[s\]/(s² + c·s + c), elements `k << 4 | i` = `k + i·s`.
    pub(in crate::engine) const fn tower_mul(a: u8, b: u8) -> u8 {
        let (ka, ia, kb, ib) = (a >> 4, a & 0x0f, b >> 4, b & 0x0f);
        let ii = mul16(ia, ib);
        // (ka + ia·s)(kb + ib·s) = ka·kb + (ka·ib + ia·kb)·s + ia·ib·(c·s + c)
        let constant = mul16(ka, kb) ^ mul16(C, ii);
        let linear = mul16(ka, ib) ^ mul16(ia, kb) ^ mul16(C, ii);
        constant << 4 | linear
    }

    /// The tower's 1 (`k = 1`, `i = 0`).
    pub(in crate::engine) const ONE: u8 = 0x10;

    /// The tower element whose AES value is 2 (the AES field's generator `X`), by search.
    const TWO: u8 = {
        let mut v = 0;
        while to_aes(v) != 2 {
            v = v.wrapping_add(1);
        }
        v
    };

    /// The tower element whose AES value is `x`: the inverse isomorphism, `Σ bitₘ(x)·TWOᵐ`.
    pub(in crate::engine) const fn from_aes(x: u8) -> u8 {
        let (mut sum, mut power, mut bit) = (0, ONE, 0u32);
        while bit < 8 {
            if (x >> bit) & 1 == 1 {
                sum ^= power;
            }
            power = tower_mul(power, TWO);
            bit = bit.wrapping_add(1);
        }
        sum
    }

    /// The linear part of the AES affine map: `x + x⋘1 + x⋘2 + x⋘3 + x⋘4`.
    pub(in crate::engine) const fn affine_linear(x: u8) -> u8 {
        x ^ x.rotate_left(1) ^ x.rotate_left(2) ^ x.rotate_left(3) ^ x.rotate_left(4)
    }

    /// `e₁ = 1 + (ζ + ζ²)·s` and `e₂ = ζ²·s` as AES bytes: `x⁻¹ = e₁/io + e₂/jo`.
    const E1: u8 = to_aes(0x10 | (ZETA ^ mul16(ZETA, ZETA)));
    const E2: u8 = to_aes(mul16(ZETA, ZETA));

    /// The part of `x⁻¹` (an AES byte) contributed by the nibble `io`: `e₁/io`.
    pub(in crate::engine) const fn from_io(io: u8) -> u8 {
        mul(nibble_to_aes(inv16(io)), E1)
    }

    /// The part of `x⁻¹` (an AES byte) contributed by the nibble `jo`: `e₂/jo`.
    pub(in crate::engine) const fn from_jo(jo: u8) -> u8 {
        mul(nibble_to_aes(inv16(jo)), E2)
    }

    /// Byte `n` of the vector permuted by `SRᵖ` (ShiftRows applied `p` times): the state is
    /// column-major, byte `4·col + row`, and row `row` moves left by `row` columns each time.
    pub(in crate::engine) const fn shift_rows(p: u8, n: u8) -> u8 {
        let (col, row) = (n >> 2, n & 3);
        (col.wrapping_add(p.wrapping_mul(row)) & 3) << 2 | row
    }

    /// Byte `n` of the vector whose columns are each rotated up by `m` rows.
    pub(in crate::engine) const fn rotate_columns(m: u8, n: u8) -> u8 {
        (n & !3) | (n.wrapping_add(m) & 3)
    }
}

use field::{affine_linear, from_aes, inv16, mul, mul16, rotate_columns, shift_rows, C};

/// A GF(2)-linear map of bytes, applied to all 16 bytes as two nibble lookups.
pub(super) struct Linear {
    pub(super) low: V128,
    pub(super) high: V128,
}

impl Linear {
    #[inline(always)]
    pub(super) fn apply(&self, v: V128) -> V128 {
        let (low, high) = v.nibbles();
        self.low.lookup(low) ^ self.high.lookup(high)
    }
}

/// The [`Linear`] map `x ↦ $image`.
macro_rules! linear {
    (|$x:ident| $image:expr) => {{
        const fn image($x: u8) -> u8 {
            $image
        }
        $crate::engine::vperm::Linear {
            low: $crate::v128::table!(|n| image(n)),
            high: $crate::v128::table!(|n| image(n << 4)),
        }
    }};
}
#[cfg(any(test, feature = "test-engine"))] // for `vperm_decrypt.rs`
pub(super) use linear;

/// A linear function `f` of `x⁻¹`, looked up from the inversion's two output nibbles:
/// `f(x⁻¹) = f(e₁/io) + f(e₂/jo)`.
pub(super) struct FromInverse {
    pub(super) io: V128,
    pub(super) jo: V128,
}

impl FromInverse {
    #[inline(always)]
    pub(super) fn lookup(&self, inverse: Inverse) -> V128 {
        self.io.lookup(inverse.io) ^ self.jo.lookup(inverse.jo)
    }
}

/// The [`FromInverse`] tables of `x⁻¹ ↦ $image` (`$y` is the AES byte `x⁻¹`).
macro_rules! from_inverse {
    (|$y:ident| $image:expr) => {{
        const fn image($y: u8) -> u8 {
            $image
        }
        $crate::engine::vperm::FromInverse {
            io: $crate::v128::table!(|n| image($crate::engine::vperm::field::from_io(n))),
            jo: $crate::v128::table!(|n| image($crate::engine::vperm::field::from_jo(n))),
        }
    }};
}
#[cfg(any(test, feature = "test-engine"))] // for `vperm_decrypt.rs`
pub(super) use from_inverse;

/// "Infinity", `1/0`: an index out of the shuffle's range, so it looks up 0.
pub(super) const INFINITY: u8 = 0x80;
/// `n ↦ 1/n` in GF(2^4).
const INV: V128 = table!(|n| if n == 0 { INFINITY } else { inv16(n) });
/// `n ↦ c/n` in GF(2^4).
const C_OVER: V128 = table!(|n| if n == 0 { INFINITY } else { mul16(C, inv16(n)) });

/// AES byte ↦ tower byte: the encryption state basis.
const TO_TOWER: Linear = linear!(|x| from_aes(x));

/// S-box output without its constant, `A(x⁻¹) + 0x63 - 0x63`, in the tower basis; and twice it.
const ENC_SBOX: FromInverse = from_inverse!(|y| from_aes(affine_linear(y)));
const ENC_SBOX_TWICE: FromInverse = from_inverse!(|y| from_aes(mul(2, affine_linear(y))));
/// The same in AES's basis, for the last round and the key schedule.
const ENC_SBOX_AES: FromInverse = from_inverse!(|y| affine_linear(y));

/// The S-box constant 0x63, in AES's basis and in the encryption state basis, folded into the
/// round keys.
pub(super) const SBOX_CONSTANT: u8 = 0x63;
const SBOX_CONSTANT_TOWER: V128 = V128::from_bytes([from_aes(SBOX_CONSTANT); 16]);

/// Byte `n` of `R^m·SR^p(v)` is byte `permuted(p, m, n)` of `v`: ShiftRows applied `p` times
/// (3 is InvShiftRows), then each column rotated by `m` rows.
pub(super) const fn permuted(p: u8, m: u8, n: u8) -> u8 {
    shift_rows(p, rotate_columns(m, n))
}

/// The inversion's constants.
pub(super) struct InversionTables {
    low_nibble: V128,
    inv: V128,
    c_over: V128,
}

pub(super) const INVERSION: InversionTables = InversionTables {
    low_nibble: V128::from_bytes([0x0f; 16]),
    inv: INV,
    c_over: C_OVER,
};

/// The constants of the encryption rounds, gathered so the rounds can read them from memory.
struct EncryptTables {
    inversion: InversionTables,
    sbox: FromInverse,
    sbox_twice: FromInverse,
    sbox_aes: FromInverse,
}

static ENCRYPT_TABLES: EncryptTables = EncryptTables {
    inversion: INVERSION,
    sbox: ENC_SBOX,
    sbox_twice: ENC_SBOX_TWICE,
    sbox_aes: ENC_SBOX_AES,
};

/// Round constants as memory the compiler cannot see into: every use in the rounds becomes a
/// 16-byte load. As `v128.const` instead, V8 (x64) rebuilds the constant from two 64-bit
/// immediates through a general register at each use, 4-5 instructions where a load is one
/// (RESULTS.md, "Levers").
#[inline(always)]
pub(super) fn from_memory<T>(tables: &'static T) -> &'static T {
    core::hint::black_box(tables)
}

// ---------------------------------------------------------------------------------------------
// The rounds.

/// The inversion's two output nibbles (see the module documentation).
#[derive(Clone, Copy)]
pub(super) struct Inverse {
    io: V128,
    jo: V128,
}

/// Inverts every byte of `x` (tower basis) in GF(2^8): five lookups, five XORs.
#[inline(always)]
pub(super) fn invert(x: V128, t: &InversionTables) -> Inverse {
    let (i, k) = x.nibbles_masked(t.low_nibble);
    let j = i ^ k;
    let c_over_k = t.c_over.lookup(k);
    let iak = t.inv.lookup(i) ^ c_over_k;
    let jak = t.inv.lookup(j) ^ c_over_k;
    Inverse {
        io: t.inv.lookup(iak) ^ j,
        jo: t.inv.lookup(jak) ^ i,
    }
}

/// One middle encryption round: SubBytes, ShiftRows, MixColumns, AddRoundKey.
#[inline(always)]
fn encrypt_round(state: V128, key: V128, t: &EncryptTables) -> V128 {
    let inverse = invert(state, &t.inversion);
    let a = t.sbox.lookup(inverse);
    let a2 = t.sbox_twice.lookup(inverse);
    let a3 = a ^ a2;
    // `3A` comes one XOR after the others: its term is added last.
    (permute!(a2, |n| permuted(1, 0, n)) ^ permute!(a, |n| permuted(1, 2, n)))
        ^ (permute!(a, |n| permuted(1, 3, n)) ^ key)
        ^ permute!(a3, |n| permuted(1, 1, n))
}

/// The AES S-box on all 16 bytes (AES basis in and out): SubWord in the key schedule.
#[inline(always)]
pub(super) fn sub_bytes(v: V128) -> V128 {
    ENC_SBOX_AES.lookup(invert(TO_TOWER.apply(v), &INVERSION)) ^ V128::splat(SBOX_CONSTANT)
}

/// A middle encryption round key as the rounds read it: tower basis, 0x63 folded in.
// Key setup only: kept out of line so the 13 rounds of the schedule share one copy (smaller
// module; the hot paths are the rounds, which stay inlined).
#[inline(never)]
fn encryption_round_key(key: &[u8; 16]) -> [u8; 16] {
    let mut out = [0; 16];
    (TO_TOWER.apply(V128::load(key)) ^ SBOX_CONSTANT_TOWER).store(&mut out);
    out
}

/// Round keys of one direction: the first (before round 1), 13 middle, the last; and for
/// encryption the last also in the rounds' basis (see [`VpermEncrypt::cbc_encrypt`]).
#[derive(Clone)]
pub(super) struct RoundKeys {
    pub(super) first: [u8; 16],
    pub(super) middle: [[u8; 16]; 13],
    pub(super) last: [u8; 16],
    pub(super) last_in_round_basis: [u8; 16],
}

impl RoundKeys {
    pub(super) const ZERO: Self = Self {
        first: [0; 16],
        middle: [[0; 16]; 13],
        last: [0; 16],
        last_in_round_basis: [0; 16],
    };
}

impl Zeroize for RoundKeys {
    fn zeroize(&mut self) {
        wipe(&mut self.first);
        wipe(self.middle.as_flattened_mut());
        wipe(&mut self.last);
        wipe(&mut self.last_in_round_basis);
    }
}

// ---------------------------------------------------------------------------------------------
// The cipher.

/// Vector-permute AES-256 encryption (see the module documentation): constant-time, fast with
/// WebAssembly SIMD, with its own CBC loop ([`VpermEncrypt::cbc_encrypt`]), and a RustCrypto
/// block cipher too. What the wasm build runs for encryption; decryption there is bitsliced
/// (`simd_aes.rs`).
#[derive(Clone)]
pub struct VpermEncrypt {
    keys: RoundKeys,
}

impl VpermEncrypt {
    /// The encryption round keys for AES-256's 15 round keys (from
    /// [`expand_key`](super::key_schedule::expand_key)): tower basis,
    /// 0x63 folded in.
    pub(super) fn from_round_keys(round_keys: &[[u8; 16]; 15]) -> Self {
        let mut keys = RoundKeys::ZERO;
        let [first, middle @ .., last] = round_keys;
        TO_TOWER.apply(V128::load(first)).store(&mut keys.first);
        for (slot, key) in keys.middle.iter_mut().zip(middle) {
            *slot = encryption_round_key(key);
        }
        let last = V128::load(last) ^ V128::splat(SBOX_CONSTANT);
        last.store(&mut keys.last);
        TO_TOWER.apply(last).store(&mut keys.last_in_round_basis);
        Self { keys }
    }

    /// Encrypts one block (for the block cipher traits; CBC runs [`Self::cbc_encrypt`]).
    #[cfg(any(test, feature = "test-engine"))]
    #[inline(always)]
    pub(super) fn encrypt(&self, block: V128) -> V128 {
        let t = from_memory(&ENCRYPT_TABLES);
        let state = TO_TOWER.apply(block) ^ V128::load(&self.keys.first);
        let inverse = invert(self.middle_rounds(state, t), &t.inversion);
        last_round(&t.sbox_aes, inverse) ^ V128::load(&self.keys.last)
    }

    /// Rounds 1 to 13 of a state in the tower basis, first round key added.
    #[inline(always)]
    fn middle_rounds(&self, mut state: V128, t: &EncryptTables) -> V128 {
        for key in &self.keys.middle {
            state = encrypt_round(state, V128::load(key), t);
        }
        state
    }
}

/// The last round without its key: SubBytes looked up in `sbox`'s basis, then ShiftRows.
#[inline(always)]
fn last_round(sbox: &FromInverse, inverse: Inverse) -> V128 {
    permute!(sbox.lookup(inverse), |n| permuted(1, 0, n))
}

impl VpermEncrypt {
    /// CBC-encrypts `blocks` in place (no padding is added): each ciphertext block is the
    /// encryption of its plaintext block XOR the ciphertext block before it (`iv` first).
    ///
    /// CBC encryption is one chain through every block, so what counts is its length. Here the
    /// chaining value never leaves registers, and it stays in the rounds' (tower) basis: the
    /// last round also looks up the ciphertext in that basis (the basis change is linear, so
    /// the plaintext's is computed off the chain), and the next block starts one XOR after.
    pub fn cbc_encrypt(&self, iv: &[u8; 16], blocks: &mut [Block]) {
        let keys = &self.keys;
        let t = from_memory(&ENCRYPT_TABLES);
        let (first, last) = (V128::load(&keys.first), V128::load(&keys.last));
        let last_in_round_basis = V128::load(&keys.last_in_round_basis);
        let mut chain = TO_TOWER.apply(V128::load(iv));
        for block in blocks {
            let state = (TO_TOWER.apply(V128::load(&block.0)) ^ first) ^ chain;
            let inverse = invert(self.middle_rounds(state, t), &t.inversion);
            chain = last_round(&t.sbox, inverse) ^ last_in_round_basis;
            (last_round(&t.sbox_aes, inverse) ^ last).store(&mut block.0);
        }
    }
}

impl Drop for VpermEncrypt {
    fn drop(&mut self) {
        self.keys.zeroize();
    }
}

impl ZeroizeOnDrop for VpermEncrypt {}

impl fmt::Debug for VpermEncrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VpermEncrypt { .. }")
    }
}

// ---------------------------------------------------------------------------------------------
// RustCrypto's block cipher traits (cipher 0.5), so `cbc` can drive the engine in the tests, the
// fuzz target and the engine benchmark (the library runs [`VpermEncrypt::cbc_encrypt`]).

#[cfg(any(test, feature = "test-engine"))]
mod block_cipher {
    use aes::cipher::{
        consts::{U16, U4},
        Block, BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser,
        InOut, ParBlocks, ParBlocksSizeUser,
    };

    use super::VpermEncrypt;
    use crate::v128::V128;

    impl BlockSizeUser for VpermEncrypt {
        type BlockSize = U16;
    }

    impl BlockCipherEncrypt for VpermEncrypt {
        fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
            f.call(&EncBackend(self));
        }
    }

    /// Encryption as a `cipher` backend (CBC encryption, serial, uses one block at a time).
    struct EncBackend<'a>(&'a VpermEncrypt);

    impl BlockSizeUser for EncBackend<'_> {
        type BlockSize = U16;
    }

    impl ParBlocksSizeUser for EncBackend<'_> {
        type ParBlocksSize = U4;
    }

    impl BlockCipherEncBackend for EncBackend<'_> {
        #[inline]
        fn encrypt_block(&self, mut block: InOut<'_, '_, Block<Self>>) {
            let out = self.0.encrypt(V128::load(&block.get_in().0));
            out.store(&mut block.get_out().0);
        }

        #[inline]
        fn encrypt_par_blocks(&self, mut blocks: InOut<'_, '_, ParBlocks<Self>>) {
            let out = (blocks.get_in().0)
                .each_ref()
                .map(|b| self.0.encrypt(V128::load(&b.0)));
            for (block, out) in blocks.get_out().0.iter_mut().zip(out) {
                out.store(&mut block.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::byte_vectors;

    /// `x⁻¹` in AES's GF(2^8) by brute force, `0⁻¹ = 0`.
    fn gf_inverse(x: u8) -> u8 {
        (1..=255).find(|&y| mul(x, y) == 1).unwrap_or(0)
    }

    #[test]
    fn the_tower_is_a_field_isomorphic_to_aes() {
        const { assert!(C > 1 && C < 16) };
        assert_eq!(field::to_aes(field::ONE), 1);
        for a in 0..=255u8 {
            assert_eq!(field::to_aes(from_aes(a)), a, "from_aes inverts to_aes");
            for b in 0..=255u8 {
                assert_eq!(
                    field::to_aes(field::tower_mul(a, b)),
                    mul(field::to_aes(a), field::to_aes(b)),
                );
                assert_eq!(field::to_aes(a ^ b), field::to_aes(a) ^ field::to_aes(b));
            }
        }
    }

    #[test]
    fn the_inversion_formula_holds_for_every_byte() {
        const AES_BASIS: FromInverse = from_inverse!(|y| y);
        for input in byte_vectors() {
            let x = V128::from_bytes(input);
            let inverse = AES_BASIS
                .lookup(invert(TO_TOWER.apply(x), &INVERSION))
                .to_bytes();
            assert_eq!(inverse, input.map(gf_inverse));
        }
    }

    #[test]
    fn sub_bytes_is_the_aes_sbox() {
        let sbox = |x: u8| affine_linear(gf_inverse(x)) ^ 0x63;
        // FIPS-197 figure 7 spot values.
        assert_eq!((sbox(0x00), sbox(0x53), sbox(0xff)), (0x63, 0xed, 0x16));
        for input in byte_vectors() {
            assert_eq!(
                sub_bytes(V128::from_bytes(input)).to_bytes(),
                input.map(sbox)
            );
        }
    }

    #[test]
    fn linear_maps_match_their_definitions() {
        for input in byte_vectors() {
            let v = V128::from_bytes(input);
            assert_eq!(TO_TOWER.apply(v).to_bytes(), input.map(from_aes));
        }
    }

    #[test]
    fn permutations_are_shift_rows_then_column_rotations() {
        // FIPS-197 §5.1.2 and §5.1.3 on a column-major state, byte `4·col + row`.
        let state: [u8; 16] = core::array::from_fn(|n| n as u8 * 7 + 1);
        let byte = |col: usize, row: usize| state[4 * (col % 4) + row % 4];
        for (p, shift) in [(1, 1), (3, 3)] {
            for m in 0..4 {
                let want: [u8; 16] = core::array::from_fn(|n| {
                    let (col, row) = (n / 4, n % 4);
                    // Rotating by `m` rows reads row `row + m`, whose ShiftRows source is
                    // `shift` columns on (per row) for ShiftRows, back for InvShiftRows.
                    let row = row + m;
                    byte(col + shift * (row % 4), row)
                });
                let got = (0..16).map(|n| state[usize::from(permuted(p, m as u8, n))]);
                assert!(got.eq(want), "SR^{p} then R^{m}");
            }
        }
    }
}
