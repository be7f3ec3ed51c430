//! Constant-time AES engines written for WebAssembly SIMD.
//!
//! `simd_aes.rs` is what the wasm build runs: `vperm.rs` (vector-permute AES, one block at a
//! time: CBC encryption) and `bitsliced.rs` (eight blocks at a time: CBC decryption), on the
//! 128-bit vector type of `v128.rs`.
//!
//! Crate-internal. The `test-engine` feature makes `simd_aes` and `vperm` public so the engine
//! benchmark and the fuzz targets can compare them with RustCrypto's `aes`; it is not a stable
//! API.
#![doc(hidden)]
// The CBC code (`aes_cbc.rs`) runs on this engine in wasm32 builds with SIMD; elsewhere
// RustCrypto's `aes` (AES-NI, ARMv8 or fixsliced software) is faster, and only tests use it.
#![cfg_attr(
    not(any(
        test,
        feature = "test-engine",
        all(target_arch = "wasm32", target_feature = "simd128")
    )),
    allow(dead_code)
)]

/// A 16-byte vector whose byte `n` is `$entry` with `$n = n` (a shuffle table or index list).
macro_rules! table {
    (|$n:ident| $entry:expr) => {{
        const fn entry($n: u8) -> u8 {
            $entry
        }
        V128::from_bytes([
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

/// `$v` with its bytes moved by a constant permutation: byte `n` of the result is byte
/// `$source` (with `$n = n`, below 16) of `$v`. One shuffle with constant indices
/// ([`v128::V128::permute`]), cheaper than a `swizzle` by a table.
macro_rules! permute {
    ($v:expr, |$n:ident| $source:expr) => {{
        const fn source($n: u8) -> u8 {
            $source
        }
        const SOURCES: [usize; 16] = [
            $crate::engine::permutation_index(source(0)),
            $crate::engine::permutation_index(source(1)),
            $crate::engine::permutation_index(source(2)),
            $crate::engine::permutation_index(source(3)),
            $crate::engine::permutation_index(source(4)),
            $crate::engine::permutation_index(source(5)),
            $crate::engine::permutation_index(source(6)),
            $crate::engine::permutation_index(source(7)),
            $crate::engine::permutation_index(source(8)),
            $crate::engine::permutation_index(source(9)),
            $crate::engine::permutation_index(source(10)),
            $crate::engine::permutation_index(source(11)),
            $crate::engine::permutation_index(source(12)),
            $crate::engine::permutation_index(source(13)),
            $crate::engine::permutation_index(source(14)),
            $crate::engine::permutation_index(source(15)),
        ];
        $v.permute::<{ SOURCES[0] }, { SOURCES[1] }, { SOURCES[2] }, { SOURCES[3] }, { SOURCES[4] }, { SOURCES[5] }, { SOURCES[6] }, { SOURCES[7] }, { SOURCES[8] }, { SOURCES[9] }, { SOURCES[10] }, { SOURCES[11] }, { SOURCES[12] }, { SOURCES[13] }, { SOURCES[14] }, { SOURCES[15] }>()
    }};
}

/// A `permute!` index, checked below 16 when the constant is evaluated (at compile time).
pub(crate) const fn permutation_index(source: u8) -> usize {
    assert!(source < 16, "a permutation index is below 16");
    source as usize
}

/// Wipes `bytes` (volatile writes, `zeroize`). Out of line, so each call is one small loop:
/// inlined with a known length, `zeroize`'s volatile byte writes unroll into one store each
/// (hundreds of instructions for a key schedule).
#[inline(never)]
pub(crate) fn wipe(bytes: &mut [u8]) {
    zeroize::Zeroize::zeroize(bytes);
}

mod bitsliced;
#[cfg(test)]
mod testing;
pub(crate) mod v128;

#[cfg(feature = "test-engine")]
pub mod simd_aes;
#[cfg(not(feature = "test-engine"))]
pub(crate) mod simd_aes;
#[cfg(feature = "test-engine")]
pub mod vperm;
#[cfg(not(feature = "test-engine"))]
pub(crate) mod vperm;
