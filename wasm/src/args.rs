//! Reading the caller's JavaScript values into Rust, within the size limit.
//!
//! Every value here comes from the caller and may be hostile: a Proxy whose traps throw, a
//! getter that throws, a revoked Proxy. A JS exception unwinding through wasm frames would skip
//! Rust's clean-up (borrow flags, the shadow stack), so user values are only ever touched by
//! `typeof`, `instanceof` (guarded by wasm-bindgen), and js-sys calls marked `catch`:
//! `JSON.stringify`, `JSON.parse`, `Reflect.get` and `Reflect.construct`.
//!
//! Sizes are checked before anything is copied into wasm memory. WebAssembly memory only grows:
//! after one call with an input of N characters the instance keeps about 2.6 N bytes for the
//! life of the process (tests/node/memory.test.mjs measures it), so the default limit is sized for webhooks and API payloads, not for
//! the 4 GiB wasm32 could address (`configure({ maxInputLength })` raises it).

use core::sync::atomic::{AtomicUsize, Ordering};

use allpass_crypto::{
    Cipher, Envelope, Error, Field, KeyProblem, Keyring, MAX_ENCRYPTED_HEX_LEN, MAX_KEYS,
};
use js_sys::{JsString, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use crate::error::Failure;
use crate::string_copy::{copy_string, Content};
use crate::text_pieces::{js_string, parse_json};

/// The default for the longest string argument, in characters: 16 Mi, an 8 MiB payload.
pub(crate) const DEFAULT_MAX_INPUT_LENGTH: usize = 16 * 1024 * 1024;
/// What `configure` accepts at most: the core's own bound (a 128 MiB payload).
pub(crate) const MAX_INPUT_LENGTH_CEILING: usize = MAX_ENCRYPTED_HEX_LEN;
/// Room around a maximal payload for the rest of a webhook body.
const ENVELOPE_ALLOWANCE: usize = 64 * 1024;

static MAX_INPUT_LENGTH: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_INPUT_LENGTH);

pub(crate) fn max_input_length() -> usize {
    MAX_INPUT_LENGTH.load(Ordering::Relaxed)
}

pub(crate) fn set_max_input_length(characters: usize) {
    MAX_INPUT_LENGTH.store(characters, Ordering::Relaxed);
}

/// The longest encrypted string or key argument.
fn encrypted_limit() -> usize {
    max_input_length()
}

/// The longest webhook body: a maximal payload and the envelope around it.
fn body_limit() -> usize {
    max_input_length().saturating_add(ENVELOPE_ALLOWANCE)
}

/// The longest text to encrypt: its hex payload must fit the limit in turn.
fn plaintext_limit() -> usize {
    max_input_length() / 2
}

pub(crate) fn string_arg(
    value: &JsValue,
    name: &str,
    limit: usize,
    content: Content,
) -> Result<String, Failure> {
    let Some(text) = value.dyn_ref::<JsString>() else {
        return Err(Failure::argument(
            "WRONG_TYPE",
            format!("`{name}` must be a string, got {}", describe(value)),
        ));
    };
    check_len(name, text.length() as usize, limit, "characters")?;
    Ok(copy_string(text, content))
}

fn check_len(name: &str, len: usize, limit: usize, unit: &str) -> Result<(), Failure> {
    if len > limit {
        return Err(Failure::argument(
            "TOO_LONG",
            format!(
                "`{name}` is {len} {unit}, over the limit of {limit}; \
                 raise it with configure({{ maxInputLength }}) if you expect inputs this large"
            ),
        ));
    }
    Ok(())
}

/// The key's text, wiped from wasm memory when dropped.
pub(crate) fn key_text_arg(value: &JsValue) -> Result<Zeroizing<String>, Failure> {
    string_arg(value, "key", encrypted_limit(), Content::Ascii).map(Zeroizing::new)
}

pub(crate) fn key_arg(value: &JsValue) -> Result<Cipher, Failure> {
    Ok(Cipher::from_hex(&key_text_arg(value)?)?)
}

