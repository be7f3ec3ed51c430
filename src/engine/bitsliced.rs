//! Bitsliced AES-256 decryption, eight blocks at a time: CBC decryption's parallel path in
//! WebAssembly SIMD.
//!
//! # Algorithm
//!
//! E. Käsper and P. Schwabe, "Faster and Timing-Attack Resistant AES-GCM", CHES 2009
//! (LNCS 5747), with the S-box circuit of J. Boyar and R. Peralta, "A depth-16 circuit for the
//! AES S-box", SEC 2012 (IFIP AICT 376).
//!
//! * **Layout.** Eight blocks (128 bytes, 1024 bits) become eight 128-bit *slices*: byte `k`
//!   of slice `j` holds bit `j` of byte `k` of every block, block `b` in bit `b`. The
//!   conversion is an 8×8 bit-matrix transpose inside each byte position, three layers of
//!   `swap_move` (shift, XOR, mask), and is its own inverse.
//! * **InvSubBytes** runs on all 128 bytes at once as a Boolean circuit of the slices:
//!   `InvS(y) = A⁻¹(S′(A⁻¹(y ⊕ 0x63)))`, where `S′ = A ∘ (·)⁻¹` is Boyar and Peralta's S-box
//!   circuit without its final NOTs (its 0x63), and `A⁻¹` the linear part of the inverse affine
//!   map (FIPS-197 eq. 5.6; two XORs a bit): by definition `InvS(y) = (A⁻¹(y ⊕ 0x63))⁻¹`, and
//!   `x⁻¹ = A⁻¹(S′(x))`. Each `A⁻¹` is folded into the circuit's linear layer next to it
//!   (`inv_sub_bytes`). The constant 0x63 is folded into the round keys, which works because
//!   InvMixColumns maps a column of four equal bytes to itself.
//! * **InvShiftRows** and the **row rotations** of InvMixColumns move whole bytes, so they are
//!   byte shuffles by constant permutations, the same on every slice.
//! * **InvMixColumns** as MixColumns after a cheap premultiplication (the polynomial identity
//!   `{0b}x³+{0d}x²+{09}x+{0e} = ({03}x³+x²+x+{02})·({04}x²+{05})`):
//!   `InvMC(a) = MC(a ⊕ 4·(a ⊕ R²(a)))`, `MC(a) = 2·t ⊕ R(a) ⊕ R²(t)` with `t = a ⊕ R(a)`; a
//!   multiplication by 2 of sliced bytes renames slices and XORs the top one into three others.
//! * **Round keys** are sliced the same way (eight copies of the key: every bit becomes a byte
//!   0x00 or 0xff) at key setup, and wiped on drop.
//!
//! # Why this is constant-time
//!
//! After the transpose, every operation is a lane-wise XOR or AND of whole slices, or a byte
//! shuffle by a *constant* permutation: there are no table lookups at all, no branch and no
//! memory address that depends on the key or the data. The transpose and the key slicing are
//! shifts, XORs and ANDs with constant masks. (The vector-permute engine's assumption about
//! `i8x16.swizzle` is not needed here: the shuffles' indices are constants.)

use zeroize::ZeroizeOnDrop;

use crate::v128::{table, V128};
use crate::wipe::wipe;

/// Eight values of 128 bits, one per bit position (see the module documentation).
type Slices = [V128; 8];

/// Bytes of round keys: 15 round keys, each as 8 slices of 16 bytes.
type SlicedKeys = [[[u8; 16]; 8]; 15];

/// AES-256 decryption of eight independent blocks at once.
#[derive(Clone)]
pub struct BitslicedAes256Dec {
    /// The round keys in the order decryption uses them (the last round key first), sliced,
    /// with 0x63 folded into all but the last (see the module documentation).
    keys: SlicedKeys,
}

