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
    /// A list of keys (for rotation) that is empty or longer than [`crate::MAX_KEYS`].
    WrongCount {
        /// Keys given.
        found: usize,
    },
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
            Error::RngFailed => "RNG_FAILED",
        }
    }
}

impl Error {
    /// The specific cause, stable and machine-readable, for the format errors whose cause is a
    /// public fact about the input (e.g. `"ARGUMENTS_SWAPPED"`, `"BASE64"`); `None` for the
    /// others, [`Error::DecryptFailed`] above all (its cause must stay secret).
    #[must_use]
    pub const fn reason(&self) -> Option<&'static str> {
        match self {
            Error::InvalidKey(problem) => Some(problem.reason()),
            Error::InvalidCiphertext(problem) => Some(problem.reason()),
            _ => None,
        }
    }
}

impl KeyProblem {
    /// The stable reason code of this problem, as [`Error::reason`] gives it.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            KeyProblem::Empty => "EMPTY",
            KeyProblem::WrongLength { .. } => "WRONG_LENGTH",
            KeyProblem::LooksBase64 { .. } => "BASE64",
            KeyProblem::NonHex { .. } => "NON_HEX",
            KeyProblem::ArgumentsSwapped => "ARGUMENTS_SWAPPED",
            KeyProblem::WrongCount { .. } => "KEY_COUNT",
        }
    }
}

impl CiphertextProblem {
    /// The stable reason code of this problem, as [`Error::reason`] gives it.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            CiphertextProblem::Empty => "EMPTY",
            CiphertextProblem::LooksLikeEnvelope => "WHOLE_BODY",
            CiphertextProblem::LooksBase64 => "BASE64",
            CiphertextProblem::NonHex { .. } => "NON_HEX",
            CiphertextProblem::OddLength { .. } => "ODD_LENGTH",
            CiphertextProblem::TooShort { .. } => "TOO_SHORT",
            CiphertextProblem::NotWholeBlocks { .. } => "NOT_WHOLE_BLOCKS",
            CiphertextProblem::TooLong { .. } => "TOO_LONG",
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
            Error::RngFailed => f.write_str("the platform's secure random number generator failed"),
        }
    }
}

// Cipher messages never quote the key's characters: the key is secret even when malformed.
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
            KeyProblem::WrongCount { found } => write!(
                f,
                "a list of keys must hold 1 to {} keys (the newest first), got {found}",
                crate::MAX_KEYS
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
                "the encrypted text has a non-hex character {} at position {position}; {WANT}",
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

/// A character as a reader should see it in a message. Visible ones are quoted (`'g'`), with
/// their code point when not ASCII (`'é' (U+00E9)`); ASCII controls are escaped (`'\n'`); and a
/// character that shows as nothing or as blank space (U+200B, U+FEFF, U+00A0, a combining mark
/// alone, …) is named by its code point only, `U+200B (invisible)`, so the message never shows
/// `''` for a character that is there.
struct Visible(char);

impl fmt::Display for Visible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Visible(c) = *self;
        let code = u32::from(c);
        if c.is_ascii_graphic() {
            write!(f, "'{c}'")
        } else if c.is_ascii() {
            write!(f, "'{}'", c.escape_default())
        } else if is_invisible(c) {
            write!(f, "U+{code:04X} (invisible)")
        } else {
            write!(f, "'{c}' (U+{code:04X})")
        }
    }
}