/// `key: string | string[]`: one key, or several for rotation (the newest first).
pub(crate) fn keyring_arg(value: &JsValue) -> Result<Keyring, Failure> {
    if !value.is_instance_of::<js_sys::Array>() {
        return Ok(Keyring::from(key_arg(value)?));
    }
    // Read only through `Reflect.get` (guarded): the array may be a Proxy whose traps throw.
    let unreadable =
        |what: String| Failure::argument("UNREADABLE", format!("`{what}` cannot be read"));
    let length = js_sys::Reflect::get(value, &"length".into())
        .ok()
        .and_then(|length| length.as_f64())
        .ok_or_else(|| unreadable("key.length".into()))?;
    // `length` of an array is a whole number below 2^32.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let found = length as usize;
    if found == 0 || found > MAX_KEYS {
        return Err(Error::InvalidKey(KeyProblem::WrongCount { found }).into());
    }
    let key_at = |index: usize| {
        let element = js_sys::Reflect::get(value, &JsValue::from_f64(index as f64))
            .map_err(|_| unreadable(format!("key[{index}]")))?;
        match key_arg(&element) {
            Err(Failure::Core(error)) => Err(Failure::InKeyList { index, error }),
            other => other,
        }
    };
    let first = key_at(0)?;
    // Sized once: a vector that grows would leave copies of round keys in freed memory.
    let mut rest = Vec::with_capacity(found.saturating_sub(1));
    for index in 1..found {
        rest.push(key_at(index)?);
    }
    Ok(Keyring::new(first, rest)?)
}

pub(crate) fn encrypted_arg(value: &JsValue) -> Result<String, Failure> {
    string_arg(
        value,
        "encryptedTextWithIv",
        encrypted_limit(),
        Content::Ascii,
    )
}

pub(crate) fn plaintext_arg(value: &JsValue) -> Result<String, Failure> {
    string_arg(value, "text", plaintext_limit(), Content::Text)
}

/// `JSON.stringify(data)` by the host itself, so `toJSON`, `undefined`, `-0`, dates and
/// lone surrogates come out exactly as in the vendor's code.
pub(crate) fn stringify(data: &JsValue) -> Result<String, Failure> {
    let json = JSON::stringify(data).map_err(|thrown| {
        Failure::argument(
            "NOT_SERIALIZABLE",
            format!(
                "`data` cannot be serialised by JSON.stringify: {}",
                message_of(&thrown)
            ),
        )
    })?;
    if json.is_undefined() {
        return Err(Failure::argument(
            "NOT_SERIALIZABLE",
            format!(
                "`data` is {}, which JSON.stringify turns into nothing; \
                 pass an object, array, string, number, boolean or null",
                describe(data)
            ),
        ));
    }
    check_len(
        "JSON.stringify(data)",
        json.length() as usize,
        plaintext_limit(),
        "characters",
    )?;
    Ok(copy_string(&json, Content::Text))
}

/// A caller's object as plain data (`JSON.parse(JSON.stringify(value))`): getters and Proxy
/// traps run once, inside the host's guarded `JSON.stringify`, and never again.
pub(crate) fn plain_data(value: &JsValue, name: &str) -> Result<JsValue, Failure> {
    let unreadable = |thrown: JsValue| {
        Failure::argument(
            "UNREADABLE",
            format!("`{name}` cannot be read: {}", message_of(&thrown)),
        )
    };
    let json = JSON::stringify(value).map_err(unreadable)?;
    if json.is_undefined() {
        return Ok(JsValue::UNDEFINED);
    }
    check_len(
        name,
        json.length() as usize,
        body_limit(),
        "characters of JSON",
    )?;
    parse_json(&json).map_err(unreadable)
}

/// The webhook body as the vendor's envelope: from the raw text or bytes, or from the object a
/// body parser already made.
pub(crate) fn envelope_arg(body: &JsValue) -> Result<Envelope, Failure> {
    let parsed = if body.is_instance_of::<Uint8Array>() {
        parse_body(&String::from_utf8(copy_bytes(body)?).map_err(|_| {
            Failure::Core(Error::InvalidJson(
                "the webhook body is not UTF-8 text".into(),
            ))
        })?)?
    } else if body.is_string() {
        parse_body(&string_arg(body, "body", body_limit(), Content::Ascii)?)?
    } else if body.is_object() {
        plain_data(body, "body")?
    } else if body.is_undefined() || body.is_null() {
        return Err(Failure::argument(
            "NO_BODY",
            format!(
                "`body` is {}: no request body reached this call. Pass the raw body: in Express \
                 use express.text({{ type: '*/*' }}) or express.raw() on this route, in Fastify \
                 read request.body with a content-type parser, in Next.js await request.text()",
                describe(body)
            ),
        ));
    } else {
        return Err(Failure::argument(
            "WRONG_TYPE",
            format!(
                "`body` must be the raw request body (string or Uint8Array) or its parsed \
                 object, got {}",
                describe(body)
            ),
        ));
    };
    envelope_fields(&parsed)
}