impl BitslicedAes256Dec {
    /// Slices AES-256's 15 round keys (FIPS-197 §5.2, AES byte order).
    #[must_use]
    pub(crate) fn new(round_keys: &[[u8; 16]; 15]) -> Self {
        let mut keys = [[[0u8; 16]; 8]; 15];
        for (slot, (number, key)) in keys.iter_mut().zip(round_keys.iter().enumerate().rev()) {
            let mut folded = *key;
            if number != 0 {
                for byte in &mut folded {
                    *byte ^= SBOX_CONSTANT;
                }
            }
            *slot = slice_key(&folded);
            wipe(&mut folded);
        }
        Self { keys }
    }

    /// Decrypts eight independent blocks.
    #[inline(always)]
    pub(crate) fn decrypt8(&self, blocks: [V128; 8]) -> [V128; 8] {
        let [first, rest @ ..] = &self.keys;
        let mut state = add_round_key(transpose(blocks), first);
        for (round, key) in (1..).zip(rest) {
            state = add_round_key(inv_sub_bytes(shuffle(state, INV_SHIFT_ROWS)), key);
            // The last round has no InvMixColumns. (A branch on the round number, which is
            // public; one copy of the round's code instead of two keeps the module smaller.)
            if round < rest.len() {
                state = inv_mix_columns(state);
            }
        }
        transpose(state)
    }
}

impl Drop for BitslicedAes256Dec {
    fn drop(&mut self) {
        wipe(self.keys.as_flattened_mut().as_flattened_mut());
    }
}

impl ZeroizeOnDrop for BitslicedAes256Dec {}

impl core::fmt::Debug for BitslicedAes256Dec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BitslicedAes256Dec { .. }")
    }
}

/// One round key, sliced: every bit becomes a byte 0x00 or 0xff. (Out of line: one copy of the
/// transpose for the 15 keys.)
#[inline(never)]
fn slice_key(key: &[u8; 16]) -> [[u8; 16]; 8] {
    let mut out = [[0u8; 16]; 8];
    for (out, slice) in out.iter_mut().zip(transpose([V128::load(key); 8])) {
        slice.store(out);
    }
    out
}

/// The S-box constant, folded into the round keys.
const SBOX_CONSTANT: u8 = 0x63;

// ---------------------------------------------------------------------------------------------
// Slicing.

/// Swaps the bits of `low` selected by `mask << N` with the bits of `high` selected by `mask`.
#[inline(always)]
fn swap_move<const N: u32>(low: V128, high: V128, mask: V128) -> (V128, V128) {
    let t = (low.shr64::<N>() ^ high) & mask;
    (low ^ t.shl64::<N>(), high ^ t)
}

/// Transposes the 8×8 bit matrix in every byte position of eight vectors (row `r` = vector
/// `r`, column `c` = bit `c`), as three layers of 2×2 block swaps. Its own inverse.
#[inline(always)]
fn transpose(rows: [V128; 8]) -> [V128; 8] {
    let [r0, r1, r2, r3, r4, r5, r6, r7] = rows;
    let m1 = V128::from_bytes([0x55; 16]);
    let (r0, r1) = swap_move::<1>(r0, r1, m1);
    let (r2, r3) = swap_move::<1>(r2, r3, m1);
    let (r4, r5) = swap_move::<1>(r4, r5, m1);
    let (r6, r7) = swap_move::<1>(r6, r7, m1);
    let m2 = V128::from_bytes([0x33; 16]);
    let (r0, r2) = swap_move::<2>(r0, r2, m2);
    let (r1, r3) = swap_move::<2>(r1, r3, m2);
    let (r4, r6) = swap_move::<2>(r4, r6, m2);
    let (r5, r7) = swap_move::<2>(r5, r7, m2);
    let m4 = V128::from_bytes([0x0f; 16]);
    let (r0, r4) = swap_move::<4>(r0, r4, m4);
    let (r1, r5) = swap_move::<4>(r1, r5, m4);
    let (r2, r6) = swap_move::<4>(r2, r6, m4);
    let (r3, r7) = swap_move::<4>(r3, r7, m4);
    [r0, r1, r2, r3, r4, r5, r6, r7]
}

