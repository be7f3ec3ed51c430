//! A JS string's UTF-8 bytes, copied into wasm memory by one of the host's native encoders.
//!
//! Everywhere, `TextEncoder.encodeInto` (wasm-bindgen's own copy is a per-character JS loop).
//! In Node and Bun, long strings go through `Buffer.byteLength` and `Buffer#write` instead: for
//! one-byte text with a few non-ASCII letters (a name like "Zoë" in a payload), V8's
//! `encodeInto` is several times slower than `Buffer#write` (simdutf) on Node 20, 22 and 24
//! (benches/RESULTS.md, "Levers"). It is also the very conversion the vendor's `cipher.update(text, 'utf8')` makes, lone surrogates
//! included (each becomes U+FFFD, as with `encodeInto`; tests/node/differential.test.mjs).

use core::sync::atomic::{AtomicBool, Ordering};

use js_sys::JsString;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

/// Text this long or longer is copied with Node's `Buffer` where there is one; below, the
/// extra calls cost more than `encodeInto` loses (benches/RESULTS.md).
const NODE_BUFFER_MIN_UNITS: u32 = 1024;

#[wasm_bindgen]
extern "C" {
    /// The host's `TextEncoder`, a global in every JS runtime.
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(
        this: &TextEncoder,
        source: &JsString,
        destination: &mut [u8],
    ) -> EncodeIntoResult;

    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> u32;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// What a string argument holds, which decides how it is best copied.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Content {
    /// Hex, keys, webhook bodies: ASCII but for rare exceptions. `encodeInto` copies ASCII in
    /// one native pass; Node's `Buffer` would add a `byteLength` pass, a slower decryption.
    Ascii,
    /// Text to encrypt, where non-ASCII letters are common.
    Text,
}

/// A JS string as a Rust `String`, its bytes written straight into wasm memory by the host:
/// several times faster than wasm-bindgen's per-character loop (benches/RESULTS.md). Both
/// encoders write well-formed UTF-8 (a lone surrogate becomes U+FFFD); should a host not, the
/// check below catches it and wasm-bindgen's own conversion is used. Every buffer is ours, so
/// a discarded one, which may hold part of a key, is wiped rather than left to the allocator.
pub(crate) fn copy_string(text: &JsString, content: Content) -> String {
    let long_text = content == Content::Text && text.length() >= NODE_BUFFER_MIN_UNITS;
    let copied = long_text
        .then(|| node_buffer_copy(text))
        .flatten()
        .or_else(|| encode_into_copy(text));
    match copied.map(String::from_utf8) {
        Some(Ok(copied)) => copied,
        Some(Err(invalid)) => {
            invalid.into_bytes().zeroize();
            String::from(text)
        }
        None => String::from(text),
    }
}

/// `text` copied by `encodeInto`. The buffer first assumes ASCII (hex, and most JSON), one
/// byte a UTF-16 unit. When a longer character leaves it short, only the rest of the string
/// is encoded, into room for the most any unit can take, three bytes: text with a few
/// non-ASCII characters (a name like "Zoë") is encoded once, not twice. `None` (the buffers
/// wiped) if the host misbehaves.
fn encode_into_copy(text: &JsString) -> Option<Vec<u8>> {
    let units = text.length();
    let mut bytes = vec![0u8; units as usize];
    let first = ENCODER.with(|encoder| encoder.encode_into(text, &mut bytes));
    let (mut read, mut written) = (first.read(), first.written() as usize);
    if read < units && splits_surrogate_pair(text, read) {
        // The encoding standard has encodeInto stop only between characters; a host that
        // stopped inside a pair would have written U+FFFD for its first half. Start over.
        (read, written) = (0, 0);
    }
    bytes.truncate(written);
    if read < units {
        let left = units.saturating_sub(read);
        let mut grown = vec![0u8; written.saturating_add((left as usize).saturating_mul(3))];
        let Some((head, tail)) = grown.split_at_mut_checked(written) else {
            bytes.zeroize();
            return None;
        };
        head.copy_from_slice(&bytes);
        bytes.zeroize();
        let rest = text.slice(read, units);
        let second = ENCODER.with(|encoder| encoder.encode_into(&rest, tail));
        if second.read() != left {
            grown.zeroize();
            return None;
        }
        grown.truncate(written.saturating_add(second.written() as usize));
        bytes = grown;
    }
    Some(bytes)
}

/// True when unit `at` of `text` is the second half of a surrogate pair that starts at `at - 1`.
fn splits_surrogate_pair(text: &JsString, at: u32) -> bool {
    let unit = |index| text.char_code_at(index);
    at > 0
        && (f64::from(0xdc00)..f64::from(0xe000)).contains(&unit(at))
        && (f64::from(0xd800)..f64::from(0xdc00)).contains(&unit(at.saturating_sub(1)))
}

#[wasm_bindgen]
extern "C" {
    // Node's `Buffer` (Bun's and Deno's too), read as a global at each call: `catch`, because
    // where there is none the call throws (and a replaced one might).
    #[wasm_bindgen(js_namespace = Buffer, js_name = byteLength, catch)]
    fn buffer_byte_length(text: &JsString) -> Result<u32, JsValue>;
    /// `Buffer.prototype.utf8Write.call(target, text)`: what `buffer.write(text)` calls in Node,
    /// Bun and Deno, on a view of wasm memory (it takes any `Uint8Array`). A browser bundle's
    /// `Buffer` polyfill, which encodes in JavaScript, more slowly than `encodeInto`, has no
    /// such method: the call throws there, and `Buffer` is not tried again.
    #[wasm_bindgen(js_namespace = ["Buffer", "prototype", "utf8Write"], js_name = call, catch)]
    fn buffer_utf8_write(target: &mut [u8], text: &JsString) -> Result<u32, JsValue>;
}

/// Set once a `Buffer` call has thrown: this host has no usable Node `Buffer`.
static NO_NODE_BUFFER: AtomicBool = AtomicBool::new(false);

/// `text` as written by Node's `Buffer`, or `None` if there is no such `Buffer` or it
/// disagrees with itself. (Only text to encrypt comes here, never a key: a discarded copy is
/// not wiped, as the plaintext's other copies are not.)
fn node_buffer_copy(text: &JsString) -> Option<Vec<u8>> {
    if NO_NODE_BUFFER.load(Ordering::Relaxed) {
        return None;
    }
    let copied = node_buffer_write(text);
    if copied.is_err() {
        NO_NODE_BUFFER.store(true, Ordering::Relaxed);
    }
    copied.ok().flatten()
}

/// `text` written by `utf8Write` into `Buffer.byteLength(text)` bytes and room for one
/// character more, or `None` if it wrote other than that length. `utf8Write` writes whole
/// characters while they fit, so a length that said too little shows as more bytes written,
/// never as text cut short.
fn node_buffer_write(text: &JsString) -> Result<Option<Vec<u8>>, JsValue> {
    const ONE_MORE_CHARACTER: u32 = 4;
    // UTF-8 takes 1 to 3 bytes a UTF-16 unit: any other length (a replaced `Buffer`) must not
    // size a buffer.
    let units = text.length();
    let expected = buffer_byte_length(text)?;
    if expected < units || expected > units.saturating_mul(3) {
        return Ok(None);
    }
    let mut bytes = vec![0u8; expected.saturating_add(ONE_MORE_CHARACTER) as usize];
    let written = buffer_utf8_write(&mut bytes, text)?;
    bytes.truncate(written as usize);
    Ok((written == expected).then_some(bytes))
}
