//! The JavaScript API of `allpass-crypto` (the npm package). This crate only converts: JS
//! values to Rust inputs (`args`), Rust results to JS values, and failures to a JS `Error`
//! with a stable `code` (`error`). Behaviour lives in the core crate, which knows nothing of
//! JavaScript.
//!
//! Arguments arrive as `JsValue` so that a wrong type becomes our `INVALID_ARGUMENT` error
//! instead of a wasm-bindgen exception; the TypeScript types still say what is expected.
#![cfg(target_arch = "wasm32")]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
// A panic inside wasm poisons the instance for every later call: the bindings are held to the
// same panic-freedom lints as the core.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::panic_in_result_fn,
        clippy::cast_possible_truncation,
    )
)]

mod args;
#[cfg(feature = "bench")]
mod bench;
mod error;
mod string_copy;
mod text_pieces;

use allpass_crypto::{Cipher, Envelope, Keyring};
use js_sys::JsString;
use wasm_bindgen::prelude::*;

use crate::args::{
    encrypted_arg, envelope_arg, envelope_fields, key_arg, key_text_arg, keyring_arg,
    plaintext_arg, stringify, time_option,
};
use crate::error::{run, Failure};

// The reference lib: wasm-bindgen declares `[Symbol.dispose]()` on classes, which needs
// TypeScript's `esnext.disposable` even in projects that target an older `lib`. Then the types
// the signatures below name. The error types (`AllpassError`, its code and reason unions, which
// span the JavaScript layer too) and the JavaScript layer's declarations live in the package:
// pkg/lib/types.d.cts, re-exported by each entry's .d.mts/.d.cts beside this build's .d.ts.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"/// <reference lib="esnext.disposable" />
/** The vendor's webhook envelope (its `ResponseEntity`). */
export interface WebhookEnvelope { status: boolean; statusCode: number; data: string; time: string }
/**
 * The key: 64 hex characters from the Allpass Integration page, or, while rotating keys, a list
 * of them with the newest first (decryption tries each; encryption uses the first).
 */
export type AllpassKey = string | readonly string[];
/** A decrypted webhook: the envelope with `data` replaced by the decrypted payload. */
export interface Webhook<T = unknown> {
  status: boolean;
  statusCode: number;
  time: string;
  data: T;
  /** Which key of the list decrypted it (0 for a single key): retire a key when no event needs it. */
  keyIndex: number;
}
/** Options of `createWebhook`. */
export interface CreateWebhookOptions { time?: string | Date }
/** The package's settings, as `configure` takes and returns them. */
export interface AllpassSettings {
  /**
   * The longest string argument accepted, in characters (default 16 Mi: an 8 MiB payload; at
   * most 256 Mi). WebAssembly memory never shrinks: one input of N characters leaves the
   * instance about 2.6 N bytes larger for the life of the process.
   */
  maxInputLength: number;
}
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
        Ok(
            allpass_crypto::decrypt_data(&encrypted, &key_text_arg(&key)?)
                .map(|text| text_pieces::js_string(&text))?,
        )
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
        Ok(key_arg(&key)?
            .encrypt(stringify(&data)?.as_bytes())
            .map(|hex| JsString::from(hex.as_str()))?)
    })
}

/// Takes a raw webhook body (the request's text or bytes, or an already-parsed object),
/// checks it is the vendor's envelope, decrypts `data` and parses it as JSON. `key` may be a
/// list (key rotation): the first key whose plaintext is JSON wins, and `keyIndex` says which.
/// Returns `{ status, statusCode, time, data, keyIndex }`. Throws an `AllpassError`.
#[wasm_bindgen(js_name = parseWebhook, unchecked_return_type = "Webhook")]
pub fn parse_webhook(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | WebhookEnvelope")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AllpassKey")] key: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| Ok(open_webhook(&keyring_arg(&key)?, envelope_arg(&body)?)?.0))
}

/// Builds the envelope the vendor would send for `data`: `{ status: true, statusCode: 200,
/// data: encryptData(data, key), time }`, `time` now unless `options.time` is given; with a
/// list of keys, under the first. For tests and the debugging page. Throws an `AllpassError`.
#[wasm_bindgen(js_name = createWebhook, unchecked_return_type = "WebhookEnvelope")]
pub fn create_webhook(
    #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AllpassKey")] key: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CreateWebhookOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| new_webhook(keyring_arg(&key)?.first(), &data, &options))
}

