//! Decrypt and encrypt the payloads of the Allpass (elKYC) KYC service, byte for byte as the
//! vendor's documented Node.js functions `decryptData` and `encryptData` do.
//!
//! The wire format is `hex(iv) + hex(AES-256-CBC-PKCS#7(JSON text))` with a random 16-byte IV
//! and a 32-byte key written as 64 hex characters. Webhooks wrap it in an [`Envelope`].
//!
//! # ⚠️ Security warning
//! The vendor's scheme is **unauthenticated** AES-CBC. Anyone who can change a payload in
//! transit can flip chosen bits of its first 16 plaintext bytes (by editing the IV) without
//! the key, and nothing here can detect it. Every decryption failure is reported as the same
//! [`Error::DecryptFailed`] so this crate is not a padding oracle; your endpoint must answer
//! every failed webhook the same way too. See the README's Security section.
//!
//! # Example
//! ```
//! use allpass_crypto::{decrypt_data, Cipher};
//!
//! let key_hex = Cipher::generate_hex()?;          // or the key from the Integration page
//! let cipher = Cipher::from_hex(&key_hex)?;        // parse and expand once, reuse
//! let data = cipher.encrypt(br#"{"status":"completed"}"#)?;
//! assert_eq!(decrypt_data(&data, &key_hex)?, r#"{"status":"completed"}"#);
//! # Ok::<(), allpass_crypto::Error>(())
//! ```
//!
//! # One vocabulary for Rust and JavaScript
//! The npm package `allpass-crypto` is this crate compiled to WebAssembly (its bindings live in
//! the repository's unpublished `wasm/` crate; this crate knows nothing of JavaScript). Where the
//! two APIs do the same thing they use the same words:
//!
//! | Rust | JavaScript | does |
//! | --- | --- | --- |
//! | [`decrypt_data`] | `decryptData` | the vendor's function: ciphertext first, key second |
//! | [`encrypt_text`] | `encryptData` (after `JSON.stringify`) | the vendor's function, on JSON text |
//! | [`Cipher`] | `AllpassCipher` | a key parsed and expanded once |
//! | [`Cipher::decrypt`], [`Cipher::encrypt`] | `.decrypt`, `.encryptText` | one payload |
//! | [`Cipher::parse_webhook`] | `parseWebhook` | raw body → checked envelope → decrypted JSON |
//! | [`Cipher::create_webhook`] | `createWebhook` | the envelope the vendor would send |
//! | [`Cipher::generate_hex`] | `generateKey` | a new random key |
//! | [`Keyring`] | a `key` argument that is an array | several keys, for rotation |
//! | [`Envelope`] / [`Webhook`] | `WebhookEnvelope` / `Webhook` | encrypted / decrypted body |
//! | [`Error::code`], [`Error::reason`] | `error.code`, `error.reason` | stable, for branching |
//!
//! # Features
//! - `json` (default): [`Envelope::from_json`], [`Envelope::to_json`], [`Cipher::parse_webhook`]
//!   with serde_json; implies `serde`.
//! - `serde`: `Serialize` / `Deserialize` for [`Envelope`].
//! - `getrandom` (default): random IVs and keys. Without it, use [`Cipher::encrypt_with_iv`]
//!   with an IV from your own secure source. On `wasm32-unknown-unknown` getrandom needs a
//!   backend chosen by the application (its `wasm_js` feature).

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
// Panic-freedom is checked by the compiler, not hoped for: a panic inside wasm poisons the
// instance for every later call. Tests may unwrap; the library may not.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::panic_in_result_fn,
        clippy::cast_possible_truncation,
    )
)]

mod aes_cbc;
mod block;
mod cipher;
mod envelope;
mod error;
mod framing;
mod hex;
mod keyring;
mod payload;
#[cfg(feature = "getrandom")]
mod random_iv;
mod utf8;

// This crate's AES engines run in WebAssembly with SIMD; elsewhere RustCrypto's `aes` (AES-NI,
// ARMv8 or fixsliced software) is faster, so natively they are built only for their tests and
// for the `test-engine` feature (the fuzz target and the engine benchmark), which makes the
// module public.
#[cfg(feature = "test-engine")]
pub mod engine;
#[cfg(all(
    not(feature = "test-engine"),
    any(test, all(target_arch = "wasm32", target_feature = "simd128"))
))]
mod engine;
#[cfg(any(
    test,
    feature = "test-engine",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod v128;
// The engines' round keys, and the wasm build's pool of IVs.
#[cfg(any(
    test,
    feature = "test-engine",
    all(
        target_arch = "wasm32",
        any(target_feature = "simd128", feature = "getrandom")
    )
))]
mod wipe;

pub use cipher::{Cipher, KEY_HEX_LEN};
pub use envelope::{Envelope, Field, Webhook};
pub use error::{CiphertextProblem, Error, KeyProblem, DECRYPT_FAILED_MESSAGE};
pub use framing::{BLOCK_LEN, MAX_ENCRYPTED_HEX_LEN};
pub use keyring::{Keyring, MAX_KEYS};
pub use payload::decrypt_data;
#[cfg(feature = "getrandom")]
pub use payload::encrypt_text;