/// Non-ASCII characters that render as nothing or as blank space: whitespace and controls,
/// Unicode's `Default_Ignorable_Code_Point` and format (`Cf`) characters, combining marks that
/// would attach to the quote, and private-use and noncharacter code points (no glyph).
fn is_invisible(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),    // soft hyphen
        (0x0300, 0x036F),    // combining diacritical marks
        (0x034F, 0x034F),    // combining grapheme joiner
        (0x0600, 0x0605),    // Arabic number signs (Cf)
        (0x061C, 0x061C),    // Arabic letter mark
        (0x06DD, 0x06DD),    // Arabic end of ayah (Cf)
        (0x070F, 0x070F),    // Syriac abbreviation mark (Cf)
        (0x0890, 0x0891),    // Arabic pound/piastre marks (Cf)
        (0x08E2, 0x08E2),    // Arabic disputed end of ayah (Cf)
        (0x115F, 0x1160),    // Hangul fillers
        (0x17B4, 0x17B5),    // Khmer inherent vowels
        (0x180B, 0x180F),    // Mongolian variation selectors and vowel separator
        (0x200B, 0x200F),    // zero-width space, joiners, direction marks
        (0x202A, 0x202E),    // bidirectional embeddings and overrides
        (0x2060, 0x206F),    // word joiner, invisible operators, bidi isolates
        (0x3164, 0x3164),    // Hangul filler
        (0xE000, 0xF8FF),    // private use
        (0xFDD0, 0xFDEF),    // noncharacters
        (0xFE00, 0xFE0F),    // variation selectors
        (0xFEFF, 0xFEFF),    // byte-order mark / zero-width no-break space
        (0xFFA0, 0xFFA0),    // halfwidth Hangul filler
        (0xFFF0, 0xFFFB),    // unassigned specials and interlinear annotation (Cf)
        (0x110BD, 0x110BD),  // Kaithi number sign (Cf)
        (0x110CD, 0x110CD),  // Kaithi number sign above (Cf)
        (0x13430, 0x1343F),  // Egyptian hieroglyph format controls (Cf)
        (0x1BCA0, 0x1BCA3),  // shorthand format controls
        (0x1D173, 0x1D17A),  // musical symbol format controls
        (0xE0000, 0xE0FFF),  // tags and variation selectors supplement
        (0xF0000, 0x10FFFF), // supplementary private use
    ];
    let code = u32::from(c);
    c.is_control()
        || c.is_whitespace()
        || (code & 0xFFFE) == 0xFFFE // U+xxFFFE and U+xxFFFF are noncharacters
        || RANGES
            .iter()
            .any(|&(first, last)| (first..=last).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_characters_so_a_reader_can_see_them() {
        let shown = |c| Visible(c).to_string();
        assert_eq!(shown('g'), "'g'");
        assert_eq!(shown('\n'), "'\\n'");
        assert_eq!(shown(' '), "' '");
        assert_eq!(shown('é'), "'é' (U+00E9)");
        assert_eq!(shown('€'), "'€' (U+20AC)");
        for invisible in [
            '\u{200b}',
            '\u{feff}',
            '\u{a0}',
            '\u{85}',
            '\u{2028}',
            '\u{202e}',
            '\u{301}',
            '\u{ad}',
            '\u{2060}',
            '\u{fe0f}',
            '\u{e0041}',
            '\u{e000}',
            '\u{ffff}',
            '\u{3000}',
        ] {
            let text = shown(invisible);
            assert!(
                text.starts_with("U+") && text.ends_with("(invisible)"),
                "{text}"
            );
            assert!(!text.contains(invisible), "{text}");
        }
    }

    #[test]
    fn every_problem_has_a_distinct_reason() {
        let key = [
            KeyProblem::Empty,
            KeyProblem::WrongLength { found: 1 },
            KeyProblem::LooksBase64 { found: 1 },
            KeyProblem::NonHex { position: 1 },
            KeyProblem::ArgumentsSwapped,
            KeyProblem::WrongCount { found: 0 },
        ]
        .map(|problem| problem.reason());
        let ciphertext = [
            CiphertextProblem::Empty,
            CiphertextProblem::LooksLikeEnvelope,
            CiphertextProblem::LooksBase64,
            CiphertextProblem::NonHex {
                position: 1,
                found: 'x',
            },
            CiphertextProblem::OddLength { found: 1 },
            CiphertextProblem::TooShort { found: 1 },
            CiphertextProblem::NotWholeBlocks {
                ciphertext_bytes: 1,
            },
            CiphertextProblem::TooLong { found: 1 },
        ]
        .map(|problem| problem.reason());
        for reasons in [&key[..], &ciphertext[..]] {
            let distinct: std::collections::BTreeSet<_> = reasons.iter().collect();
            assert_eq!(distinct.len(), reasons.len(), "{reasons:?}");
        }
        assert_eq!(Error::DecryptFailed.reason(), None);
    }
}
