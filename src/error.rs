//! One error type for the whole crate, one stable code per variant.
//!
//! Format problems (wrong key length, non-hex characters, truncated input) are public facts
//! about the caller's own input, so their messages are precise. Everything that happens after
//! the cipher has run is reported as the single opaque [`Error::DecryptFailed`]: telling a
//! caller *why* a decryption failed would hand an attacker a padding oracle.

use core::fmt;

/// Every way an operation of this crate can fail.
///
/// [`Error::code`] is stable and is what the JavaScript `Error.code` property carries;
/// the `Display` text tells a person what to fix and may be reworded between releases.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The key is not 64 hex characters (32 bytes). `INVALID_KEY`.
    InvalidKey(KeyProblem),
    /// The encrypted string is not `hex(iv) + hex(ciphertext)`. `INVALID_CIPHERTEXT`.
    InvalidCiphertext(CiphertextProblem),
    /// The ciphertext did not decrypt with this key: bad padding, wrong key, altered data, or
    /// (for JSON-returning calls) a plaintext that is not JSON. Deliberately carries no detail.
    /// `DECRYPT_FAILED`.
    DecryptFailed,
    /// Input that should be JSON text is not. `INVALID_JSON`.
    InvalidJson(String),
    /// JSON that is not the vendor's webhook envelope. `INVALID_ENVELOPE`.
    InvalidEnvelope(String),
    /// A JavaScript argument of the wrong type, or a value `JSON.stringify` cannot encode.
    /// `INVALID_ARGUMENT`.
    InvalidArgument(String),
    /// The platform's random number generator failed. `RNG_FAILED`.
    RngFailed,
}

/// What is wrong with a key string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// Nothing left after trimming whitespace.
    Empty,
    /// Only hex digits, but not 64 of them.
    WrongLength {
        /// Hex characters found.
        found: usize,
    },
    /// Uses the base64 alphabet: someone converted or re-encoded the key.
    LooksBase64 {
        /// Characters found.
        found: usize,
    },
    /// A character that is not a hex digit.
    NonHex {
        /// Zero-based character index in the trimmed key.
        position: usize,
    },
    /// The key argument looks like a ciphertext and the ciphertext argument like a key:
    /// the vendor's own sample call passes them in this order.
    ArgumentsSwapped,
}

/// What is wrong with an encrypted `hex(iv) + hex(ciphertext)` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CiphertextProblem {
    /// Nothing left after trimming whitespace.
    Empty,
    /// Starts with `{`: the whole webhook body was passed instead of its `data` field.
    LooksLikeEnvelope,
    /// Uses the base64 alphabet; the vendor sends hex (its docs wrongly say "Base64").
    LooksBase64,
    /// A character that is not a hex digit.
    NonHex {
        /// Zero-based character index in the trimmed string.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// An odd number of hex digits: the string was cut.
    OddLength {
        /// Hex characters found.
        found: usize,
    },
    /// Shorter than a 16-byte IV plus one 16-byte block.
    TooShort {
        /// Hex characters found.
        found: usize,
    },
    /// The part after the IV is not a whole number of 16-byte blocks.
    NotWholeBlocks {
        /// Ciphertext bytes after the IV.
        ciphertext_bytes: usize,
    },
    /// Longer than [`crate::MAX_ENCRYPTED_HEX_LEN`].
    TooLong {
        /// Characters found.
        found: usize,
    },
}

impl Error {
    /// The stable, machine-readable code, e.g. `"INVALID_KEY"`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Error::InvalidKey(_) => "INVALID_KEY",
            Error::InvalidCiphertext(_) => "INVALID_CIPHERTEXT",
            Error::DecryptFailed => "DECRYPT_FAILED",
            Error::InvalidJson(_) => "INVALID_JSON",
            Error::InvalidEnvelope(_) => "INVALID_ENVELOPE",
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::RngFailed => "RNG_FAILED",
        }
    }
}

