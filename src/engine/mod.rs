//! Constant-time AES engines written for WebAssembly SIMD.
//!
//! Crate-internal. The `test-engine` feature makes `vperm` public so the engine benchmark
//! and the fuzz targets can compare it with RustCrypto's `aes`; it is not a stable API.
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

mod v128;

#[cfg(feature = "test-engine")]
pub mod vperm;
#[cfg(not(feature = "test-engine"))]
pub(crate) mod vperm;
