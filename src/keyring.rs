//! [`Keyring`]: several keys at once, for key rotation. A payload is accepted under the first
//! key whose plaintext passes the caller's check (for webhooks: is JSON), because a wrong key
//! passes the PKCS#7 padding check about one time in 256 and yields garbage.

use crate::aes_cbc;
use crate::cipher::Cipher;
use crate::error::{Error, KeyProblem};
use crate::framing;
use crate::utf8;

/// One or more keys, in the caller's order (put the newest first: [`Keyring::first`] encrypts).
/// A single [`Cipher`] converts into a keyring of one (`Keyring::from(cipher)`).
///
/// ```
/// use allpass_crypto::{Cipher, Keyring};
/// let old = Cipher::generate_hex()?;
/// let new = Cipher::generate_hex()?;
/// let sent = Cipher::from_hex(&old)?.encrypt(br#"{"id":"a1"}"#)?;
/// let keyring = Keyring::from_hex(&[new, old]).map_err(|(_, error)| error)?;
/// let (key_index, text) = keyring.decrypt_accepted(&sent, |text| Some(text.to_owned()))?;
/// assert_eq!((key_index, text.as_str()), (1, r#"{"id":"a1"}"#));
/// # Ok::<(), allpass_crypto::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Keyring {
    first: Cipher,
    rest: Vec<Cipher>,
}

/// The most keys a keyring holds: rotation needs two or three; more is a mistake.
pub const MAX_KEYS: usize = 16;

impl Keyring {
    /// Parses every key.
    ///
    /// # Errors
    /// The index and error of the first key that does not parse; for an empty list or one
    /// longer than [`MAX_KEYS`], index 0 and [`KeyProblem::WrongCount`].
    pub fn from_hex<S: AsRef<str>>(keys: &[S]) -> Result<Self, (usize, Error)> {
        let wrong_count = |found| (0, Error::InvalidKey(KeyProblem::WrongCount { found }));
        let Some((first, others)) = keys.split_first() else {
            return Err(wrong_count(0));
        };
        if keys.len() > MAX_KEYS {
            return Err(wrong_count(keys.len()));
        }
        let first = Cipher::from_hex(first.as_ref()).map_err(|error| (0, error))?;
        // Sized once: a vector that grows would leave copies of round keys in freed memory.
        let mut rest = Vec::with_capacity(others.len());
        for (index, key) in (1..).zip(others) {
            rest.push(Cipher::from_hex(key.as_ref()).map_err(|error| (index, error))?);
        }
        Self::new(first, rest).map_err(|error| (0, error))
    }

    /// A keyring of already-parsed keys: `first` encrypts, every key decrypts. Build `rest`
    /// with its final capacity (a vector that grows leaves copies of round keys behind).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] ([`KeyProblem::WrongCount`]) for more than [`MAX_KEYS`] keys.
    pub fn new(first: Cipher, rest: Vec<Cipher>) -> Result<Self, Error> {
        let found = rest.len().saturating_add(1);
        if found > MAX_KEYS {
            return Err(Error::InvalidKey(KeyProblem::WrongCount { found }));
        }
        Ok(Self { first, rest })
    }

    /// The first key: the one that encrypts.
    #[must_use]
    pub fn first(&self) -> &Cipher {
        &self.first
    }

    /// Every key, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Cipher> {
        core::iter::once(&self.first).chain(self.rest.iter())
    }

    /// Decrypts `encrypted_text_with_iv` under each key in turn, decodes the plaintext as Node
    /// does, and returns the first key's index and `accept`'s value for which `accept` returns
    /// `Some`. The hex is decoded once.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertext`] for a malformed string; [`Error::DecryptFailed`] when no
    /// key both unpads and is accepted: the same error, whichever way each key failed.
    pub fn decrypt_accepted<T>(
        &self,
        encrypted_text_with_iv: &str,
        mut accept: impl FnMut(&str) -> Option<T>,
    ) -> Result<(usize, T), Error> {
        let framed = framing::parse(encrypted_text_with_iv)?;
        for (index, cipher) in self.iter().enumerate() {
            let mut plaintext = framed.ciphertext.clone();
            if aes_cbc::decrypt_in_place(cipher, &framed.iv, &mut plaintext).is_ok() {
                if let Some(value) = accept(&utf8::decode_like_node(plaintext)) {
                    return Ok((index, value));
                }
            }
        }
        Err(Error::DecryptFailed)
    }
}

impl From<Cipher> for Keyring {
    fn from(first: Cipher) -> Self {
        Self {
            first,
            rest: Vec::new(),
        }
    }
}
