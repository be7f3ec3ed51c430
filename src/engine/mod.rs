//! Constant-time AES engines written for WebAssembly SIMD.
//!
//! Crate-internal. The `test-engine` feature makes `vperm` public so the integration tests
//! and the fuzz targets can compare it with RustCrypto's `aes`; it is not a stable API.
#![doc(hidden)]
// Until the CBC code (`aes_cbc.rs`) switches to the engine, only the tests use it.
#![cfg_attr(not(any(test, feature = "test-engine")), allow(dead_code))]

mod v128;

#[cfg(feature = "test-engine")]
pub mod vperm;
#[cfg(not(feature = "test-engine"))]
pub(crate) mod vperm;