/// The envelope's four fields from a parsed body: plain data (the host's `JSON.parse` made it,
/// here or in the package's handler), read with `Reflect.get` (guarded). A string over the
/// body's limit is not copied (a caller's whole body was checked already; the handler's own
/// parse was not).
pub(crate) fn envelope_fields(parsed: &JsValue) -> Result<Envelope, Failure> {
    if !parsed.is_object() || parsed.is_instance_of::<js_sys::Array>() {
        return Err(Error::not_an_object(&describe(parsed)).into());
    }
    Ok(Envelope::from_fields(|name| {
        let value = js_sys::Reflect::get(parsed, &name.into()).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() {
            Field::Missing
        } else if let Some(flag) = value.as_bool() {
            Field::Bool(flag)
        } else if let Some(number) = value.as_f64() {
            Field::Number(number)
        } else if let Some(text) = value.dyn_ref::<JsString>() {
            if text.length() as usize > body_limit() {
                Field::Other("a string over the length limit (configure({ maxInputLength }))")
            } else {
                Field::Text(copy_string(text, Content::Ascii))
            }
        } else if value.is_null() {
            Field::Other("null")
        } else if value.is_instance_of::<js_sys::Array>() {
            Field::Other("an array")
        } else {
            Field::Other("an object")
        }
    })?)
}

/// The bytes of a `Uint8Array` (or `Buffer`), copied through `new Uint8Array(value)` so that a
/// subclass or Proxy cannot run code while wasm reads it.
fn copy_bytes(value: &JsValue) -> Result<Vec<u8>, Failure> {
    let unreadable = |thrown: JsValue| {
        Failure::argument(
            "UNREADABLE",
            format!("`body` cannot be read: {}", message_of(&thrown)),
        )
    };
    let copy: Uint8Array = js_sys::Reflect::construct(
        &Uint8Array::new_with_length(0).constructor(),
        &js_sys::Array::of1(value),
    )
    .map_err(unreadable)?
    .unchecked_into();
    check_len("body", copy.length() as usize, body_limit(), "bytes")?;
    Ok(copy.to_vec())
}

fn parse_body(text: &str) -> Result<JsValue, Failure> {
    parse_json(&js_string(text))
        .map_err(|thrown| Error::not_json(text, &message_of(&thrown)).into())
}

/// `options.time` of `createWebhook`: a string, or a `Date` (its ISO string); now by default.
pub(crate) fn time_option(options: &JsValue) -> Result<String, Failure> {
    if options.is_undefined() || options.is_null() {
        return Ok(now());
    }
    if !options.is_object() {
        return Err(Failure::argument(
            "WRONG_TYPE",
            format!("`options` must be an object, got {}", describe(options)),
        ));
    }
    // A Date in `time` becomes its ISO string here (Date.prototype.toJSON), an invalid one null.
    let time = js_sys::Reflect::get(&plain_data(options, "options")?, &"time".into())
        .unwrap_or(JsValue::UNDEFINED);
    if time.is_undefined() {
        return Ok(now());
    }
    time.as_string().ok_or_else(|| {
        Failure::argument(
            "WRONG_TYPE",
            format!(
                "`options.time` must be a string or a valid Date, got {}",
                describe(&time)
            ),
        )
    })
}

fn now() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// A value's kind for messages, never its content (it may be a key).
pub(crate) fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_instance_of::<Uint8Array>() {
        "a Uint8Array".into()
    } else if value.is_instance_of::<js_sys::Array>() {
        "an array".into()
    } else {
        let kind = String::from(value.js_typeof().unchecked_into::<JsString>());
        match kind.as_str() {
            "undefined" => kind,
            "object" => "an object".into(),
            _ => format!("a {kind}"),
        }
    }
}

/// The `message` of something thrown, read through `Reflect.get` (a getter may throw too).
fn message_of(thrown: &JsValue) -> String {
    js_sys::Reflect::get(thrown, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| "an exception without a message".into())
}
