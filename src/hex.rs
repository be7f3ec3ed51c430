//! Hex text: trimming, decoding and encoding, and, only when decoding fails, saying why.
//!
//! Two codecs, by what the bytes are. Keys are secret: `decode_secret_into` and
//! `encode_secret` are constant-time (RustCrypto `base16ct`), so their timing says nothing about
//! the key. IVs and ciphertexts are public (they travel in the clear): `decode_public` and
//! `encode_public` use lookup tables indexed by those public bytes, several times faster.
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
pub(crate) fn decode_secret_into(hex: &[u8], out: &mut [u8]) -> Result<(), ()> {
    let expected_len = out.len();
    match base16ct::mixed::decode(hex, out) {
        Ok(decoded) if decoded.len() == expected_len => Ok(()),
        _ => {
            out.zeroize();
            Err(())
        }
    }
}

/// Lowercase hex of a secret, as Node's `toString('hex')` writes it, constant-time, in one
/// buffer of exactly the right size (nothing reallocated, so nothing copied behind a key).
#[cfg(any(test, feature = "getrandom"))]
pub(crate) fn encode_secret(parts: &[&[u8]]) -> String {
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

/// Each byte's value as a hex digit, or `INVALID` (any value with the high bit set).
// Evaluated at compile time: an index out of bounds would fail the build, not panic.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const DIGIT_VALUE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut byte: u8 = 0;
    loop {
        table[byte as usize] = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' => byte - b'A' + 10,
            _ => INVALID,
        };
        if byte == u8::MAX {
            break table;
        }
        byte += 1;
    }
};
const INVALID: u8 = 0x80;

/// Decodes public hex (either case; an even length is the caller's check) without zero-filling
/// the output first. `None` if any character is not a hex digit: the caller then says which.
pub(crate) fn decode_public(hex: &[u8]) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(hex.len() / 2);
    let rest = simd::decode_prefix(hex, &mut bytes)?;
    let value = |digit: u8| {
        DIGIT_VALUE
            .get(usize::from(digit))
            .copied()
            .unwrap_or(INVALID)
    };
    let mut invalid = 0u8;
    bytes.extend(rest.chunks_exact(2).map(|pair| {
        let (high, low) = match *pair {
            [high, low] => (value(high), value(low)),
            _ => (INVALID, INVALID),
        };
        invalid |= high | low;
        high.wrapping_shl(4) | low
    }));
    (invalid & INVALID == 0).then_some(bytes)
}