/// A new random key: 64 lowercase hex characters from the platform's secure RNG.
#[wasm_bindgen(js_name = generateKey, unchecked_return_type = "string")]
pub fn generate_key() -> Result<JsString, JsValue> {
    run(|| Ok(Cipher::generate_hex().map(|hex| JsString::from(hex.as_str()))?))
}

/// One key, or several for rotation (the newest first), parsed and expanded once, for many
/// payloads. Its key material is wiped on `free()` (or when the garbage collector reclaims it).
#[wasm_bindgen]
#[derive(Debug)]
pub struct AllpassCipher {
    keys: Keyring,
}

#[wasm_bindgen]
impl AllpassCipher {
    /// Parses `key` (64 hex characters, or a list of them). Throws an `AllpassError` with code
    /// `INVALID_KEY`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "AllpassKey")] key: JsValue,
    ) -> Result<AllpassCipher, JsValue> {
        run(|| {
            Ok(Self {
                keys: keyring_arg(&key)?,
            })
        })
    }

    /// Decrypts `hex(iv) + hex(ciphertext)` to text, as `decryptData`, with the first key:
    /// text cannot tell a right key from a wrong one, so this does not try the others.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn decrypt(
        &self,
        #[wasm_bindgen(js_name = "encryptedTextWithIv", unchecked_param_type = "string")]
        encrypted_text_with_iv: JsValue,
    ) -> Result<JsString, JsValue> {
        run(|| {
            let text = self
                .keys
                .first()
                .decrypt(&encrypted_arg(&encrypted_text_with_iv)?)?;
            Ok(text_pieces::js_string(&text))
        })
    }

    /// Decrypts to the raw plaintext bytes, with the first key, for payloads that are not text
    /// (or not UTF-8): no U+FFFD replacement.
    #[wasm_bindgen(js_name = decryptBytes, unchecked_return_type = "Uint8Array")]
    pub fn decrypt_bytes(
        &self,
        #[wasm_bindgen(js_name = "encryptedTextWithIv", unchecked_param_type = "string")]
        encrypted_text_with_iv: JsValue,
    ) -> Result<js_sys::Uint8Array, JsValue> {
        run(|| {
            let bytes = self
                .keys
                .first()
                .decrypt_to_bytes(&encrypted_arg(&encrypted_text_with_iv)?)?;
            Ok(js_sys::Uint8Array::from(bytes.as_slice()))
        })
    }

    /// Decrypts and `JSON.parse`s the payload, under the first key whose plaintext is JSON. A
    /// plaintext that is not JSON is reported as `DECRYPT_FAILED`, like any other failure after
    /// the cipher (see README, Security).
    #[wasm_bindgen(js_name = decryptJson, unchecked_return_type = "unknown")]
    pub fn decrypt_json(
        &self,
        #[wasm_bindgen(js_name = "encryptedTextWithIv", unchecked_param_type = "string")]
        encrypted_text_with_iv: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| {
            let encrypted = encrypted_arg(&encrypted_text_with_iv)?;
            Ok(decrypt_json(&self.keys, &encrypted)?.2)
        })
    }

    /// Encrypts `JSON.stringify(data)` with the first key, as `encryptData`.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn encrypt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
    ) -> Result<JsString, JsValue> {
        run(|| {
            let hex = self.keys.first().encrypt(stringify(&data)?.as_bytes())?;
            Ok(JsString::from(hex.as_str()))
        })
    }

    /// Encrypts a string as is (its UTF-8 bytes), without `JSON.stringify`, with the first key.
    #[wasm_bindgen(js_name = encryptText, unchecked_return_type = "string")]
    pub fn encrypt_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsString, JsValue> {
        run(|| {
            let hex = self
                .keys
                .first()
                .encrypt(plaintext_arg(&text)?.as_bytes())?;
            Ok(JsString::from(hex.as_str()))
        })
    }

    /// `parseWebhook(body, key)` with the keys parsed once.
    #[wasm_bindgen(js_name = parseWebhook, unchecked_return_type = "Webhook")]
    pub fn parse_webhook(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | WebhookEnvelope")]
        body: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| Ok(open_webhook(&self.keys, envelope_arg(&body)?)?.0))
    }

    /// For the package's webhook handler (pkg/lib/webhook-core.mjs), not for applications:
    /// `parseWebhook` of an envelope that the handler's own `JSON.parse` made, read as it is (a
    /// caller's object is first copied through JSON). Returns `[webhook, plaintext]`: the
    /// payload's text, which identifies the event, as decrypted.
    #[wasm_bindgen(js_name = openParsedWebhook, skip_typescript)]
    pub fn open_parsed_webhook(&self, envelope: JsValue) -> Result<js_sys::Array, JsValue> {
        run(|| {
            let (webhook, text) = open_webhook(&self.keys, envelope_fields(&envelope)?)?;
            Ok(js_sys::Array::of2(&webhook, &text))
        })
    }

    /// `createWebhook(data, key, options)` with the first key, parsed once.
    #[wasm_bindgen(js_name = createWebhook, unchecked_return_type = "WebhookEnvelope")]
    pub fn create_webhook(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CreateWebhookOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| new_webhook(self.keys.first(), &data, &options))
    }
}