/// The one message every decryption failure carries, whatever went wrong inside.
pub const DECRYPT_FAILED_MESSAGE: &str = "decryption failed: the key does not match this payload, \
     or the payload was altered or is not an Allpass payload";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidKey(problem) => write!(f, "{problem}"),
            Error::InvalidCiphertext(problem) => write!(f, "{problem}"),
            Error::DecryptFailed => f.write_str(DECRYPT_FAILED_MESSAGE),
            Error::InvalidJson(detail) => write!(f, "not valid JSON: {detail}"),
            Error::InvalidEnvelope(detail) => write!(
                f,
                "not an Allpass webhook envelope ({{ status, statusCode, data, time }}): {detail}"
            ),
            Error::InvalidArgument(detail) => f.write_str(detail),
            Error::RngFailed => f.write_str("the platform's secure random number generator failed"),
        }
    }
}

// Key messages never quote the key's characters: the key is secret even when malformed.
impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const WANT: &str = "the key must be 64 hex characters (32 bytes), the AES-256-CBC key \
                            from the Allpass Integration page";
        match self {
            KeyProblem::Empty => write!(f, "the key is empty; {WANT}"),
            KeyProblem::WrongLength { found } => {
                write!(f, "the key has {found} hex characters, expected 64; {WANT}")
            }
            KeyProblem::LooksBase64 { found } => write!(
                f,
                "the key looks like base64 ({found} characters); {WANT}, copied as is"
            ),
            KeyProblem::NonHex { position } => write!(
                f,
                "the key has a non-hex character at position {position}; {WANT}"
            ),
            KeyProblem::ArgumentsSwapped => f.write_str(
                "these arguments look swapped: the call is decryptData(encryptedTextWithIv, key), \
                 ciphertext first (the vendor's sample call passes them the other way round)",
            ),
        }
    }
}

impl fmt::Display for CiphertextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const WANT: &str = "expected hex: 32 characters of IV followed by the ciphertext";
        match self {
            CiphertextProblem::Empty => write!(f, "the encrypted text is empty; {WANT}"),
            CiphertextProblem::LooksLikeEnvelope => f.write_str(
                "the encrypted text looks like a whole webhook body (JSON); pass its `data` \
                 field, or use parseWebhook(body, key)",
            ),
            CiphertextProblem::LooksBase64 => write!(
                f,
                "the encrypted text looks like base64, but Allpass sends hex (the vendor's docs \
                 call it \"Base64\" by mistake); {WANT}"
            ),
            CiphertextProblem::NonHex { position, found } => write!(
                f,
                "the encrypted text has a non-hex character '{}' at position {position}; {WANT}",
                Visible(*found)
            ),
            CiphertextProblem::OddLength { found } => write!(
                f,
                "the encrypted text has an odd number of hex characters ({found}): it was cut \
                 or has a stray character"
            ),
            CiphertextProblem::TooShort { found } => write!(
                f,
                "the encrypted text is {found} hex characters, too short: it needs 32 for the IV \
                 and at least 32 for one ciphertext block"
            ),
            CiphertextProblem::NotWholeBlocks { ciphertext_bytes } => write!(
                f,
                "the ciphertext after the IV is {ciphertext_bytes} bytes, not a multiple of 16: \
                 the string was cut or joined wrongly"
            ),
            CiphertextProblem::TooLong { found } => write!(
                f,
                "the encrypted text is {found} characters, over the limit of {}",
                crate::MAX_ENCRYPTED_HEX_LEN
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A character as a reader should see it in a message: itself when it is visible, escaped
/// (`\n`, `\u{200b}`) when it is a control or space character.
struct Visible(char);

impl fmt::Display for Visible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Visible(c) = *self;
        if c.is_ascii_graphic() || !(c.is_ascii() || c.is_control() || c.is_whitespace()) {
            write!(f, "{c}")
        } else {
            write!(f, "{}", c.escape_default())
        }
    }
}