/// Public hex with WebAssembly SIMD: decoded 32 characters at a time, encoded 16 bytes at a
/// time (a payload travels as twice its size in hex, so hex is a visible part of a call:
/// benches/RESULTS.md, "Levers"). Same results as the tables, which do the rest; any non-hex
/// character makes the whole decode `None`, as there.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use crate::v128::raw::{from_bytes, to_bytes};
    use core::arch::wasm32::{
        u16x8_shl, u16x8_shr, u16x8_splat, u8x16_add, u8x16_all_true, u8x16_lt, u8x16_narrow_i16x8,
        u8x16_shr, u8x16_shuffle, u8x16_splat, u8x16_sub, u8x16_swizzle, v128, v128_and,
        v128_bitselect, v128_or,
    };

    /// Decodes the longest prefix of whole 32-character chunks into `out` and returns the rest,
    /// or `None` if the prefix has a non-hex character.
    pub(super) fn decode_prefix<'a>(hex: &'a [u8], out: &mut Vec<u8>) -> Option<&'a [u8]> {
        let (chunks, _) = hex.as_chunks::<16>();
        let pairs = chunks.chunks_exact(2);
        let done = pairs.len().saturating_mul(32);
        let mut valid = u8x16_splat(0xff);
        for pair in pairs {
            if let [high, low] = pair {
                let (high, high_ok) = digits(high);
                let (low, low_ok) = digits(low);
                valid = v128_and(valid, v128_and(high_ok, low_ok));
                out.extend_from_slice(&to_bytes(u8x16_narrow_i16x8(join(high), join(low))));
            }
        }
        if !u8x16_all_true(valid) {
            return None;
        }
        hex.get(done..)
    }

    /// Encodes the longest prefix of whole 16-byte chunks of `bytes` into `out` (twice as long)
    /// and returns how many bytes that was: each nibble picks its digit from a 16-entry table
    /// by a shuffle, and the high and low digits are interleaved.
    pub(super) fn encode_prefix(bytes: &[u8], out: &mut [u8]) -> usize {
        let digits = from_bytes(*b"0123456789abcdef");
        let (chunks, _) = bytes.as_chunks::<16>();
        let (out_chunks, _) = out.as_chunks_mut::<32>();
        let mut done = 0usize;
        for (chunk, out) in chunks.iter().zip(out_chunks) {
            let chunk = from_bytes(*chunk);
            let high = u8x16_swizzle(digits, u8x16_shr(chunk, 4));
            let low = u8x16_swizzle(digits, v128_and(chunk, u8x16_splat(0x0f)));
            if let ([first, second], []) = out.as_chunks_mut::<16>() {
                *first = to_bytes(u8x16_shuffle::<
                    0,
                    16,
                    1,
                    17,
                    2,
                    18,
                    3,
                    19,
                    4,
                    20,
                    5,
                    21,
                    6,
                    22,
                    7,
                    23,
                >(high, low));
                *second = to_bytes(u8x16_shuffle::<
                    8,
                    24,
                    9,
                    25,
                    10,
                    26,
                    11,
                    27,
                    12,
                    28,
                    13,
                    29,
                    14,
                    30,
                    15,
                    31,
                >(high, low));
            }
            done = done.saturating_add(16);
        }
        done
    }

    /// The value of each of 16 hex characters, and 0xff in each lane that was a hex digit.
    #[inline(always)]
    fn digits(text: &[u8; 16]) -> (v128, v128) {
        let text = from_bytes(*text);
        let digit = u8x16_sub(text, u8x16_splat(b'0'));
        let is_digit = u8x16_lt(digit, u8x16_splat(10));
        // `| 0x20` lowercases letters (and maps no other character onto a-f).
        let letter = u8x16_sub(v128_or(text, u8x16_splat(0x20)), u8x16_splat(b'a'));
        let is_letter = u8x16_lt(letter, u8x16_splat(6));
        let value = v128_bitselect(digit, u8x16_add(letter, u8x16_splat(10)), is_digit);
        (value, v128_or(is_digit, is_letter))
    }

    /// Pairs of digit values (high, low) as 16-bit lanes to `high << 4 | low` in each lane's
    /// low byte, high byte cleared (ready for the narrowing to bytes).
    #[inline(always)]
    fn join(values: v128) -> v128 {
        let joined = v128_or(u16x8_shl(values, 4), u16x8_shr(values, 8));
        v128_and(joined, u16x8_splat(0x00ff))
    }
}

/// Without WebAssembly SIMD, the tables decode and encode everything.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod simd {
    #[allow(clippy::unnecessary_wraps)]
    pub(super) fn decode_prefix<'a>(hex: &'a [u8], _: &mut Vec<u8>) -> Option<&'a [u8]> {
        Some(hex)
    }

    pub(super) fn encode_prefix(_: &[u8], _: &mut [u8]) -> usize {
        0
    }
}

/// Lowercase hex of public bytes (IV, ciphertext) laid end to end, as Node's `toString('hex')`
/// writes it, in one exact allocation: 16 bytes a step with WebAssembly SIMD, one table
/// lookup a byte for the rest (and everywhere else).
pub(crate) fn encode_public(parts: &[&[u8]]) -> String {
    let len = parts
        .iter()
        .fold(0usize, |total, part| total.saturating_add(part.len()));
    let mut digits = vec![0u8; len.saturating_mul(2)];
    let mut rest = digits.as_mut_slice();
    for part in parts {
        let Some((out, tail)) = rest.split_at_mut_checked(part.len().saturating_mul(2)) else {
            return String::new();
        };
        let done = simd::encode_prefix(part, out);
        let (part, out) = (
            part.get(done..).unwrap_or_default(),
            out.get_mut(done.saturating_mul(2)..).unwrap_or_default(),
        );
        for (pair, &byte) in out.as_chunks_mut::<2>().0.iter_mut().zip(part) {
            *pair = DIGIT_PAIRS
                .get(usize::from(byte))
                .copied()
                .unwrap_or_default();
        }
        rest = tail;
    }
    // Hex digits are ASCII; the fallback (never taken) keeps this free of panics.
    String::from_utf8(digits).unwrap_or_default()
}

