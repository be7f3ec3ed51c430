//! Decrypted text to a JavaScript string.
//!
//! wasm-bindgen decodes a `&str` with one `TextDecoder` call. V8 before version 13 (Node 20 and
//! 22) decodes UTF-8 that contains any non-ASCII character about ten times more slowly than
//! ASCII, for the whole string: a 20 KB JSON payload with one accented name costs ~45 µs instead
//! of ~5 (RESULTS.md, "Levers"). There, long text is decoded in pieces, the all-ASCII stretches
//! apart from the few that hold non-ASCII characters, and joined with `String.prototype.concat`
//! (V8 keeps the join as a rope until it is read). The result is the same string. Everywhere
//! else (newer V8, other engines) one call is faster, and is what happens.

use core::sync::atomic::{AtomicU8, Ordering};

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JavaScript string (js-sys's takes a `&str`).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn parse_json(text: &JsString) -> Result<JsValue, JsValue>;
}

/// Shorter text is decoded in one call whatever the engine: the pieces' calls would cost more.
const MIN_SPLIT_LEN: usize = 1024;
/// The text is looked at in chunks of this many bytes: a chunk is ASCII or it is not.
const CHUNK: usize = 64;
/// At most this many pieces (JS calls); text with more non-ASCII stretches is decoded whole.
const MAX_PIECES: usize = 16;

/// `text` as a JavaScript string.
pub(crate) fn to_js(text: &str) -> JsString {
    if text.len() < MIN_SPLIT_LEN || text.is_ascii() || !slow_non_ascii_decoding() {
        return JsString::from(text);
    }
    match pieces(text) {
        Some((bounds, count)) => join(text, bounds.get(..=count).unwrap_or(&[])),
        None => JsString::from(text),
    }
}

/// Joins the pieces of `text` between consecutive `bounds`, or decodes it whole if a bound is
/// not a char boundary (never, by construction).
fn join(text: &str, bounds: &[usize]) -> JsString {
    let mut out: Option<JsString> = None;
    for pair in bounds.windows(2) {
        let [start, end] = *pair else { continue };
        let Some(piece) = text.get(start..end) else {
            return JsString::from(text);
        };
        let piece = JsString::from(piece);
        out = Some(match out {
            Some(joined) => joined.concat(&piece),
            None => piece,
        });
    }
    out.unwrap_or_else(|| JsString::from(text))
}

/// Where the all-ASCII runs of chunks start and end. A boundary between an ASCII chunk and one
/// that is not always falls between two characters: no byte of a multi-byte character is ASCII.
/// `None` if there would be more than [`MAX_PIECES`] pieces.
fn pieces(text: &str) -> Option<([usize; MAX_PIECES + 1], usize)> {
    let mut bounds = [0usize; MAX_PIECES + 1];
    let mut count = 0usize;
    let mut previous_ascii = None;
    for (index, chunk) in text.as_bytes().chunks(CHUNK).enumerate() {
        let ascii = chunk.is_ascii();
        if previous_ascii.is_some_and(|previous| previous != ascii) {
            count = count.saturating_add(1);
            *bounds.get_mut(count)? = index.checked_mul(CHUNK)?;
        }
        previous_ascii = Some(ascii);
    }
    count = count.saturating_add(1);
    *bounds.get_mut(count)? = text.len();
    Some((bounds, count))
}

const UNKNOWN: u8 = 0;
const SLOW: u8 = 1;
const FAST: u8 = 2;
static DECODER: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether the host is V8 before 13 (`process.versions.v8`; Bun reports one too, but runs
/// JavaScriptCore), found once.
fn slow_non_ascii_decoding() -> bool {
    match DECODER.load(Ordering::Relaxed) {
        SLOW => true,
        FAST => false,
        _ => {
            let slow = v8_major().is_some_and(|major| major < 13);
            DECODER.store(if slow { SLOW } else { FAST }, Ordering::Relaxed);
            slow
        }
    }
}

fn v8_major() -> Option<u32> {
    let versions = property(&property(&js_sys::global().into(), "process")?, "versions")?;
    if property(&versions, "bun").is_some_and(|bun| !bun.is_undefined()) {
        return None;
    }
    property(&versions, "v8")?
        .as_string()?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// `object[name]`, if `object` is an object and reading it does not throw.
fn property(object: &JsValue, name: &str) -> Option<JsValue> {
    if !object.is_object() {
        return None;
    }
    Reflect::get(object, &JsValue::from_str(name)).ok()
}
