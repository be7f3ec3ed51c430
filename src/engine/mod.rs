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