// ---------------------------------------------------------------------------------------------
// Byte moves: the state byte `k` is row `k mod 4` of column `k / 4` (FIPS-197 §3.4).

/// InvShiftRows: row `r` rotated right by `r` columns.
const INV_SHIFT_ROWS: V128 = table!(|k| (k & 3) | ((k >> 2).wrapping_sub(k & 3) & 3) << 2);

/// `f` applied to every slice. (Written out: `[V128; 8]::map` is not always inlined, and a call
/// passes the eight vectors through memory.)
#[inline(always)]
fn each(x: Slices, f: impl Fn(V128) -> V128) -> Slices {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = x;
    [f(x0), f(x1), f(x2), f(x3), f(x4), f(x5), f(x6), f(x7)]
}

/// The same byte permutation applied to every slice.
#[inline(always)]
fn shuffle(x: Slices, indices: V128) -> Slices {
    each(x, |slice| slice.swizzle(indices))
}

/// `R^N`: every column rotated up by `N` rows (row `r` gets row `r + N`). A column is a 32-bit
/// lane, row 0 its low byte, so this is a rotation of the lanes by `8·N` bits: two shifts and
/// an OR, where a shuffle by a constant costs WebAssembly engines a constant to build first.
#[inline(always)]
fn rotate_rows<const BITS: u32>(x: Slices) -> Slices {
    each(x, V128::rotr32::<BITS>)
}

#[inline(always)]
fn xor(a: Slices, b: Slices) -> Slices {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    let [b0, b1, b2, b3, b4, b5, b6, b7] = b;
    [
        a0 ^ b0,
        a1 ^ b1,
        a2 ^ b2,
        a3 ^ b3,
        a4 ^ b4,
        a5 ^ b5,
        a6 ^ b6,
        a7 ^ b7,
    ]
}

