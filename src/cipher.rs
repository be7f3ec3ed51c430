//! [`Cipher`]: the 32-byte AES-256 key, parsed once from 64 hex characters, expanded once,
//! zeroized on drop. What a `Cipher` does is written beside what it works on: one payload in
//! `payload.rs` (`decrypt`, `encrypt`), webhooks in `envelope.rs` (`create_webhook`,
//! `decrypt_webhook`, `parse_webhook`); this file is the key itself.

use aes::cipher::KeyInit;
use core::fmt;
use zeroize::Zeroizing;

use crate::error::{Error, KeyProblem};
use crate::hex;

/// Hex characters in a key string.
pub const KEY_HEX_LEN: usize = 64;
const KEY_LEN: usize = KEY_HEX_LEN / 2;

/// An Allpass application key, parsed and ready to use: JavaScript's `AllpassCipher`.
///
/// Holds only the expanded AES round keys; the engine wipes them when the
/// `Cipher` is dropped, and the raw bytes are wiped as soon as the expansion is done.
/// `Debug` never shows key material.
///
/// ```
/// use allpass_crypto::Cipher;
/// let key = Cipher::from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")?;
/// let sealed = key.encrypt(br#"{"ok":true}"#)?;
/// assert_eq!(key.decrypt(&sealed)?, r#"{"ok":true}"#);
/// # Ok::<(), allpass_crypto::Error>(())
/// ```
pub struct Cipher {
    /// On the heap, placed there by `expand` and never moved again: moving a `Cipher` moves
    /// a pointer, and leaves no copy of round keys (the vector-permute engine keeps the first
    /// one as the key's own bytes) in the stack frames it passes through.
    engine: Box<Engine>,
}

/// The AES-256 block cipher behind every [`Cipher`]. In WebAssembly with SIMD: this crate's
/// engines (`engine/simd_aes.rs`), constant-time and several times faster there than a portable
/// bitsliced AES for encryption: vector-permute for CBC encryption, which runs one block at a
/// time, bitsliced for CBC decryption eight blocks at a time. Everywhere else: RustCrypto's
/// `aes`, which uses AES-NI or ARMv8 instructions where the CPU has them and its constant-time
/// fixsliced software otherwise.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) type Engine = crate::engine::simd_aes::SimdAes256;
/// See the wasm32 definition.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) type Engine = aes::Aes256;

impl Cipher {
    /// Parses the key as the vendor's Integration page shows it: 64 hex characters, either
    /// case, surrounding whitespace ignored.
    ///
    /// # Errors
    /// [`Error::InvalidKey`], saying whether the key is empty, the wrong length, base64, or
    /// has a non-hex character (and where). The message never contains the key itself.
    pub fn from_hex(key_hex: &str) -> Result<Self, Error> {
        let trimmed = hex::trim(key_hex);
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        if trimmed.len() == KEY_HEX_LEN
            && hex::decode_secret_into(trimmed.as_bytes(), &mut *bytes).is_ok()
        {
            return Ok(Self::from_bytes(&bytes));
        }
        Err(Error::InvalidKey(diagnose(trimmed)))
    }

    /// Uses 32 raw key bytes. The caller owns (and should zeroize) its copy.
    #[must_use]
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        let engine = expand(bytes);
        scrub_stack();
        Self { engine }
    }

    /// A new random key as 64 lowercase hex characters, from the platform's secure RNG
    /// (JavaScript's `generateKey`).
    ///
    /// # Errors
    /// [`Error::RngFailed`] if the platform has no working secure random source.
    #[cfg(feature = "getrandom")]
    pub fn generate_hex() -> Result<Zeroizing<String>, Error> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(&mut *bytes).map_err(|_| Error::RngFailed)?;
        Ok(Zeroizing::new(hex::encode_secret(&[&*bytes])))
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl Clone for Cipher {
    /// The copy is built on the stack before it is boxed: that stack is scrubbed, as after a
    /// key schedule.
    fn clone(&self) -> Self {
        let engine = Box::new((*self.engine).clone());
        scrub_stack();
        Self { engine }
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cipher { .. }")
    }
}

