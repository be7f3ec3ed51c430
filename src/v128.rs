//! `V128`: the few 128-bit vector operations the AES engines (vector-permute, bitsliced) need,
//! and the `table!` / `permute!` macros that build their constant operands.
//!
//! Two backends with identical semantics, chosen at compile time:
//!
//! * `wasm32` with `simd128` enabled: WebAssembly SIMD through `core::arch::wasm32` (safe
//!   functions; loads and stores are written lane by lane and compile to `v128.load` /
//!   `v128.store`).
//! * Everywhere else: a portable `[u8; 16]`, so native `cargo test` runs the very same
//!   algorithm. Its [`V128::swizzle`] is constant-time but slow (it reads all 16 table bytes
//!   for every output byte and selects with masks): it exists for testing, yet it never indexes
//!   memory with secret data, so a native user who ends up on it is still safe, only slow.
//!
//! `swizzle` has the semantics of `i8x16.swizzle`: output byte `n` is `table[indices[n]]`,
//! or 0 when `indices[n] >= 16`. V8 compiles it on x64 to two instructions (`paddusb` to push
//! indices from 16 up to 128 and above, then `pshufb`), both on the critical path of an AES
//! round. `lookup` is the engines' table lookup: its indices are below 16 or at least 128,
//! where x86 `pshufb`'s rule (and so `i8x16.relaxed_swizzle`'s) agrees with `i8x16.swizzle`'s;
//! the portable backend looks up with `pshufb`'s rule, so the native tests catch a lookup
//! whose result depends on an index in `16..128`.
//!
//! At crate level rather than in `engine/`: the hex codec's SIMD steps (`hex.rs`) use the raw
//! loads and stores too.

/// A 16-byte vector whose byte `n` is `$entry` with `$n = n` (a shuffle table or index list).
macro_rules! table {
    (|$n:ident| $entry:expr) => {{
        const fn entry($n: u8) -> u8 {
            $entry
        }
        $crate::v128::V128::from_bytes([
            entry(0),
            entry(1),
            entry(2),
            entry(3),
            entry(4),
            entry(5),
            entry(6),
            entry(7),
            entry(8),
            entry(9),
            entry(10),
            entry(11),
            entry(12),
            entry(13),
            entry(14),
            entry(15),
        ])
    }};
}
pub(crate) use table;

/// `$v` with its bytes moved by a constant permutation: byte `n` of the result is byte
/// `$source` (with `$n = n`, below 16) of `$v`. One shuffle with constant indices
/// ([`V128::permute`]), cheaper than a `swizzle` by a table.
macro_rules! permute {
    ($v:expr, |$n:ident| $source:expr) => {{
        const fn source($n: u8) -> u8 {
            $source
        }
        const SOURCES: [usize; 16] = [
            $crate::v128::permutation_index(source(0)),
            $crate::v128::permutation_index(source(1)),
            $crate::v128::permutation_index(source(2)),
            $crate::v128::permutation_index(source(3)),
            $crate::v128::permutation_index(source(4)),
            $crate::v128::permutation_index(source(5)),
            $crate::v128::permutation_index(source(6)),
            $crate::v128::permutation_index(source(7)),
            $crate::v128::permutation_index(source(8)),
            $crate::v128::permutation_index(source(9)),
            $crate::v128::permutation_index(source(10)),
            $crate::v128::permutation_index(source(11)),
            $crate::v128::permutation_index(source(12)),
            $crate::v128::permutation_index(source(13)),
            $crate::v128::permutation_index(source(14)),
            $crate::v128::permutation_index(source(15)),
        ];
        $v.permute::<{ SOURCES[0] }, { SOURCES[1] }, { SOURCES[2] }, { SOURCES[3] }, { SOURCES[4] }, { SOURCES[5] }, { SOURCES[6] }, { SOURCES[7] }, { SOURCES[8] }, { SOURCES[9] }, { SOURCES[10] }, { SOURCES[11] }, { SOURCES[12] }, { SOURCES[13] }, { SOURCES[14] }, { SOURCES[15] }>()
    }};
}
pub(crate) use permute;

