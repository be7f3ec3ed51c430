//! The vendor's two operations on one payload: encrypted string in, text out, and back
//! (`Cipher::decrypt`, `Cipher::encrypt`, and the vendor-shaped `decrypt_data` and
//! `encrypt_text`). Each is framing → cipher → text (or the reverse); this file only strings
//! them together.

use crate::aes_cbc;
use crate::cipher::{self, Cipher};
use crate::error::{Error, KeyProblem};
use crate::framing::{self, BLOCK_LEN};
use crate::utf8;

impl Cipher {
    /// Decrypts `hex(iv) + hex(ciphertext)` to text, as the vendor's `decryptData` does:
    /// bytes that are not UTF-8 become U+FFFD exactly as in Node.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertext`] when the string is not well-formed hex of the right
    /// length (a public fact, described precisely); [`Error::DecryptFailed`] for everything
    /// the cipher finds, always with the same message.
    pub fn decrypt(&self, encrypted_text_with_iv: &str) -> Result<String, Error> {
        self.decrypt_to_bytes(encrypted_text_with_iv)
            .map(utf8::decode_like_node)
    }

    /// Decrypts to the raw plaintext bytes.
    ///
    /// # Errors
    /// As [`Cipher::decrypt`].
    pub fn decrypt_to_bytes(&self, encrypted_text_with_iv: &str) -> Result<Vec<u8>, Error> {
        let framing::Framed { iv, mut ciphertext } = framing::parse(encrypted_text_with_iv)?;
        aes_cbc::decrypt_in_place(self, &iv, &mut ciphertext)?;
        Ok(ciphertext)
    }

    /// Encrypts `plaintext` under a fresh random IV and returns `hex(iv) + hex(ciphertext)`.
    /// For the vendor's `encryptData(data, key)`, pass the bytes of `JSON.stringify(data)`.
    ///
    /// # Errors
    /// [`Error::RngFailed`] if no secure random IV can be drawn.
    #[cfg(feature = "getrandom")]
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, Error> {
        Ok(self.encrypt_with_iv(plaintext, &crate::random_iv::fresh_iv()?))
    }

    /// Encrypts under a caller-chosen IV. Only for tests and known-answer vectors: reusing
    /// an IV with the same key reveals which messages share a prefix.
    #[must_use]
    pub fn encrypt_with_iv(&self, plaintext: &[u8], iv: &[u8; BLOCK_LEN]) -> String {
        framing::format(iv, &aes_cbc::encrypt(self, iv, plaintext))
    }
}

/// The vendor's `decryptData(encryptedTextWithIv, key)`, same argument order, same result,
/// with precise errors where Node would throw an opaque one or silently misread the input.
///
/// ```
/// let key = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
/// let sealed = allpass_crypto::Cipher::from_hex(key)?.encrypt(br#"{"verified":true}"#)?;
/// assert_eq!(allpass_crypto::decrypt_data(&sealed, key)?, r#"{"verified":true}"#);
///
/// // The vendor's sample call swaps the arguments; the error says so.
/// let swapped = allpass_crypto::decrypt_data(key, &sealed).unwrap_err();
/// assert!(swapped.to_string().contains("swapped"));
/// # Ok::<(), allpass_crypto::Error>(())
/// ```
///
/// # Errors
/// As [`Cipher::from_hex`] and [`Cipher::decrypt`]; [`KeyProblem::ArgumentsSwapped`] when the key
/// argument is not a key but a well-formed ciphertext, and the ciphertext argument is a key.
pub fn decrypt_data(encrypted_text_with_iv: &str, key_hex: &str) -> Result<String, Error> {
    let key = Cipher::from_hex(key_hex).map_err(|error| {
        if cipher::looks_like_key(encrypted_text_with_iv) && framing::looks_like_payload(key_hex) {
            Error::InvalidKey(KeyProblem::ArgumentsSwapped)
        } else {
            error
        }
    })?;
    key.decrypt(encrypted_text_with_iv)
}

/// Encrypts text that is already serialised (the output of `JSON.stringify(data)`), as the
/// vendor's `encryptData` does after its `JSON.stringify`.
///
/// # Errors
/// As [`Cipher::from_hex`] and [`Cipher::encrypt`].
#[cfg(feature = "getrandom")]
pub fn encrypt_text(plaintext: &str, key_hex: &str) -> Result<String, Error> {
    Cipher::from_hex(key_hex)?.encrypt(plaintext.as_bytes())
}
