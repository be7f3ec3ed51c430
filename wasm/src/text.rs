//! Decrypted text to a JS string, and to `JSON.parse`, with long ASCII stretches as their own
//! pieces.
//!
//! V8 before 13 (Node 20 and 22) turns UTF-8 into a string about ten times more slowly once the
//! text holds one non-ASCII character: `TextDecoder` (which wasm-bindgen uses), `Buffer#toString`
//! and `utf8Slice` alike take ~25 µs for 20 KB with one "ë" in it, ~2.5 µs for ASCII. A
//! decrypted payload is mostly ASCII, with a few non-ASCII letters in names and addresses, so
//! each all-ASCII stretch of at least `LONG_STRETCH` bytes is decoded as a piece of its own and
//! the pieces are joined with `String#concat` (V8 makes a rope: no copy until it is read).
//!
//! The result is the same string: the text is valid UTF-8 already (`text::utf8_like_node` in
//! the core replaced what was not), and a cut next to an ASCII byte never splits a character.
//! Text with no such stretch, all-ASCII text included, is decoded whole, as before.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

/// Stretches are found in blocks of this many bytes (`is_ascii` checks a word at a time).
const BLOCK: usize = 64;
/// The shortest all-ASCII stretch worth a piece of its own, in blocks (1 KiB): on Node 20 a
/// piece costs about what decoding a few hundred non-ASCII-containing bytes does.
const LONG_STRETCH: usize = 16;

#[wasm_bindgen]
extern "C" {
    /// The host's `JSON.parse` of a JS string (js-sys's takes a Rust `&str`, decoded whole).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn parse_json(text: &JsString) -> Result<JsValue, JsValue>;
}

/// `text` as a JS string, decoded in pieces (see the module's comment).
pub(crate) fn js_string(text: &str) -> JsString {
    // Every cut is next to an ASCII byte, so `in_pieces` cannot miss a character boundary; if
    // it ever did, the text is decoded whole rather than cut short. Empty text has no pieces.
    in_pieces(text).unwrap_or_else(|| JsString::from(text))
}

fn in_pieces(text: &str) -> Option<JsString> {
    let mut joined = Pieces::default();
    // `text[taken..]` is not yet in `joined`; the last `stretch` blocks before `offset` are all
    // ASCII and start at `stretch_start`.
    let mut taken = 0;
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
                joined.push(text, taken, stretch_start)?;
                joined.push(text, stretch_start, offset)?;
                taken = offset;
            }
            stretch = 0;
        }
        offset = offset.saturating_add(block.len());
    }
    if stretch >= LONG_STRETCH {
        joined.push(text, taken, stretch_start)?;
        taken = stretch_start;
    }
    joined.push(text, taken, text.len())?;
    joined.0
}

/// The pieces decoded so far, joined.
#[derive(Default)]
struct Pieces(Option<JsString>);

impl Pieces {
    /// Appends `text[start..end]` (nothing when it is empty); `None` if that is not a slice of
    /// whole characters.
    fn push(&mut self, text: &str, start: usize, end: usize) -> Option<()> {
        let piece = text.get(start..end)?;
        if piece.is_empty() {
            return Some(());
        }
        let piece = JsString::from(piece);
        self.0 = Some(match self.0.take() {
            None => piece,
            Some(joined) => joined.concat(&piece),
        });
        Some(())
    }
}
