//! The wire string: `hex(iv) + hex(ciphertext)`, 32 hex characters of IV first.

use crate::error::{CiphertextProblem, Error};
use crate::hex;

/// Bytes in the IV and in one AES block.
pub const BLOCK_LEN: usize = 16;
const IV_HEX_LEN: usize = 2 * BLOCK_LEN;

/// The longest encrypted string accepted, in characters (128 MiB of ciphertext).
/// Bounds the memory one call can take, well inside wasm32's 4 GiB.
pub const MAX_ENCRYPTED_HEX_LEN: usize = 256 * 1024 * 1024;

/// An encrypted payload split into its parts. The ciphertext is a whole number of blocks.
#[derive(Debug)]
pub(crate) struct Framed {
    pub(crate) iv: [u8; BLOCK_LEN],
    pub(crate) ciphertext: Vec<u8>,
}

/// Splits and decodes `hex(iv) + hex(ciphertext)`, refusing anything Node would only half-read.
pub(crate) fn parse(encrypted: &str) -> Result<Framed, Error> {
    let text = hex::trim(encrypted);
    let invalid = |problem| Err(Error::InvalidCiphertext(problem));
    if text.len() > MAX_ENCRYPTED_HEX_LEN {
        return invalid(CiphertextProblem::TooLong { found: text.len() });
    }
    if text.len() < 2 * IV_HEX_LEN || !text.len().is_multiple_of(2) {
        return invalid(diagnose(text));
    }
    let (iv_hex, ciphertext_hex) = text.as_bytes().split_at(IV_HEX_LEN);
    let decoded = hex::decode_public(iv_hex).and_then(|iv| iv.try_into().ok());
    let (Some(iv), Some(ciphertext)) = (decoded, hex::decode_public(ciphertext_hex)) else {
        return invalid(diagnose(text));
    };
    if !ciphertext.len().is_multiple_of(BLOCK_LEN) {
        return invalid(CiphertextProblem::NotWholeBlocks {
            ciphertext_bytes: ciphertext.len(),
        });
    }
    Ok(Framed { iv, ciphertext })
}

/// True when `text` has the shape of a payload: hex, an IV and whole blocks. Checks the
/// characters without decoding them, because it is run on what may be a misplaced key.
pub(crate) fn looks_like_payload(text: &str) -> bool {
    let text = hex::trim(text);
    text.len() >= 2 * IV_HEX_LEN
        && text
            .len()
            .saturating_sub(IV_HEX_LEN)
            .is_multiple_of(2 * BLOCK_LEN)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes `hex(iv) + hex(ciphertext)` in lowercase, as the reference does.
pub(crate) fn format(iv: &[u8; BLOCK_LEN], ciphertext: &[u8]) -> String {
    hex::encode_public(&[iv, ciphertext])
}

/// Why `text` (trimmed, failed to parse for a reason other than block count) is not a payload.
fn diagnose(text: &str) -> CiphertextProblem {
    if text.is_empty() {
        return CiphertextProblem::Empty;
    }
    if text.starts_with('{') {
        return CiphertextProblem::LooksLikeEnvelope;
    }
    if let Some((position, found)) = hex::first_non_hex(text) {
        return if hex::looks_like_base64(text) {
            CiphertextProblem::LooksBase64
        } else {
            CiphertextProblem::NonHex { position, found }
        };
    }
    if !text.len().is_multiple_of(2) {
        return CiphertextProblem::OddLength { found: text.len() };
    }
    CiphertextProblem::TooShort { found: text.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> CiphertextProblem {
        match parse(text) {
            Err(Error::InvalidCiphertext(problem)) => problem,
            other => panic!("expected InvalidCiphertext for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn splits_iv_from_ciphertext() {
        let text = format!("{}{}", "00".repeat(16), "ab".repeat(32));
        let framed =
            parse(&format!("\n{}\r\n", text.to_uppercase())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(framed.iv, [0u8; 16]);
        assert_eq!(framed.ciphertext, vec![0xab; 32]);
        assert_eq!(format(&framed.iv, &framed.ciphertext), text);
    }

    #[test]
    fn recognises_payload_shapes_without_decoding() {
        let iv = "00".repeat(16);
        assert!(looks_like_payload(&format!("{iv}{}", "ab".repeat(16))));
        assert!(looks_like_payload(&format!(" {iv}{}\n", "AB".repeat(32))));
        assert!(!looks_like_payload(&iv));
        assert!(!looks_like_payload(&format!("{iv}{}", "ab".repeat(15))));
        assert!(!looks_like_payload(&format!("{iv}{}z", "ab".repeat(16))));
    }

    #[test]
    fn says_what_is_wrong() {
        let iv = "00".repeat(16);
        let block = "11".repeat(16);
        assert_eq!(problem(""), CiphertextProblem::Empty);
        assert_eq!(
            problem("{\"data\":\"00\"}"),
            CiphertextProblem::LooksLikeEnvelope
        );
        assert_eq!(problem(&iv), CiphertextProblem::TooShort { found: 32 });
        assert_eq!(
            problem(&format!("{iv}{block}0")),
            CiphertextProblem::OddLength { found: 65 }
        );
        assert_eq!(
            problem(&format!("{iv}{block}0011")),
            CiphertextProblem::NotWholeBlocks {
                ciphertext_bytes: 18
            }
        );
        assert_eq!(
            problem(&format!("{iv}{block}\n{block}")),
            CiphertextProblem::NonHex {
                position: 64,
                found: '\n'
            }
        );
        assert_eq!(
            problem(&format!("{iv}{}zz", &block[..30])),
            CiphertextProblem::NonHex {
                position: 62,
                found: 'z'
            }
        );
        assert_eq!(
            problem("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"),
            CiphertextProblem::LooksBase64
        );
        assert_eq!(
            problem(&"0".repeat(MAX_ENCRYPTED_HEX_LEN + 2)),
            CiphertextProblem::TooLong {
                found: MAX_ENCRYPTED_HEX_LEN + 2
            }
        );
    }
}