#[inline(never)]
fn expand(bytes: &[u8; KEY_LEN]) -> Box<Engine> {
    Box::new(<Engine as KeyInit>::new(bytes.into()))
}

/// Stack bytes overwritten after a key schedule: more than `expand` and its callees use.
const STACK_SCRUB_LEN: usize = 8 * 1024;

/// The key schedule copies raw key bytes into stack locals that nothing wipes (found by
/// scanning wasm memory in `tests/node/memory.test.mjs`). This frame lands where `expand`'s
/// frames were and overwrites them; `black_box` keeps the compiler from dropping the writes.
#[inline(never)]
fn scrub_stack() {
    let mut area = [0u8; STACK_SCRUB_LEN];
    core::hint::black_box(&mut area);
    area.fill(0);
    core::hint::black_box(&area);
}

/// Why `text` (already trimmed) is not a key. Runs only on the failure path.
fn diagnose(text: &str) -> KeyProblem {
    if text.is_empty() {
        return KeyProblem::Empty;
    }
    // (`chars().count()` would bring the standard library's counting routine into the module
    // for an error path.)
    let found = text
        .chars()
        .fold(0usize, |count, _| count.saturating_add(1));
    match hex::first_non_hex(text) {
        None => KeyProblem::WrongLength { found },
        Some(_) if hex::looks_like_base64(text) => KeyProblem::LooksBase64 { found },
        Some((position, _)) => KeyProblem::NonHex { position },
    }
}

/// True when `text` would parse as a key: used to spot swapped arguments.
pub(crate) fn looks_like_key(text: &str) -> bool {
    let trimmed = hex::trim(text);
    trimmed.len() == KEY_HEX_LEN && trimmed.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIST_KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

    fn problem(text: &str) -> KeyProblem {
        match Cipher::from_hex(text) {
            Err(Error::InvalidKey(problem)) => problem,
            other => panic!("expected InvalidKey for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn accepts_either_case_and_surrounding_whitespace() {
        assert!(Cipher::from_hex(NIST_KEY).is_ok());
        assert!(Cipher::from_hex(&NIST_KEY.to_uppercase()).is_ok());
        assert!(Cipher::from_hex(&format!("  {NIST_KEY}\n")).is_ok());
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(problem(""), KeyProblem::Empty);
        assert_eq!(problem(" \n"), KeyProblem::Empty);
        assert_eq!(
            problem(&NIST_KEY[..62]),
            KeyProblem::WrongLength { found: 62 }
        );
        assert_eq!(
            problem(&NIST_KEY[..32]),
            KeyProblem::WrongLength { found: 32 }
        );
        assert_eq!(
            problem("YD3rEBXKcb4rc67whX13gR81LAc7YQjXLZgQowkU3/Q="),
            KeyProblem::LooksBase64 { found: 44 }
        );
        let mut bad = NIST_KEY.to_string();
        bad.replace_range(10..11, "x");
        assert_eq!(problem(&bad), KeyProblem::NonHex { position: 10 });
        bad.replace_range(10..11, " ");
        assert_eq!(problem(&bad), KeyProblem::NonHex { position: 10 });
    }

    #[test]
    fn never_shows_key_material() {
        let key = Cipher::from_hex(NIST_KEY).unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{key:?}");
        assert_eq!(shown, "Cipher { .. }");
        let mut bad = NIST_KEY.to_string();
        bad.replace_range(63..64, "z");
        let message = Cipher::from_hex(&bad).map(|_| ()).unwrap_err().to_string();
        assert!(!message.contains(&NIST_KEY[..8]), "{message}");
        assert!(!message.contains('z'), "{message}");
    }

    #[test]
    #[cfg(feature = "getrandom")]
    fn generated_keys_are_fresh_valid_hex() {
        let a = Cipher::generate_hex().unwrap_or_else(|e| panic!("{e}"));
        let b = Cipher::generate_hex().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.len(), KEY_HEX_LEN);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_ne!(*a, *b);
        assert!(Cipher::from_hex(&a).is_ok());
    }
}