/// A `permute!` index, checked below 16 when the constant is evaluated (at compile time).
pub(crate) const fn permutation_index(source: u8) -> usize {
    assert!(source < 16, "a permutation index is below 16");
    source as usize
}

/// Loading and storing a raw `v128` without `unsafe`: the lane-by-lane forms below compile to
/// one `v128.load` / `v128.store`. Also used by the hex codec's SIMD decoder and encoder.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod raw {
    use core::arch::wasm32::{u8x16, u8x16_extract_lane as lane, v128};

    /// The vector holding `b`.
    #[inline(always)]
    pub(crate) const fn from_bytes(b: [u8; 16]) -> v128 {
        let [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = b;
        u8x16(
            b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15,
        )
    }

    /// The 16 bytes of `v`.
    #[inline(always)]
    pub(crate) fn to_bytes(v: v128) -> [u8; 16] {
        [
            lane::<0>(v),
            lane::<1>(v),
            lane::<2>(v),
            lane::<3>(v),
            lane::<4>(v),
            lane::<5>(v),
            lane::<6>(v),
            lane::<7>(v),
            lane::<8>(v),
            lane::<9>(v),
            lane::<10>(v),
            lane::<11>(v),
            lane::<12>(v),
            lane::<13>(v),
            lane::<14>(v),
            lane::<15>(v),
        ]
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use super::raw;
    use core::arch::wasm32::{
        u32x4_shl, u32x4_shr, u64x2_shl, u64x2_shr, u8x16_shuffle, u8x16_splat, u8x16_swizzle,
        v128, v128_and, v128_or, v128_xor,
    };

    /// A 128-bit vector of 16 bytes.
    #[derive(Clone, Copy)]
    pub(crate) struct V128(v128);

    impl V128 {
        /// The vector holding `b` (usable in constants).
        #[inline(always)]
        pub(crate) const fn from_bytes(b: [u8; 16]) -> Self {
            Self(raw::from_bytes(b))
        }

        /// Every byte equal to `b`.
        #[inline(always)]
        pub(crate) fn splat(b: u8) -> Self {
            Self(u8x16_splat(b))
        }

        /// Loads 16 bytes.
        #[inline(always)]
        pub(crate) fn load(b: &[u8; 16]) -> Self {
            Self::from_bytes(*b)
        }

        /// Stores the 16 bytes into `out`.
        #[inline(always)]
        pub(crate) fn store(self, out: &mut [u8; 16]) {
            *out = raw::to_bytes(self.0);
        }

        /// Bitwise exclusive or.
        #[inline(always)]
        pub(crate) fn xor(self, other: Self) -> Self {
            Self(v128_xor(self.0, other.0))
        }

        /// Bitwise and.
        #[inline(always)]
        pub(crate) fn and(self, other: Self) -> Self {
            Self(v128_and(self.0, other.0))
        }

        /// Each of the two 64-bit lanes (little-endian) shifted right by `N` bits.
        #[inline(always)]
        pub(crate) fn shr64<const N: u32>(self) -> Self {
            const { assert!(N > 0 && N < 64) };
            Self(u64x2_shr(self.0, N))
        }

        /// Each of the two 64-bit lanes (little-endian) shifted left by `N` bits.
        #[inline(always)]
        pub(crate) fn shl64<const N: u32>(self) -> Self {
            const { assert!(N > 0 && N < 64) };
            Self(u64x2_shl(self.0, N))
        }

        /// Each of the four 32-bit lanes (little-endian) rotated right by `N` bits (`0 < N < 32`).
        #[inline(always)]
        pub(crate) fn rotr32<const N: u32>(self) -> Self {
            const { assert!(N > 0 && N < 32) };
            if N == 16 {
                // Swapping the halves of every 32-bit lane is a 16-bit shuffle, which engines
                // lower to two instructions (x64 `pshuflw` + `pshufhw`) instead of three.
                return Self(u8x16_shuffle::<
                    2,
                    3,
                    0,
                    1,
                    6,
                    7,
                    4,
                    5,
                    10,
                    11,
                    8,
                    9,
                    14,
                    15,
                    12,
                    13,
                >(self.0, self.0));
            }
            Self(v128_or(
                u32x4_shr(self.0, N),
                u32x4_shl(self.0, 32_u32.wrapping_sub(N)),
            ))
        }

        /// [`V128::nibbles`] with the mask given (`0x0f` in every byte for nibbles; passed in so
        /// that it can come from memory). The high part shifts 32-bit lanes, which moves bits
        /// across byte borders; the mask removes them. (Cheaper than `i8x16.shr_u`, which
        /// engines emulate on x86.)
        #[inline(always)]
        pub(crate) fn nibbles_masked(self, mask: Self) -> (Self, Self) {
            (
                Self(v128_and(self.0, mask.0)),
                Self(v128_and(u32x4_shr(self.0, 4), mask.0)),
            )
        }

        /// The bytes moved by a constant permutation: byte `n` of the result is byte `In` of
        /// `self` (`permute!` checks each `In < 16`). With the indices constant, engines emit
        /// one shuffle (x64 `pshufb` with a constant mask) and skip the `paddusb` that
        /// `i8x16.swizzle`'s out-of-range rule costs on a variable index.
        #[inline(always)]
        pub(crate) fn permute<
            const I0: usize,
            const I1: usize,
            const I2: usize,
            const I3: usize,
            const I4: usize,
            const I5: usize,
            const I6: usize,
            const I7: usize,
            const I8: usize,
            const I9: usize,
            const I10: usize,
            const I11: usize,
            const I12: usize,
            const I13: usize,
            const I14: usize,
            const I15: usize,
        >(
            self,
        ) -> Self {
            Self(u8x16_shuffle::<
                I0,
                I1,
                I2,
                I3,
                I4,
                I5,
                I6,
                I7,
                I8,
                I9,
                I10,
                I11,
                I12,
                I13,
                I14,
                I15,
            >(self.0, self.0))
        }

        /// `i8x16.swizzle`: byte `n` of the result is `self[indices[n]]`, or 0 if
        /// `indices[n] >= 16`.
        #[inline(always)]
        pub(crate) fn swizzle(self, indices: Self) -> Self {
            Self(u8x16_swizzle(self.0, indices.0))
        }

        /// A table lookup by indices that are each below 16 or at least 128 (see the module
        /// comment): `i8x16.swizzle`.
        #[inline(always)]
        pub(crate) fn lookup(self, indices: Self) -> Self {
            self.swizzle(indices)
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    /// A 128-bit vector of 16 bytes.
    #[derive(Clone, Copy)]
    pub(crate) struct V128([u8; 16]);

    /// The 16 bytes as two little-endian words.
    #[inline(always)]
    fn words(b: [u8; 16]) -> [u64; 2] {
        let [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = b;
        [
            u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
            u64::from_le_bytes([b8, b9, b10, b11, b12, b13, b14, b15]),
        ]
    }

    /// Each byte of the result is 0xff where the byte of `x` is 0, else 0 (exact, no branch:
    /// adding 0x7f to the low 7 bits sets bit 7 exactly when they are not all 0).
    #[inline(always)]
    fn zero_bytes(x: u64) -> u64 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let nonzero = (((x & LOW7).wrapping_add(LOW7)) | x) & HIGH;
        ((nonzero ^ HIGH) >> 7).wrapping_mul(0xff)
    }

    impl V128 {
        /// The vector holding `b` (usable in constants).
        #[inline(always)]
        pub(crate) const fn from_bytes(b: [u8; 16]) -> Self {
            Self(b)
        }

        /// Every byte equal to `b`.
        #[inline(always)]
        pub(crate) fn splat(b: u8) -> Self {
            Self([b; 16])
        }

        /// Loads 16 bytes.
        #[inline(always)]
        pub(crate) fn load(b: &[u8; 16]) -> Self {
            Self(*b)
        }

        /// Stores the 16 bytes into `out`.
        #[inline(always)]
        pub(crate) fn store(self, out: &mut [u8; 16]) {
            *out = self.0;
        }

        /// Bitwise exclusive or.
        #[inline(always)]
        pub(crate) fn xor(self, other: Self) -> Self {
            let mut out = self.0;
            for (o, &b) in out.iter_mut().zip(other.0.iter()) {
                *o ^= b;
            }
            Self(out)
        }

        /// Bitwise and.
        #[inline(always)]
        pub(crate) fn and(self, other: Self) -> Self {
            let mut out = self.0;
            for (o, &b) in out.iter_mut().zip(other.0.iter()) {
                *o &= b;
            }
            Self(out)
        }

        /// Each of the two 64-bit lanes (little-endian) shifted right by `N` bits.
        #[inline(always)]
        pub(crate) fn shr64<const N: u32>(self) -> Self {
            const { assert!(N > 0 && N < 64) };
            Self::from_words(words(self.0).map(|w| w >> N))
        }

        /// Each of the two 64-bit lanes (little-endian) shifted left by `N` bits.
        #[inline(always)]
        pub(crate) fn shl64<const N: u32>(self) -> Self {
            const { assert!(N > 0 && N < 64) };
            Self::from_words(words(self.0).map(|w| w << N))
        }

        /// Each of the four 32-bit lanes (little-endian) rotated right by `N` bits (`0 < N < 32`).
        #[inline(always)]
        pub(crate) fn rotr32<const N: u32>(self) -> Self {
            const { assert!(N > 0 && N < 32) };
            let mut out = self.0;
            for word in out.as_chunks_mut::<4>().0 {
                *word = u32::from_le_bytes(*word).rotate_right(N).to_le_bytes();
            }
            Self(out)
        }

        #[inline(always)]
        fn from_words([low, high]: [u64; 2]) -> Self {
            let mut out = [0; 16];
            for (o, b) in out
                .iter_mut()
                .zip(low.to_le_bytes().into_iter().chain(high.to_le_bytes()))
            {
                *o = b;
            }
            Self(out)
        }

        /// [`V128::nibbles`] with the mask given (`0x0f` in every byte for nibbles), computed
        /// as the wasm32 backend does for any mask: the high part shifts 32-bit lanes.
        #[inline(always)]
        pub(crate) fn nibbles_masked(self, mask: Self) -> (Self, Self) {
            (self.and(mask), self.shr32::<4>().and(mask))
        }

        /// Each of the four 32-bit lanes (little-endian) shifted right by `N` bits.
        #[inline(always)]
        fn shr32<const N: u32>(self) -> Self {
            let mut out = self.0;
            for word in out.as_chunks_mut::<4>().0 {
                *word = (u32::from_le_bytes(*word) >> N).to_le_bytes();
            }
            Self(out)
        }

        /// The bytes moved by a constant permutation (see the wasm32 backend): byte `n` of the
        /// result is byte `In` of `self` (`permute!` checks each `In < 16`).
        #[inline(always)]
        pub(crate) fn permute<
            const I0: usize,
            const I1: usize,
            const I2: usize,
            const I3: usize,
            const I4: usize,
            const I5: usize,
            const I6: usize,
            const I7: usize,
            const I8: usize,
            const I9: usize,
            const I10: usize,
            const I11: usize,
            const I12: usize,
            const I13: usize,
            const I14: usize,
            const I15: usize,
        >(
            self,
        ) -> Self {
            let indices = [
                I0, I1, I2, I3, I4, I5, I6, I7, I8, I9, I10, I11, I12, I13, I14, I15,
            ];
            Self(indices.map(|i| self.0.get(i & 15).copied().unwrap_or(0)))
        }

        /// `i8x16.swizzle`: byte `n` of the result is `self[indices[n]]`, or 0 if
        /// `indices[n] >= 16`. Constant-time: every table byte is read for every output byte
        /// and the wanted one is kept with a mask (eight bytes at a time in a `u64`); no branch
        /// and no address depends on `indices`.
        #[inline(always)]
        pub(crate) fn swizzle(self, indices: Self) -> Self {
            const POSITIONS: [u64; 2] = [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908];
            let table = words(self.0);
            Self(indices.0.map(|index| {
                // `index` in every byte; a byte of `picked` survives where it equals the position.
                let spread = u64::from(index).wrapping_mul(0x0101_0101_0101_0101);
                let picked = table
                    .iter()
                    .zip(POSITIONS.iter())
                    .fold(0, |acc, (&t, &p)| acc | (t & zero_bytes(spread ^ p)));
                // At most one byte is nonzero: fold them into the lowest.
                let folded = picked | picked >> 32;
                let folded = folded | folded >> 16;
                let [byte, ..] = (folded | folded >> 8).to_le_bytes();
                byte
            }))
        }

        /// A table lookup by indices that are each below 16 or at least 128 (see the module
        /// comment), with x86 `pshufb`'s rule, one of the two that `i8x16.relaxed_swizzle`
        /// allows for the other indices: `table[index & 15]`, or 0 if bit 7 is set. The
        /// wasm32 build has the other rule (0 from 16 up), so the
        /// engines' tests against RustCrypto pass under both only if no index falls in
        /// `16..128`, or if it does, no result depends on it.
        #[inline(always)]
        pub(crate) fn lookup(self, indices: Self) -> Self {
            self.swizzle(Self(indices.0.map(|index| index & 0x8f)))
        }
    }
}

pub(crate) use imp::V128;

impl V128 {
    /// Each byte split into its low and high nibble, each in `0..16`.
    #[inline(always)]
    pub(crate) fn nibbles(self) -> (Self, Self) {
        self.nibbles_masked(Self::splat(0x0f))
    }
}

#[cfg(test)]
impl V128 {
    /// The 16 bytes, for comparing in tests.
    pub(crate) fn to_bytes(self) -> [u8; 16] {
        let mut out = [0; 16];
        self.store(&mut out);
        out
    }
}

impl core::ops::BitAnd for V128 {
    type Output = Self;
    #[inline(always)]
    fn bitand(self, other: Self) -> Self {
        self.and(other)
    }
}

impl core::ops::BitXor for V128 {
    type Output = Self;
    #[inline(always)]
    fn bitxor(self, other: Self) -> Self {
        self.xor(other)
    }
}

#[cfg(test)]
mod tests {
    use super::V128;

    #[test]
    fn swizzle_matches_the_wasm_definition_for_every_index() {
        let table: [u8; 16] = core::array::from_fn(|n| (n as u8).wrapping_mul(37) ^ 0xa5);
        for start in 0..=255u8 {
            let indices: [u8; 16] = core::array::from_fn(|n| start.wrapping_add(n as u8 * 17));
            let got = V128::from_bytes(table)
                .swizzle(V128::from_bytes(indices))
                .to_bytes();
            let want = indices.map(|i| table.get(usize::from(i)).copied().unwrap_or(0));
            assert_eq!(got, want);
        }
    }

    #[test]
    fn lookup_agrees_with_swizzle_below_16_and_from_128() {
        let table: [u8; 16] = core::array::from_fn(|n| (n as u8).wrapping_mul(91) ^ 0x5a);
        for start in 0..=255u8 {
            let indices: [u8; 16] = core::array::from_fn(|n| start.wrapping_add(n as u8 * 17));
            let v = V128::from_bytes(table);
            let got = v.lookup(V128::from_bytes(indices)).to_bytes();
            let swizzled = v.swizzle(V128::from_bytes(indices)).to_bytes();
            for ((&index, &byte), &by_swizzle) in indices.iter().zip(&got).zip(&swizzled) {
                if !(16..128).contains(&index) {
                    assert_eq!(byte, by_swizzle, "index {index}");
                }
                // The portable backend takes `pshufb`'s rule for the others, unlike wasm32's
                // `i8x16.swizzle`, so that native tests catch a lookup that depends on them.
                #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
                {
                    let pshufb = if index & 0x80 == 0 {
                        table[usize::from(index & 15)]
                    } else {
                        0
                    };
                    assert_eq!(byte, pshufb, "index {index}");
                }
            }
        }
    }

    #[test]
    fn permute_moves_bytes_as_swizzle_does_by_the_same_table() {
        let v = V128::from_bytes(core::array::from_fn(|n| (n as u8).wrapping_mul(53) ^ 0x3c));
        let check = |got: V128, source: fn(u8) -> u8| {
            let want = v.swizzle(V128::from_bytes(core::array::from_fn(|n| source(n as u8))));
            assert_eq!(got.to_bytes(), want.to_bytes());
        };
        check(permute!(v, |n| 15 - n), |n| 15 - n);
        check(permute!(v, |n| n), |n| n);
        check(permute!(v, |n| (n & 12) | ((n + 1) & 3)), |n| {
            (n & 12) | ((n + 1) & 3)
        });
        check(permute!(v, |n| (n * 5) & 15), |n| (n * 5) & 15);
    }

    #[test]
    fn nibbles_and_xor() {
        let v: [u8; 16] = core::array::from_fn(|n| (n as u8).wrapping_mul(29).wrapping_add(200));
        let (lo, hi) = V128::from_bytes(v).nibbles();
        assert_eq!(lo.to_bytes(), v.map(|b| b & 15));
        assert_eq!(hi.to_bytes(), v.map(|b| b >> 4));
        let w = V128::splat(0x3c);
        assert_eq!((V128::from_bytes(v) ^ w).to_bytes(), v.map(|b| b ^ 0x3c));
        let mut stored = [0; 16];
        V128::load(&v).store(&mut stored);
        assert_eq!(stored, v);
        assert_eq!((V128::from_bytes(v) & w).to_bytes(), v.map(|b| b & 0x3c));
        // Any mask, as the wasm32 backend computes it: the high part shifts 32-bit lanes.
        let (low, high) = V128::from_bytes(v).nibbles_masked(V128::splat(0xff));
        assert_eq!(low.to_bytes(), v);
        let shifted: Vec<u8> = v
            .chunks(4)
            .flat_map(|w| (u32::from_le_bytes(w.try_into().unwrap()) >> 4).to_le_bytes())
            .collect();
        assert_eq!(high.to_bytes().to_vec(), shifted);
    }

    #[test]
    fn shifts_act_on_little_endian_64_bit_lanes() {
        let v: [u8; 16] = core::array::from_fn(|n| (n as u8).wrapping_mul(83).wrapping_add(7));
        let lanes =
            |b: [u8; 16]| [0, 8].map(|at| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()));
        let [low, high] = lanes(v);
        let x = V128::from_bytes(v);
        assert_eq!(lanes(x.shr64::<3>().to_bytes()), [low >> 3, high >> 3]);
        assert_eq!(lanes(x.shl64::<4>().to_bytes()), [low << 4, high << 4]);
        let words = |b: [u8; 16]| -> [u32; 4] {
            core::array::from_fn(|n| u32::from_le_bytes(b[4 * n..4 * n + 4].try_into().unwrap()))
        };
        assert_eq!(
            words(x.rotr32::<8>().to_bytes()),
            words(v).map(|w| w.rotate_right(8))
        );
    }
}
