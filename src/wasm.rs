//! The JavaScript API. This module only converts: JS values to Rust inputs, Rust results to
//! JS values, and [`Error`] to a JS `Error` with a stable `code`. Behaviour lives in the core.
//!
//! Arguments arrive as `JsValue` so that a wrong type becomes our `INVALID_ARGUMENT` error
//! instead of a wasm-bindgen exception; the TypeScript types still say what is expected.

use js_sys::{JsString, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::{Zeroize, Zeroizing};

use crate::envelope::{self, Envelope, Field};
use crate::error::Error;
use crate::framing::MAX_ENCRYPTED_HEX_LEN;
use crate::key::Key;

// Limits checked before anything is copied into wasm memory, so no input can exhaust wasm32's
// 4 GiB (an allocation failure would abort the instance). Worst case, non-ASCII text takes
// three bytes a character; encryption also needs the ciphertext and its hex.
/// Longest encrypted string or key argument, in characters.
const MAX_ENCRYPTED_LEN: usize = MAX_ENCRYPTED_HEX_LEN;
/// Longest webhook body: a maximal payload plus room for the envelope around it.
const MAX_ARGUMENT_LEN: usize = MAX_ENCRYPTED_HEX_LEN + 1024 * 1024;
/// Longest text to encrypt (`JSON.stringify(data)` or `encryptText`), in characters.
const MAX_PLAINTEXT_LEN: usize = MAX_ENCRYPTED_HEX_LEN / 2;

// The reference lib: wasm-bindgen declares `[Symbol.dispose]()` on classes, which needs
// TypeScript's `esnext.disposable` even in projects that target an older `lib`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"/// <reference lib="esnext.disposable" />
/** The stable code on every error this package throws, as `error.code`. */
export type AllpassErrorCode =
  | 'INVALID_KEY' | 'INVALID_CIPHERTEXT' | 'DECRYPT_FAILED' | 'INVALID_JSON'
  | 'INVALID_ENVELOPE' | 'INVALID_ARGUMENT' | 'RNG_FAILED';
/** What every function of this package throws: an `Error` named `AllpassCryptoError`. */
export interface AllpassError extends Error { name: 'AllpassCryptoError'; code: AllpassErrorCode }
/** The vendor's webhook envelope (its `ResponseEntity`). */
export interface WebhookEnvelope { status: boolean; statusCode: number; data: string; time: string }
/** A decrypted webhook: the envelope with `data` replaced by the decrypted payload. */
export interface Webhook<T = unknown> { status: boolean; statusCode: number; time: string; data: T }
/** Options of `createWebhook`. */
export interface CreateWebhookOptions { time?: string | Date }
"#;

/// Decrypts `hex(iv) + hex(ciphertext)` with a 64-hex-character key, exactly as the vendor's
/// `decryptData(encryptedTextWithIv, key)`. Throws an `AllpassError`.
#[wasm_bindgen(js_name = decryptData, unchecked_return_type = "string")]
pub fn decrypt_data(
    #[wasm_bindgen(js_name = "encryptedTextWithIv", unchecked_param_type = "string")]
    encrypted_text_with_iv: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
) -> Result<JsString, JsValue> {
    run(|| {
        let encrypted = encrypted_arg(&encrypted_text_with_iv)?;
        crate::decrypt_data(&encrypted, &key_text_arg(&key)?)
            .map(|text| JsString::from(text.as_str()))
    })
}

/// Encrypts `JSON.stringify(data)` under a random IV, exactly as the vendor's
/// `encryptData(data, key)`; returns `hex(iv) + hex(ciphertext)`. Throws an `AllpassError`.
#[wasm_bindgen(js_name = encryptData, unchecked_return_type = "string")]
pub fn encrypt_data(
    #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
) -> Result<JsString, JsValue> {
    run(|| {
        key_arg(&key)?
            .encrypt(stringify(&data)?.as_bytes())
            .map(|hex| JsString::from(hex.as_str()))
    })
}

/// Takes a raw webhook body (the request's text or bytes, or an already-parsed object),
/// checks it is the vendor's envelope, decrypts `data` and parses it as JSON.
/// Returns `{ status, statusCode, time, data }`. Throws an `AllpassError`.
#[wasm_bindgen(js_name = parseWebhook, unchecked_return_type = "Webhook")]
pub fn parse_webhook(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | WebhookEnvelope")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        let key = key_arg(&key)?;
        let envelope = envelope_arg(&body)?;
        let data = parse_payload(&envelope.open(&key)?)?;
        Ok(object(&[
            ("status", envelope.status.into()),
            ("statusCode", envelope.status_code.into()),
            ("time", JsValue::from_str(&envelope.time)),
            ("data", data),
        ]))
    })
}