/// Under the first key whose plaintext parses as JSON: that key's index, the plaintext and its
/// value. A plaintext that is not JSON is `DECRYPT_FAILED`: saying "the padding was fine but the
/// text is not JSON" would be a padding oracle.
fn decrypt_json(keys: &Keyring, encrypted: &str) -> Result<(usize, JsString, JsValue), Failure> {
    let (index, (text, value)) = keys.decrypt_accepted(encrypted, |text| {
        let text = text_pieces::js_string(text);
        text_pieces::parse_json(&text)
            .ok()
            .map(|value| (text, value))
    })?;
    Ok((index, text, value))
}

/// The decrypted webhook (the envelope with `data` replaced by the payload, and `keyIndex`),
/// and the payload's text.
fn open_webhook(keys: &Keyring, envelope: Envelope) -> Result<(JsValue, JsString), Failure> {
    let (key_index, text, data) = decrypt_json(keys, &envelope.data)?;
    let webhook = object(&[
        ("status", envelope.status.into()),
        ("statusCode", envelope.status_code.into()),
        ("time", JsValue::from_str(&envelope.time)),
        ("data", data),
        ("keyIndex", JsValue::from_f64(key_index as f64)),
    ]);
    Ok((webhook, text))
}

fn new_webhook(cipher: &Cipher, data: &JsValue, options: &JsValue) -> Result<JsValue, Failure> {
    let payload_json = stringify(data)?;
    let time = time_option(options)?;
    let envelope = cipher.create_webhook(&payload_json, time)?;
    Ok(object(&[
        ("status", envelope.status.into()),
        ("statusCode", envelope.status_code.into()),
        ("data", JsValue::from_str(&envelope.data)),
        ("time", JsValue::from_str(&envelope.time)),
    ]))
}

/// Reads and changes the package's settings; returns them as they are after the change.
/// `configure()` only reads them.
#[wasm_bindgen(unchecked_return_type = "AllpassSettings")]
pub fn configure(
    #[wasm_bindgen(unchecked_optional_param_type = "Partial<AllpassSettings>")] settings: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        if !(settings.is_undefined() || settings.is_null()) {
            let plain = args::plain_data(&settings, "settings")?;
            let value = js_sys::Reflect::get(&plain, &"maxInputLength".into())
                .unwrap_or(JsValue::UNDEFINED);
            if !value.is_undefined() {
                args::set_max_input_length(input_length(&value)?);
            }
        }
        Ok(object(&[(
            "maxInputLength",
            JsValue::from_f64(args::max_input_length() as f64),
        )]))
    })
}

/// `maxInputLength` as a whole number from 1 to the ceiling.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn input_length(value: &JsValue) -> Result<usize, Failure> {
    let ceiling = args::MAX_INPUT_LENGTH_CEILING;
    match value.as_f64() {
        // Whole and in range, so the cast is exact.
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= ceiling as f64 => Ok(n as usize),
        _ => Err(Failure::argument(
            "WRONG_TYPE",
            format!(
                "`maxInputLength` must be a whole number of characters from 1 to {ceiling} \
                 (the default is {})",
                args::DEFAULT_MAX_INPUT_LENGTH
            ),
        )),
    }
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