#[inline(always)]
fn add_round_key(state: Slices, key: &[[u8; 16]; 8]) -> Slices {
    let [k0, k1, k2, k3, k4, k5, k6, k7] = key;
    let load = V128::load;
    xor(
        state,
        [
            load(k0),
            load(k1),
            load(k2),
            load(k3),
            load(k4),
            load(k5),
            load(k6),
            load(k7),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// InvMixColumns.

/// Every byte multiplied by 2 in GF(2^8): bits move up one place, and the top bit, reduced by
/// X⁸ = X⁴ + X³ + X + 1, comes back into bits 0, 1, 3 and 4.
#[inline(always)]
fn times_2(x: Slices) -> Slices {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = x;
    [x7, x0 ^ x7, x1, x2 ^ x7, x3 ^ x7, x4, x5, x6]
}

/// MixColumns: `2·a ⊕ 3·R(a) ⊕ R²(a) ⊕ R³(a)`, computed as `2·t ⊕ R(a) ⊕ R²(t)`, `t = a ⊕ R(a)`.
#[inline(always)]
fn mix_columns(a: Slices) -> Slices {
    let rotated = rotate_rows::<8>(a);
    let t = xor(a, rotated);
    xor(xor(times_2(t), rotated), rotate_rows::<16>(t))
}

/// InvMixColumns: `MC(a ⊕ 4·(a ⊕ R²(a)))` (see the module documentation).
#[inline(always)]
fn inv_mix_columns(a: Slices) -> Slices {
    let four = times_2(times_2(xor(a, rotate_rows::<16>(a))));
    mix_columns(xor(a, four))
}

// ---------------------------------------------------------------------------------------------
// InvSubBytes.

/// The signals of Boyar and Peralta's top linear layer that their nonlinear middle reads, in
/// this order (`d` is their `U7`, the input's least significant bit).
type Top = [V128; 22];
/// The 18 products the middle hands to the bottom linear layer, `M46` to `M63`.
type Products = [V128; 18];

/// `A(x⁻¹)` for every byte `x`: the AES S-box without its constant 0x63. Boyar and Peralta's
/// circuit (SEC 2012, figures 2-4: top linear layer, shared nonlinear middle, bottom linear
/// layer), with the four XNORs of its last layer as XORs. Their `U0` and `S0` are the most
/// significant bits. The shipped decryption runs [`inv_sub_bytes`], which shares the middle;
/// this one is the circuit as published, which the tests check against the S-box.
#[cfg(test)]
#[inline(always)]
#[allow(clippy::similar_names, clippy::many_single_char_names)]
fn sbox_linear(x: Slices) -> Slices {
    let [u7, u6, u5, u4, u3, u2, u1, u0] = x;

    // Top linear layer.
    let t1 = u0 ^ u3;
    let t2 = u0 ^ u5;
    let t3 = u0 ^ u6;
    let t4 = u3 ^ u5;
    let t5 = u4 ^ u6;
    let t6 = t1 ^ t5;
    let t7 = u1 ^ u2;
    let t8 = u7 ^ t6;
    let t9 = u7 ^ t7;
    let t10 = t6 ^ t7;
    let t11 = u1 ^ u5;
    let t12 = u2 ^ u5;
    let t13 = t3 ^ t4;
    let t14 = t6 ^ t11;
    let t15 = t5 ^ t11;
    let t16 = t5 ^ t12;
    let t17 = t9 ^ t16;
    let t18 = u3 ^ u7;
    let t19 = t7 ^ t18;
    let t20 = t1 ^ t19;
    let t21 = u6 ^ u7;
    let t22 = t7 ^ t21;
    let t23 = t2 ^ t22;
    let t24 = t2 ^ t10;
    let t25 = t20 ^ t17;
    let t26 = t3 ^ t16;
    let t27 = t1 ^ t12;

    let d = u7;
    let [m46, m47, m48, m49, m50, m51, m52, m53, m54, m55, m56, m57, m58, m59, m60, m61, m62, m63] =
        inversion([
            t13, t6, t23, t8, t14, t19, d, t3, t16, t22, t9, t26, t20, t17, t1, t15, t4, t27, t2,
            t10, t24, t25,
        ]);

    // Bottom linear layer.
    let l0 = m61 ^ m62;
    let l1 = m50 ^ m56;
    let l2 = m46 ^ m48;
    let l3 = m47 ^ m55;
    let l4 = m54 ^ m58;
    let l5 = m49 ^ m61;
    let l6 = m62 ^ l5;
    let l7 = m46 ^ l3;
    let l8 = m51 ^ m59;
    let l9 = m52 ^ m53;
    let l10 = m53 ^ l4;
    let l11 = m60 ^ l2;
    let l12 = m48 ^ m51;
    let l13 = m50 ^ l0;
    let l14 = m52 ^ m61;
    let l15 = m55 ^ l1;
    let l16 = m56 ^ l0;
    let l17 = m57 ^ l1;
    let l18 = m58 ^ l8;
    let l19 = m63 ^ l4;
    let l20 = l0 ^ l1;
    let l21 = l1 ^ l7;
    let l22 = l3 ^ l12;
    let l23 = l18 ^ l2;
    let l24 = l15 ^ l9;
    let l25 = l6 ^ l10;
    let l26 = l7 ^ l9;
    let l27 = l8 ^ l10;
    let l28 = l11 ^ l14;
    let l29 = l11 ^ l17;
    let s0 = l6 ^ l24;
    let s1 = l16 ^ l26;
    let s2 = l19 ^ l28;
    let s3 = l6 ^ l21;
    let s4 = l20 ^ l22;
    let s5 = l25 ^ l29;
    let s6 = l13 ^ l27;
    let s7 = l6 ^ l23;

    [s7, s6, s5, s4, s3, s2, s1, s0]
}

/// The nonlinear middle of Boyar and Peralta's circuit: the inversion in GF(2^8), from the top
/// layer's signals to the products the bottom layer sums.
#[inline(always)]
#[allow(clippy::similar_names, clippy::many_single_char_names)]
fn inversion(top: Top) -> Products {
    let [t13, t6, t23, t8, t14, t19, d, t3, t16, t22, t9, t26, t20, t17, t1, t15, t4, t27, t2, t10, t24, t25] =
        top;
    let m1 = t13 & t6;
    let m2 = t23 & t8;
    let m3 = t14 ^ m1;
    let m4 = t19 & d;
    let m5 = m4 ^ m1;
    let m6 = t3 & t16;
    let m7 = t22 & t9;
    let m8 = t26 ^ m6;
    let m9 = t20 & t17;
    let m10 = m9 ^ m6;
    let m11 = t1 & t15;
    let m12 = t4 & t27;
    let m13 = m12 ^ m11;
    let m14 = t2 & t10;
    let m15 = m14 ^ m11;
    let m16 = m3 ^ m2;
    let m17 = m5 ^ t24;
    let m18 = m8 ^ m7;
    let m19 = m10 ^ m15;
    let m20 = m16 ^ m13;
    let m21 = m17 ^ m15;
    let m22 = m18 ^ m13;
    let m23 = m19 ^ t25;
    let m24 = m22 ^ m23;
    let m25 = m22 & m20;
    let m26 = m21 ^ m25;
    let m27 = m20 ^ m21;
    let m28 = m23 ^ m25;
    let m29 = m28 & m27;
    let m30 = m26 & m24;
    let m31 = m20 & m23;
    let m32 = m27 & m31;
    let m33 = m27 ^ m25;
    let m34 = m21 & m22;
    let m35 = m24 & m34;
    let m36 = m24 ^ m25;
    let m37 = m21 ^ m29;
    let m38 = m32 ^ m33;
    let m39 = m23 ^ m30;
    let m40 = m35 ^ m36;
    let m41 = m38 ^ m40;
    let m42 = m37 ^ m39;
    let m43 = m37 ^ m38;
    let m44 = m39 ^ m40;
    let m45 = m42 ^ m41;
    let m46 = m44 & t6;
    let m47 = m40 & t8;
    let m48 = m39 & d;
    let m49 = m43 & t16;
    let m50 = m38 & t9;
    let m51 = m37 & t17;
    let m52 = m42 & t15;
    let m53 = m45 & t27;
    let m54 = m41 & t10;
    let m55 = m44 & t13;
    let m56 = m40 & t23;
    let m57 = m39 & t19;
    let m58 = m43 & t3;
    let m59 = m38 & t22;
    let m60 = m37 & t20;
    let m61 = m42 & t1;
    let m62 = m45 & t4;
    let m63 = m41 & t2;

    [
        m46, m47, m48, m49, m50, m51, m52, m53, m54, m55, m56, m57, m58, m59, m60, m61, m62, m63,
    ]
}

/// InvSubBytes of `y ⊕ 0x63` for every byte (the constant is in the round keys): the inverse
/// affine map's linear part, the inversion, and the linear part again (`A⁻¹ ∘ S′ ∘ A⁻¹`, see the
/// module documentation), with each inverse affine map folded into the circuit's linear layer
/// next to it. A composition of linear maps is one linear map: the top layer here computes the
/// 22 signals of [`Top`] straight from `y` (29 XORs instead of 16 + 27), the bottom layer the
/// output straight from the 18 products (35 XORs instead of 38 + 16). Their XOR sequences come
/// from the composed 0/1 matrices by Paar's greedy method (repeatedly XOR the pair of inputs that
/// the most outputs share); the tests check the result on all 256 byte values.
#[inline(always)]
#[allow(clippy::similar_names, clippy::many_single_char_names)]
fn inv_sub_bytes(y: Slices) -> Slices {
    inv_sub_bytes_bottom(inversion(inv_sub_bytes_top(y)))
}

/// [`inv_sub_bytes`]' top layer: `Top` of `A⁻¹(y)`.
#[inline(always)]
#[allow(clippy::similar_names, clippy::many_single_char_names)]
fn inv_sub_bytes_top(y: Slices) -> Top {
    let [y0, y1, y2, y3, y4, y5, y6, y7] = y;
    let a8 = y4 ^ y6;
    let a9 = y0 ^ y1;
    let a10 = y3 ^ y4;
    let a11 = y3 ^ y6;
    let a12 = a8 ^ a9;
    let a13 = y2 ^ y7;
    let a14 = y6 ^ y7;
    let a15 = a9 ^ a11;
    let a16 = y7 ^ a8;
    let a17 = y5 ^ a8;
    let a18 = y0 ^ a11;
    let a19 = y5 ^ a13;
    let a20 = a9 ^ a10;
    let a21 = y0 ^ a17;
    let a22 = y5 ^ a12;
    let a23 = y2 ^ a10;
    let a24 = y3 ^ a16;
    let a25 = y5 ^ a11;
    let a26 = y4 ^ y7;
    let a27 = y5 ^ a10;
    let a28 = y2 ^ a17;
    let a29 = y0 ^ a10;
    let a30 = a12 ^ a13;
    let a31 = a9 ^ a14;
    let a32 = y1 ^ a25;
    let a33 = y7 ^ a18;
    let a34 = y0 ^ y3;
    let a35 = y1 ^ a23;
    let a36 = a13 ^ a15;
    [
        a31, a28, a26, a16, a36, a12, a19, a20, a32, a8, a29, a21, a15, a22, a10, a30, a24, a35,
        a14, a33, a34, a27,
    ]
}

/// [`inv_sub_bytes`]' bottom layer: `A⁻¹` of the circuit's output, from the products.
#[inline(always)]
#[allow(clippy::similar_names, clippy::many_single_char_names)]
fn inv_sub_bytes_bottom(products: Products) -> Slices {
    let [m46, m47, m48, m49, m50, m51, m52, m53, m54, m55, m56, m57, m58, m59, m60, m61, m62, m63] =
        products;
    let b18 = m52 ^ m61;
    let b19 = m58 ^ b18;
    let b20 = m62 ^ b19;
    let b21 = m54 ^ m59;
    let b22 = m47 ^ m50;
    let b23 = m48 ^ m56;
    let b24 = b20 ^ b21;
    let b25 = m60 ^ b23;
    let b26 = m53 ^ m59;
    let b27 = m51 ^ b24;
    let b28 = m49 ^ b20;
    let b29 = m55 ^ m63;
    let b30 = b22 ^ b25;
    let b31 = m50 ^ b26;
    let b32 = m49 ^ b21;
    let b33 = m57 ^ b29;
    let b34 = m51 ^ b23;
    let b35 = m57 ^ b19;
    let b36 = m48 ^ b24;
    let b37 = m54 ^ b30;
    let b38 = m46 ^ m63;
    let b39 = m46 ^ b22;
    let b40 = b29 ^ b32;
    let b41 = b35 ^ b38;
    let b42 = m61 ^ b33;
    let b43 = b18 ^ b40;
    let b44 = b27 ^ b39;
    let b45 = b31 ^ b34;
    let b46 = b28 ^ b31;
    let b47 = m57 ^ b37;
    let b48 = b41 ^ b45;
    let b49 = b30 ^ b43;
    let b50 = m46 ^ b36;
    let b51 = m49 ^ b27;
    let b52 = b28 ^ b47;
    [b42, b46, b44, b48, b50, b52, b49, b51]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a · b` in AES's GF(2^8), bit by bit.
    fn mul(mut a: u8, mut b: u8) -> u8 {
        let mut product = 0;
        while b != 0 {
            if b & 1 == 1 {
                product ^= a;
            }
            a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
            b >>= 1;
        }
        product
    }

    /// FIPS-197's S-box from its definition: the field inverse, then the affine map.
    fn sbox(x: u8) -> u8 {
        let inverse = (1..=255).find(|&y| mul(x, y) == 1).unwrap_or(0);
        let rotl = |n: u32| inverse.rotate_left(n);
        inverse ^ rotl(1) ^ rotl(2) ^ rotl(3) ^ rotl(4) ^ 0x63
    }

    /// The 128 bytes of `slices` in block order (block `b`, byte `k`).
    fn unslice(slices: Slices) -> [[u8; 16]; 8] {
        transpose(slices).map(V128::to_bytes)
    }

    fn slice(blocks: [[u8; 16]; 8]) -> Slices {
        transpose(blocks.map(V128::from_bytes))
    }

    /// Every byte value once: 256 bytes in two groups of eight blocks.
    fn all_bytes() -> [[[u8; 16]; 8]; 2] {
        core::array::from_fn(|group| {
            core::array::from_fn(|block| {
                core::array::from_fn(|k| (group * 128 + block * 16 + k) as u8)
            })
        })
    }

    #[test]
    fn transpose_is_an_involution_that_slices_bits() {
        let blocks: [[u8; 16]; 8] =
            core::array::from_fn(|b| core::array::from_fn(|k| (b * 37 + k * 101 + 5) as u8));
        let sliced = slice(blocks).map(V128::to_bytes);
        for (j, slice) in sliced.iter().enumerate() {
            for (k, &byte) in slice.iter().enumerate() {
                for (b, block) in blocks.iter().enumerate() {
                    assert_eq!(
                        (byte >> b) & 1,
                        (block[k] >> j) & 1,
                        "slice {j} byte {k} block {b}"
                    );
                }
            }
        }
        assert_eq!(unslice(slice(blocks)), blocks);
    }

    #[test]
    fn the_circuit_is_the_sbox_without_its_constant() {
        for group in all_bytes() {
            let got = unslice(sbox_linear(slice(group)));
            for (got, want) in got.iter().flatten().zip(group.iter().flatten()) {
                assert_eq!(*got, sbox(*want) ^ 0x63, "S-box of {want:#04x}");
            }
        }
    }

    #[test]
    fn inv_sub_bytes_inverts_the_sbox_after_the_constant() {
        for group in all_bytes() {
            let input = group.map(|block| block.map(|x| sbox(x) ^ SBOX_CONSTANT));
            assert_eq!(unslice(inv_sub_bytes(slice(input))), group);
        }
    }

    #[test]
    fn inv_mix_columns_undoes_mix_columns_and_matches_the_definition() {
        let blocks: [[u8; 16]; 8] =
            core::array::from_fn(|b| core::array::from_fn(|k| (b * 59 + k * 13 + 1) as u8));
        let mixed = unslice(mix_columns(slice(blocks)));
        for (block, mixed) in blocks.iter().zip(&mixed) {
            for column in 0..4 {
                let a: [u8; 4] = core::array::from_fn(|r| block[4 * column + r]);
                for row in 0..4 {
                    let want = mul(2, a[row])
                        ^ mul(3, a[(row + 1) % 4])
                        ^ a[(row + 2) % 4]
                        ^ a[(row + 3) % 4];
                    assert_eq!(mixed[4 * column + row], want);
                }
            }
        }
        assert_eq!(unslice(inv_mix_columns(slice(mixed))), blocks);
    }

    #[test]
    fn inv_shift_rows_moves_row_r_right_by_r() {
        let state: [u8; 16] = core::array::from_fn(|k| k as u8);
        let moved = V128::from_bytes(state).swizzle(INV_SHIFT_ROWS).to_bytes();
        for row in 0..4 {
            for column in 0..4 {
                assert_eq!(
                    moved[4 * ((column + row) % 4) + row],
                    state[4 * column + row]
                );
            }
        }
    }
}