/// Builds the envelope the vendor would send for `data`: `{ status: true, statusCode: 200,
/// data: encryptData(data, key), time }`, `time` now unless `options.time` is given.
/// For tests and the debugging page. Throws an `AllpassError`.
#[wasm_bindgen(js_name = createWebhook, unchecked_return_type = "WebhookEnvelope")]
pub fn create_webhook(
    #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CreateWebhookOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        let key = key_arg(&key)?;
        let payload_json = stringify(&data)?;
        let time = time_option(&options)?;
        Envelope::seal(&payload_json, &key, time).map(|envelope| envelope_to_js(&envelope))
    })
}

/// A new random key: 64 lowercase hex characters from the platform's secure RNG.
#[wasm_bindgen(js_name = generateKey, unchecked_return_type = "string")]
pub fn generate_key() -> Result<JsString, JsValue> {
    run(|| Key::generate_hex().map(|hex| JsString::from(hex.as_str())))
}

/// A key parsed and expanded once, for many payloads. Its key material is wiped on `free()`
/// (or when the garbage collector reclaims the object).
#[wasm_bindgen]
#[derive(Debug)]
pub struct AllpassCipher {
    key: Key,
}

#[wasm_bindgen]
impl AllpassCipher {
    /// Parses `key` (64 hex characters). Throws an `AllpassError` with code `INVALID_KEY`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    ) -> Result<AllpassCipher, JsValue> {
        run(|| {
            Ok(Self {
                key: key_arg(&key)?,
            })
        })
    }

    /// Decrypts `hex(iv) + hex(ciphertext)` to text, as `decryptData`.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn decrypt(
        &self,
        #[wasm_bindgen(js_name = "encryptedTextWithIv", unchecked_param_type = "string")]
        encrypted_text_with_iv: JsValue,
    ) -> Result<JsString, JsValue> {
        run(|| {
            self.decrypt_text(&encrypted_text_with_iv)
                .map(|text| JsString::from(text.as_str()))
        })
    }

    /// Decrypts and `JSON.parse`s the payload. A plaintext that is not JSON is reported as
    /// `DECRYPT_FAILED`, like any other failure after the cipher (see README, Security).
    #[wasm_bindgen(js_name = decryptJson, unchecked_return_type = "unknown")]
    pub fn decrypt_json(
        &self,
        #[wasm_bindgen(js_name = "encryptedTextWithIv", unchecked_param_type = "string")]
        encrypted_text_with_iv: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| parse_payload(&self.decrypt_text(&encrypted_text_with_iv)?))
    }

    /// Encrypts `JSON.stringify(data)`, as `encryptData`.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn encrypt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
    ) -> Result<JsString, JsValue> {
        run(|| {
            self.key
                .encrypt(stringify(&data)?.as_bytes())
                .map(|hex| JsString::from(hex.as_str()))
        })
    }

    /// Encrypts a string as is (its UTF-8 bytes), without `JSON.stringify`.
    #[wasm_bindgen(js_name = encryptText, unchecked_return_type = "string")]
    pub fn encrypt_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsString, JsValue> {
        run(|| {
            let text = string_arg(&text, "text", MAX_PLAINTEXT_LEN)?;
            self.key
                .encrypt(text.as_bytes())
                .map(|hex| JsString::from(hex.as_str()))
        })
    }
}

impl AllpassCipher {
    fn decrypt_text(&self, encrypted_text_with_iv: &JsValue) -> Result<String, Error> {
        self.key.decrypt(&encrypted_arg(encrypted_text_with_iv)?)
    }
}

/// Runs a binding body and turns its [`Error`] into the thrown JS `Error`.
fn run<T>(body: impl FnOnce() -> Result<T, Error>) -> Result<T, JsValue> {
    body().map_err(|error| {
        let js = js_sys::Error::new(&error.to_string());
        js.set_name("AllpassCryptoError");
        // Setting a property on a fresh, unfrozen Error cannot fail.
        let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().into());
        js.into()
    })
}

