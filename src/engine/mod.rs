//! Constant-time AES engines written for WebAssembly SIMD, on the 128-bit vector type of
//! `v128.rs` (crate level).
//!
//! | file | what it is |
//! | --- | --- |
//! | `simd_aes.rs` | what the wasm build runs: [`SimdAes256`](simd_aes::SimdAes256), one key schedule, the two CBC loops |
//! | `key_schedule.rs` | AES-256's key schedule |
//! | `vperm.rs` | vector-permute AES (Hamburg): the derivation, the S-box, encryption one block at a time |
//! | `bitsliced.rs` | bitsliced decryption, eight blocks at a time |
//! | `vperm_decrypt.rs` | vector-permute decryption: tests, fuzzing and the benchmark only |
//! | `testing.rs` | the tests' helpers and their oracle, RustCrypto's `aes` |
//!
//! Each file uses only those below it in this order of use: `simd_aes` → `key_schedule`,
//! `vperm`, `bitsliced`; `key_schedule` → `vperm`; `vperm_decrypt` → `key_schedule`, `vperm`.
//!
//! Built only in wasm32 with SIMD, for tests, and with the `test-engine` feature, which makes
//! `simd_aes`, `vperm` and `vperm_decrypt` public so that the engine benchmark and the fuzz
//! target can compare them with RustCrypto's `aes`; that is not a stable API.
#![doc(hidden)]

mod bitsliced;
mod key_schedule;
pub mod simd_aes;
#[cfg(test)]
mod testing;
pub mod vperm;
#[cfg(any(test, feature = "test-engine"))]
pub mod vperm_decrypt;

/// One AES block, for the engine benchmark (`wasm/src/bench.rs`).
#[cfg(feature = "test-engine")]
pub use crate::block::Block;
