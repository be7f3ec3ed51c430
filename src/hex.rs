//! Hex text: trimming, constant-time decoding and, only when decoding fails, saying why.
//!
//! Node's `Buffer.from(s, 'hex')` silently stops at the first bad character. We refuse
//! instead, so a stray character can never turn into a shorter, wrong input.

use zeroize::Zeroize;

/// Trims exactly what JavaScript's `String.prototype.trim` removes (ECMAScript's WhiteSpace and
/// LineTerminator): Unicode `White_Space` without U+0085 (NEL), plus the byte-order mark U+FEFF.
/// Users paste keys and payloads with newlines around them. `tests/node/errors.test.mjs`
/// compares this with the host's own `trim` over every code point.
pub(crate) fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

/// Decodes hex (either case) into `out`, which must be exactly half as long as `hex`.
/// Constant-time in the data (RustCrypto `base16ct`), so it is safe on keys.
pub(crate) fn decode_into(hex: &[u8], out: &mut [u8]) -> Result<(), ()> {
    let expected_len = out.len();
    match base16ct::mixed::decode(hex, out) {
        Ok(decoded) if decoded.len() == expected_len => Ok(()),
        _ => {
            out.zeroize();
            Err(())
        }
    }
}

/// Lowercase hex of `parts` laid end to end, as Node's `toString('hex')` writes it, in one
/// buffer of exactly the right size (nothing reallocated, so nothing copied behind a key).
/// (`base16ct` again: one hex codec is easier to trust.)
pub(crate) fn encode(parts: &[&[u8]]) -> String {
    let len = parts
        .iter()
        .fold(0usize, |total, part| total.saturating_add(part.len()));
    let mut digits = vec![0u8; len.saturating_mul(2)];
    let mut encoded = true;
    let mut rest = digits.as_mut_slice();
    for part in parts {
        let Some((head, tail)) = rest.split_at_mut_checked(part.len().saturating_mul(2)) else {
            encoded = false;
            break;
        };
        encoded &= base16ct::lower::encode(part, head).is_ok();
        rest = tail;
    }
    // Hex digits are ASCII, so this cannot fail; if it ever did, the result is empty and the
    // round-trip tests fail loudly rather than anything panicking.
    match String::from_utf8(digits) {
        Ok(text) if encoded => text,
        _ => String::new(),
    }
}

/// The first character that is not a hex digit, as (character index, character).
/// Only called on inputs that already failed to decode, so branching here leaks nothing new.
pub(crate) fn first_non_hex(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_hexdigit())
}

/// True when every character belongs to a base64 alphabet (standard or URL-safe, with
/// optional `=` padding) and the text has base64's marks: `+`, `/` or `=`, or many letters
/// past `f` (a quarter or more; random base64 has about two thirds). One typo in hex is not it.
pub(crate) fn looks_like_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    let alphabet_ok = !body.is_empty()
        && text.len().saturating_sub(body.len()) <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'));
    let non_hex = body.bytes().filter(|b| !b.is_ascii_hexdigit()).count();
    let has_marks = body.len() < text.len() || body.bytes().any(|b| matches!(b, b'+' | b'/'));
    alphabet_ok && non_hex > 0 && (has_marks || non_hex.saturating_mul(4) >= body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_lowercase_like_node() {
        assert_eq!(encode(&[&[0x00, 0x9f], &[], &[0xff, 0xa0]]), "009fffa0");
    }

    #[test]
    fn decodes_both_cases_and_rejects_bad_digits() {
        let mut out = [0u8; 2];
        assert_eq!(decode_into(b"aBcD", &mut out), Ok(()));
        assert_eq!(out, [0xab, 0xcd]);
        assert_eq!(decode_into(b"abcg", &mut out), Err(()));
        assert_eq!(
            out,
            [0, 0],
            "a failed decode leaves no partial bytes behind"
        );
        assert_eq!(decode_into(b"abc", &mut out), Err(()));
    }

    #[test]
    fn trims_what_javascript_trims() {
        assert_eq!(trim("\u{feff} \t\r\nab\u{a0}\u{2028}"), "ab");
        assert_eq!(
            trim("\u{85}ab\u{85}"),
            "\u{85}ab\u{85}",
            "JavaScript keeps NEL"
        );
    }

    #[test]
    fn tells_base64_from_hex_and_from_garbage() {
        assert!(looks_like_base64("q83vEjRWeJA="));
        assert!(looks_like_base64("q83v-_RWeJA"));
        assert!(!looks_like_base64("abcdef0123"), "pure hex is not base64");
        assert!(
            !looks_like_base64("abc def"),
            "a space is in neither alphabet"
        );
        assert!(!looks_like_base64("===="));
        assert!(
            !looks_like_base64("603deb1015ca71be2b73aef0857d7781x"),
            "a typo in hex is not base64"
        );
    }

    #[test]
    fn finds_the_first_bad_character_by_character_index() {
        assert_eq!(first_non_hex("ab€cz"), Some((2, '€')));
        assert_eq!(first_non_hex("abcdef"), None);
    }
}