// Every value below comes from the caller and may be hostile: a Proxy whose traps throw, a
// getter that throws, a revoked Proxy. A JS exception unwinding through wasm frames would skip
// Rust's clean-up (borrow flags, the shadow stack), so user values are only ever touched by
// `typeof`, `instanceof` (guarded by wasm-bindgen), and js-sys calls marked `catch`:
// `JSON.stringify`, `JSON.parse`, `Reflect.get` and `Reflect.construct`.

fn string_arg(value: &JsValue, name: &str, limit: usize) -> Result<String, Error> {
    let Some(text) = value.dyn_ref::<JsString>() else {
        return Err(Error::InvalidArgument(format!(
            "`{name}` must be a string, got {}",
            describe(value)
        )));
    };
    check_len(name, text.length() as usize, limit, "characters")?;
    Ok(copy_string(text))
}

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

/// A JS string as a Rust `String`, copied by the host's native `encodeInto` straight into wasm
/// memory: several times faster than wasm-bindgen's per-character loop (benches/RESULTS.md).
/// The first try assumes ASCII (hex, and most JSON), one byte a UTF-16 unit; the second allows
/// the most any unit can take, three bytes. Every buffer is ours, so a discarded one, which may
/// hold part of a key, is wiped rather than left to the allocator.
fn copy_string(text: &JsString) -> String {
    let units = text.length() as usize;
    for capacity in [units, units.saturating_mul(3)] {
        let mut bytes = vec![0u8; capacity];
        let progress = ENCODER.with(|encoder| encoder.encode_into(text, &mut bytes));
        if progress.read() as usize == units {
            bytes.truncate(progress.written() as usize);
            // encodeInto writes well-formed UTF-8 (a lone surrogate becomes U+FFFD).
            match String::from_utf8(bytes) {
                Ok(copy) => return copy,
                Err(invalid) => invalid.into_bytes().zeroize(),
            }
        } else {
            bytes.zeroize();
        }
    }
    String::from(text)
}

fn check_len(name: &str, len: usize, limit: usize, unit: &str) -> Result<(), Error> {
    if len > limit {
        return Err(Error::InvalidArgument(format!(
            "`{name}` is {len} {unit}, over the limit of {limit}"
        )));
    }
    Ok(())
}

/// The key's text, wiped from wasm memory when dropped.
fn key_text_arg(value: &JsValue) -> Result<Zeroizing<String>, Error> {
    string_arg(value, "key", MAX_ENCRYPTED_LEN).map(Zeroizing::new)
}

fn key_arg(value: &JsValue) -> Result<Key, Error> {
    Key::from_hex(&key_text_arg(value)?)
}

fn encrypted_arg(value: &JsValue) -> Result<String, Error> {
    string_arg(value, "encryptedTextWithIv", MAX_ENCRYPTED_LEN)
}

/// `JSON.stringify(data)` by the host itself, so `toJSON`, `undefined`, `-0`, dates and
/// lone surrogates come out exactly as in the vendor's code.
fn stringify(data: &JsValue) -> Result<String, Error> {
    let json = JSON::stringify(data).map_err(|thrown| {
        Error::InvalidArgument(format!(
            "`data` cannot be serialised by JSON.stringify: {}",
            message_of(&thrown)
        ))
    })?;
    if json.is_undefined() {
        return Err(Error::InvalidArgument(format!(
            "`data` is {}, which JSON.stringify turns into nothing; \
             pass an object, array, string, number, boolean or null",
            describe(data)
        )));
    }
    check_len(
        "JSON.stringify(data)",
        json.length() as usize,
        MAX_PLAINTEXT_LEN,
        "characters",
    )?;
    Ok(copy_string(&json))
}

/// A caller's object as plain data (`JSON.parse(JSON.stringify(value))`): getters and Proxy
/// traps run once, inside the host's guarded `JSON.stringify`, and never again.
fn plain_data(value: &JsValue, name: &str) -> Result<JsValue, Error> {
    let json = JSON::stringify(value).map_err(|thrown| {
        Error::InvalidArgument(format!("`{name}` cannot be read: {}", message_of(&thrown)))
    })?;
    if json.is_undefined() {
        return Ok(JsValue::UNDEFINED);
    }
    check_len(
        name,
        json.length() as usize,
        MAX_ARGUMENT_LEN,
        "characters of JSON",
    )?;
    JSON::parse(&String::from(json)).map_err(|thrown| {
        Error::InvalidArgument(format!("`{name}` cannot be read: {}", message_of(&thrown)))
    })
}

