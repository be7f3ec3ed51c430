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
//! use allpass_crypto::{decrypt_data, Key};
//!
//! let key_hex = Key::generate_hex()?;           // or the key from the Integration page
//! let key = Key::from_hex(&key_hex)?;            // parse and expand once, reuse
//! let data = key.encrypt(br#"{"status":"completed"}"#)?;
//! assert_eq!(decrypt_data(&data, &key_hex)?, r#"{"status":"completed"}"#);
//! # Ok::<(), allpass_crypto::Error>(())
//! ```
//!
//! Compiled to WebAssembly (`wasm32`), the `wasm` module exposes the same operations to
//! JavaScript as `decryptData`, `encryptData`, `AllpassCipher`, `parseWebhook`,
//! `createWebhook` and `generateKey` (the npm package `allpass-crypto`).

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

mod cipher;
mod envelope;
mod error;
mod framing;
mod hex;
mod key;
mod payload;
mod text;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use envelope::Envelope;
pub use error::{CiphertextProblem, Error, KeyProblem, DECRYPT_FAILED_MESSAGE};
pub use framing::{BLOCK_LEN, MAX_ENCRYPTED_HEX_LEN};
pub use key::{Key, KEY_HEX_LEN};
pub use payload::{decrypt_data, encrypt_text};
