//! Plaintext bytes to a string exactly as Node's `decipher.update(…, 'utf8')` + `final('utf8')`.
//!
//! Node replaces each maximal ill-formed UTF-8 subsequence with one U+FFFD (the WHATWG and
//! Unicode "maximal subpart" practice); `String::from_utf8_lossy` follows the same rule.
//! The differential tests in `tests/node` compare the two on random invalid bytes.

/// Decodes `bytes`, reusing the buffer when it is already valid UTF-8 (the usual case).
pub(crate) fn decode_like_node(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_valid_text() {
        assert_eq!(decode_like_node("héllo 😀".as_bytes().to_vec()), "héllo 😀");
    }

    #[test]
    fn replaces_each_maximal_bad_subsequence_once() {
        // Truncated 4-byte sequence: one replacement. Lone continuation bytes: one each.
        assert_eq!(
            decode_like_node(vec![b'a', 0xf0, 0x9f, 0x98, b'b']),
            "a\u{fffd}b"
        );
        assert_eq!(decode_like_node(vec![0x80, 0x80]), "\u{fffd}\u{fffd}");
        // E0 80 is not a valid prefix: E0 and 80 are replaced separately.
        assert_eq!(
            decode_like_node(vec![0xe0, 0x80, b'c']),
            "\u{fffd}\u{fffd}c"
        );
        // Encoded surrogate: three replacements.
        assert_eq!(
            decode_like_node(vec![0xed, 0xa0, 0x80]),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
    }
}