/// `JSON.parse` of decrypted text. Any failure is `DECRYPT_FAILED`: saying "the padding was
/// fine but the text is not JSON" would be a padding oracle.
fn parse_payload(text: &str) -> Result<JsValue, Error> {
    JSON::parse(text).map_err(|_| Error::DecryptFailed)
}

fn envelope_arg(body: &JsValue) -> Result<Envelope, Error> {
    let parsed = if body.is_instance_of::<Uint8Array>() {
        parse_body(
            &String::from_utf8(copy_bytes(body)?)
                .map_err(|_| Error::InvalidJson("the webhook body is not UTF-8 text".into()))?,
        )?
    } else if body.is_string() {
        parse_body(&string_arg(body, "body", MAX_ARGUMENT_LEN)?)?
    } else if body.is_object() {
        plain_data(body, "body")?
    } else {
        return Err(Error::InvalidArgument(format!(
            "`body` must be the raw request body (string or Uint8Array) or its parsed object, got {}",
            describe(body)
        )));
    };
    if !parsed.is_object() || parsed.is_instance_of::<js_sys::Array>() {
        return Err(envelope::not_an_object(&describe(&parsed)));
    }
    Envelope::from_fields(|name| {
        let value = js_sys::Reflect::get(&parsed, &name.into()).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() {
            Field::Missing
        } else if let Some(flag) = value.as_bool() {
            Field::Bool(flag)
        } else if let Some(number) = value.as_f64() {
            Field::Number(number)
        } else if let Some(text) = value.as_string() {
            Field::Text(text)
        } else if value.is_null() {
            Field::Other("null")
        } else if value.is_instance_of::<js_sys::Array>() {
            Field::Other("an array")
        } else {
            Field::Other("an object")
        }
    })
}

/// A fresh plain object with these properties, in this order.
fn object(properties: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in properties {
        // Defining a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

fn envelope_to_js(envelope: &Envelope) -> JsValue {
    object(&[
        ("status", envelope.status.into()),
        ("statusCode", envelope.status_code.into()),
        ("data", JsValue::from_str(&envelope.data)),
        ("time", JsValue::from_str(&envelope.time)),
    ])
}

/// The bytes of a `Uint8Array` (or `Buffer`), copied through `new Uint8Array(value)` so that a
/// subclass or Proxy cannot run code while wasm reads it.
fn copy_bytes(value: &JsValue) -> Result<Vec<u8>, Error> {
    let unreadable = |thrown: JsValue| {
        Error::InvalidArgument(format!("`body` cannot be read: {}", message_of(&thrown)))
    };
    let copy: Uint8Array = js_sys::Reflect::construct(
        &Uint8Array::new_with_length(0).constructor(),
        &js_sys::Array::of1(value),
    )
    .map_err(unreadable)?
    .unchecked_into();
    check_len("body", copy.length() as usize, MAX_ARGUMENT_LEN, "bytes")?;
    Ok(copy.to_vec())
}

fn parse_body(text: &str) -> Result<JsValue, Error> {
    JSON::parse(text).map_err(|thrown| envelope::not_json(text, &message_of(&thrown)))
}

fn time_option(options: &JsValue) -> Result<String, Error> {
    if options.is_undefined() || options.is_null() {
        return Ok(now());
    }
    if !options.is_object() {
        return Err(Error::InvalidArgument(format!(
            "`options` must be an object, got {}",
            describe(options)
        )));
    }
    // A Date in `time` becomes its ISO string here (Date.prototype.toJSON), an invalid one null.
    let time = js_sys::Reflect::get(&plain_data(options, "options")?, &"time".into())
        .unwrap_or(JsValue::UNDEFINED);
    if time.is_undefined() {
        return Ok(now());
    }
    time.as_string().ok_or_else(|| {
        Error::InvalidArgument(format!(
            "`options.time` must be a string or a valid Date, got {}",
            describe(&time)
        ))
    })
}

fn now() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// A value's kind for messages, never its content (it may be a key).
fn describe(value: &JsValue) -> String {
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
