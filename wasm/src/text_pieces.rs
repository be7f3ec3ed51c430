//! Decrypted text to a JS string, and to `JSON.parse`, with long ASCII stretches as their own
//! pieces.
//!
//! V8 before 13 (Node 20 and 22) turns UTF-8 into a string about ten times more slowly once the
//! text holds one non-ASCII character: `TextDecoder` (which wasm-bindgen uses), `Buffer#toString`
//! and `utf8Slice` alike (benches/RESULTS.md, "Levers"). A decrypted payload is mostly ASCII, with a few non-ASCII letters in names and addresses, so
//! each long all-ASCII stretch (`LONG_STRETCH` whole blocks of `BLOCK` bytes or more) is decoded
//! as a piece of its own and the pieces are joined with `String#concat` (V8 makes a rope: no
//! copy until it is read).
//!
//! The result is the same string: the text is valid UTF-8 already (`utf8::decode_like_node` in
//! the core replaced what was not), and a cut next to an ASCII byte never splits a character.
//! Text with no such stretch, all-ASCII text included, is decoded whole.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

/// Stretches are found in blocks of this many bytes (`is_ascii` checks a word at a time).
const BLOCK: usize = 64;
/// The fewest all-ASCII blocks in a row worth a piece of their own (1 KiB; at the end of the
/// text the last, partial block counts as one): on Node 20 a piece costs about what decoding a
/// few hundred bytes of non-ASCII-containing text does.
const LONG_STRETCH: usize = 16;

#[wasm_bindgen]
extern "C" {
    /// The host's `JSON.parse` of a JS string (js-sys's takes a Rust `&str`, decoded whole).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn parse_json(text: &JsString) -> Result<JsValue, JsValue>;
}

/// `text` as a JS string, decoded in pieces (see the module's comment).
pub(crate) fn js_string(text: &str) -> JsString {
    let mut joined: Option<JsString> = None;
    let whole_characters = for_each_piece(text, |piece| {
        let piece = JsString::from(piece);
        joined = Some(match joined.take() {
            None => piece,
            Some(joined) => joined.concat(&piece),
        });
    });
    match (whole_characters, joined) {
        (Some(()), Some(joined)) => joined,
        // Empty text has no pieces; a cut inside a character (impossible: every cut is next to
        // an ASCII byte) would decode the text whole rather than cut it short.
        _ => JsString::from(text),
    }
}

/// Calls `piece` with the non-empty slices of `text` to decode one by one, in order, together
/// covering it. `None` if a cut would split a character.
fn for_each_piece(text: &str, mut piece: impl FnMut(&str)) -> Option<()> {
    // Hands out `text[taken..at]`; `text[taken..]` is what is not handed out yet.
    let mut taken = 0;
    let mut cut = |at: usize| {
        if at > taken {
            piece(text.get(taken..at)?);
            taken = at;
        }
        Some(())
    };
    // The last `stretch` blocks before `offset` are all ASCII and start at `stretch_start`.
    let mut stretch_start = 0;
    let mut stretch = 0_usize;
    let mut offset = 0_usize;
    for block in text.as_bytes().chunks(BLOCK) {
        if block.is_ascii() {
            if stretch == 0 {
                stretch_start = offset;
            }
            stretch = stretch.saturating_add(1);
        } else {
            if stretch >= LONG_STRETCH {
                cut(stretch_start)?;
                cut(offset)?;
            }
            stretch = 0;
        }
        offset = offset.saturating_add(block.len());
    }
    if stretch >= LONG_STRETCH {
        cut(stretch_start)?;
    }
    cut(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The pieces as byte ranges of `text`.
    fn pieces(text: &str) -> Vec<(usize, usize)> {
        let mut all = Vec::new();
        let start = |piece: &str| piece.as_ptr() as usize - text.as_ptr() as usize;
        let whole = for_each_piece(text, |piece| {
            all.push((start(piece), start(piece) + piece.len()));
        });
        assert_eq!(whole, Some(()));
        all
    }

    #[wasm_bindgen_test]
    fn short_or_all_ascii_text_is_one_piece_and_empty_text_none() {
        assert_eq!(pieces(""), []);
        assert_eq!(pieces("é"), [(0, 2)]);
        let ascii = "x".repeat(5000);
        assert_eq!(pieces(&ascii), [(0, 5000)]);
        // Non-ASCII everywhere: no stretch is long enough.
        let mixed = "é".repeat(3000);
        assert_eq!(pieces(&mixed), [(0, 6000)]);
    }

    #[wasm_bindgen_test]
    fn a_stretch_needs_sixteen_whole_ascii_blocks() {
        // "é" ends block 0; blocks 1..=15 (15 blocks) or 1..=16 (16) are ASCII; "€" follows.
        let short = format!("é{}€", "x".repeat(62 + 15 * 64));
        assert_eq!(pieces(&short), [(0, short.len())]);
        let long = format!("é{}€", "x".repeat(62 + 16 * 64));
        assert_eq!(
            pieces(&long),
            [(0, 64), (64, 64 + 16 * 64), (64 + 16 * 64, long.len())]
        );
    }

    #[wasm_bindgen_test]
    fn stretches_at_the_start_the_end_and_between() {
        let start = format!("{}ü{}", "a".repeat(16 * 64), "b".repeat(10));
        assert_eq!(pieces(&start), [(0, 1024), (1024, start.len())]);
        // At the end, a partial last block counts: 15 whole blocks and 10 bytes.
        let end = format!("ü{}", "a".repeat(62 + 15 * 64 + 10));
        assert_eq!(pieces(&end), [(0, 64), (64, end.len())]);
        // Two stretches, each cut at its blocks' edges: 20 blocks, then 16.
        let between = format!(
            "😀{}😀{}😀",
            "a".repeat(60 + 20 * 64),
            "b".repeat(60 + 16 * 64)
        );
        let (first_end, second_start) = (64 + 20 * 64, 64 + 21 * 64);
        let second_end = second_start + 16 * 64;
        assert_eq!(
            pieces(&between),
            [
                (0, 64),
                (64, first_end),
                (first_end, second_start),
                (second_start, second_end),
                (second_end, between.len())
            ]
        );
    }

    #[wasm_bindgen_test]
    fn every_cut_is_a_character_boundary_and_the_pieces_cover_the_text() {
        for lead in 0..130 {
            for gap in [1000, 1023, 1024, 1025, 1100, 2100] {
                let text = format!(
                    "{}é{}😀{}€",
                    "x".repeat(lead),
                    "y".repeat(gap),
                    "z".repeat(gap)
                );
                let all = pieces(&text);
                let mut at = 0;
                for &(start, end) in &all {
                    assert_eq!(start, at);
                    assert!(start < end && text.is_char_boundary(end));
                    at = end;
                }
                assert_eq!(at, text.len());
                assert_eq!(String::from(js_string(&text)), text);
            }
        }
    }
}