/// The two lowercase hex digits of each byte.
// Evaluated at compile time: an index out of bounds would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const DIGIT_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0x0f]];
        byte += 1;
    }
    table
};

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
    // One pass: this runs only on error paths, where small code matters more than speed.
    let mut non_hex = 0_usize;
    let mut has_marks = body.len() < text.len();
    for b in body.bytes() {
        if !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')) {
            return false;
        }
        non_hex = non_hex.saturating_add(usize::from(!b.is_ascii_hexdigit()));
        has_marks |= matches!(b, b'+' | b'/');
    }
    !body.is_empty()
        && text.len().saturating_sub(body.len()) <= 2
        && non_hex > 0
        && (has_marks || non_hex.saturating_mul(4) >= body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_lowercase_like_node() {
        for encode in [encode_secret, encode_public] {
            assert_eq!(encode(&[&[0x00, 0x9f], &[], &[0xff, 0xa0]]), "009fffa0");
        }
    }

    #[test]
    fn both_codecs_agree_on_every_byte_and_reject_the_same_characters() {
        let all: Vec<u8> = (0..=255).collect();
        let hex = encode_public(&[&all]);
        assert_eq!(hex, encode_secret(&[&all]));
        assert_eq!(decode_public(hex.as_bytes()), Some(all.clone()));
        assert_eq!(decode_public(hex.to_uppercase().as_bytes()), Some(all));
        for c in 0..=255u8 {
            let text = [b'a', c];
            let mut out = [0u8; 1];
            assert_eq!(
                decode_public(&text).is_some(),
                decode_secret_into(&text, &mut out).is_ok(),
                "character {c:#04x}"
            );
        }
    }

    #[test]
    fn decodes_both_cases_and_rejects_bad_digits() {
        let mut out = [0u8; 2];
        assert_eq!(decode_secret_into(b"aBcD", &mut out), Ok(()));
        assert_eq!(out, [0xab, 0xcd]);
        assert_eq!(decode_secret_into(b"abcg", &mut out), Err(()));
        assert_eq!(
            out,
            [0, 0],
            "a failed decode leaves no partial bytes behind"
        );
        assert_eq!(decode_secret_into(b"abc", &mut out), Err(()));
    }

    /// Hex by its definition, for comparing: `None` on any non-hex character.
    fn decode_by_definition(hex: &[u8]) -> Option<Vec<u8>> {
        hex.chunks_exact(2)
            .map(|pair| u8::from_str_radix(core::str::from_utf8(pair).ok()?, 16).ok())
            .collect()
    }

    /// Long enough for the 32-character SIMD steps of the wasm build (run there by
    /// `make test-rust-wasm`) and their table-decoded rest: every byte value at every position.
    #[test]
    fn public_codec_handles_every_byte_at_every_position_of_long_input() {
        let base = b"0123456789abcdefABCDEF0123456789fedcba9876543210FEDCBA9876543210a1B2c3";
        for len in [32, 34, 64, 66, 70] {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut hex = base[..len].to_vec();
                    hex[at] = byte;
                    // (`from_str_radix` takes a leading '+': not a hex digit.)
                    let expected = decode_by_definition(&hex).filter(|_| byte != b'+');
                    assert_eq!(decode_public(&hex), expected, "{len} {at} {byte:#04x}");
                }
            }
        }
        // Every byte value in every lane of the 16-byte SIMD encoding steps.
        for shift in 0..16u8 {
            let bytes: Vec<u8> = (0..=255u8).map(|b| b.wrapping_add(shift)).collect();
            let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                encode_public(&[&bytes[..1], &bytes]),
                format!("{}{expected}", &expected[..2])
            );
        }
        for len in 0..100 {
            let bytes: Vec<u8> = (0..len)
                .map(|n| (n as u8).wrapping_mul(151) ^ 0x5a)
                .collect();
            let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(encode_public(&[&bytes]), expected);
            assert_eq!(encode_public(&[&bytes, &bytes]), expected.repeat(2));
        }
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
