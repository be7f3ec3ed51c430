//! The vendor's webhook envelope, its `ResponseEntity`:
//! `{ "status": true, "statusCode": 200, "data": "<hex>", "time": "<ISO-8601>" }`,
//! the decrypted [`Webhook`] made from it, and the methods that make and read one
//! (`Cipher::create_webhook`, `Cipher::decrypt_webhook`, `Cipher::parse_webhook`,
//! `Keyring::parse_webhook`).

use crate::cipher::Cipher;
use crate::error::Error;
use crate::hex;
use crate::keyring::Keyring;

/// A webhook body as Allpass sends it (JavaScript's `WebhookEnvelope`). `data` is the encrypted
/// payload; nothing in the envelope is authenticated, so `status`, `statusCode` and `time` are
/// only as trustworthy as the channel they came over.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct Envelope {
    /// Always `true` in webhooks.
    pub status: bool,
    /// Always `200` in webhooks.
    pub status_code: u16,
    /// `hex(iv) + hex(ciphertext)` of the JSON payload.
    pub data: String,
    /// When the vendor built the envelope, as `Date.prototype.toISOString` writes it.
    pub time: String,
}

/// A decrypted webhook (JavaScript's `Webhook`): the envelope's fields with `data` replaced
/// by the payload's JSON text, for you to deserialise into your own type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// The envelope's `status`.
    pub status: bool,
    /// The envelope's `statusCode`.
    pub status_code: u16,
    /// The envelope's `time`.
    pub time: String,
    /// The decrypted payload, JSON text.
    pub data: String,
    /// Which key of a [`Keyring`] decrypted it (0 for a single [`Cipher`]): when no webhook
    /// needs an old key any more, it can be retired.
    pub key_index: usize,
}

impl Webhook {
    fn new(envelope: Envelope, data: String, key_index: usize) -> Self {
        Self {
            status: envelope.status,
            status_code: envelope.status_code,
            time: envelope.time,
            data,
            key_index,
        }
    }
}

impl Cipher {
    /// The envelope the vendor would send for `payload_json` (already serialised JSON text),
    /// stamped `time`: `new ResponseEntity(encryptData(data, key))` (JavaScript's
    /// `createWebhook`).
    ///
    /// # Errors
    /// [`Error::RngFailed`] if no random IV can be drawn.
    #[cfg(feature = "getrandom")]
    pub fn create_webhook(&self, payload_json: &str, time: String) -> Result<Envelope, Error> {
        Ok(Envelope {
            status: true,
            status_code: 200,
            data: self.encrypt(payload_json.as_bytes())?,
            time,
        })
    }

    /// Decrypts an envelope's `data` to the payload's text. It does not check that the text is
    /// JSON: [`Cipher::parse_webhook`] does, and so does JavaScript's `parseWebhook`.
    ///
    /// # Errors
    /// As [`Cipher::decrypt`].
    pub fn decrypt_webhook(&self, envelope: &Envelope) -> Result<Webhook, Error> {
        let data = self.decrypt(&envelope.data)?;
        Ok(Webhook::new(envelope.clone(), data, 0))
    }

    /// Parses a raw webhook body, checks the envelope, decrypts `data` and checks that it is
    /// JSON (JavaScript's `parseWebhook`).
    ///
    /// ```
    /// use allpass_crypto::Cipher;
    /// let cipher = Cipher::from_hex(&Cipher::generate_hex()?)?;
    /// let sent = cipher.create_webhook(r#"{"event":"done"}"#, "2021-08-20T14:52:33.648Z".into())?;
    /// let received = cipher.parse_webhook(&sent.to_json())?;
    /// assert_eq!(received.data, r#"{"event":"done"}"#);
    /// assert_eq!(received.time, "2021-08-20T14:52:33.648Z");
    /// # Ok::<(), allpass_crypto::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Envelope::from_json`] and [`Cipher::decrypt`]; a payload that is not JSON is
    /// [`Error::DecryptFailed`], like every other failure after the cipher ran.
    #[cfg(feature = "json")]
    pub fn parse_webhook(&self, body: &str) -> Result<Webhook, Error> {
        let webhook = self.decrypt_webhook(&Envelope::from_json(body)?)?;
        if !is_json(&webhook.data) {
            return Err(Error::DecryptFailed);
        }
        Ok(webhook)
    }
}

impl Keyring {
    /// [`Cipher::parse_webhook`] under several keys: the webhook comes from the first key whose
    /// plaintext is JSON, and says which in [`Webhook::key_index`].
    ///
    /// # Errors
    /// As [`Cipher::parse_webhook`]; when no key fits, the one [`Error::DecryptFailed`].
    #[cfg(feature = "json")]
    pub fn parse_webhook(&self, body: &str) -> Result<Webhook, Error> {
        let envelope = Envelope::from_json(body)?;
        let (key_index, data) = self.decrypt_accepted(&envelope.data, |text| {
            is_json(text).then(|| text.to_owned())
        })?;
        Ok(Webhook::new(envelope, data, key_index))
    }
}

#[cfg(feature = "json")]
fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

impl Envelope {
    /// Parses a raw webhook body.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when `body` is not JSON, [`Error::InvalidEnvelope`] when it is
    /// JSON of another shape.
    #[cfg(feature = "json")]
    pub fn from_json(body: &str) -> Result<Self, Error> {
        use serde_json::Value;
        let value: Value = serde_json::from_str(body)
            .map_err(|error| Error::not_json(body, &error.to_string()))?;
        let Value::Object(fields) = value else {
            return Err(Error::not_an_object(match value {
                Value::Array(_) => "an array",
                _ => "a single value",
            }));
        };
        Self::from_fields(|name| match fields.get(name) {
            None => Field::Missing,
            Some(Value::Bool(flag)) => Field::Bool(*flag),
            Some(Value::Number(number)) => number
                .as_f64()
                .map_or(Field::Other("a number"), Field::Number),
            Some(Value::String(text)) => Field::Text(text.clone()),
            Some(Value::Null) => Field::Other("null"),
            Some(Value::Array(_)) => Field::Other("an array"),
            Some(Value::Object(_)) => Field::Other("an object"),
        })
    }

    /// Checks and takes the four fields from a JSON object that another parser produced
    /// (the host's `JSON.parse` in the wasm bindings), so every parser reports a wrong
    /// envelope in the same words. `field(name)` returns the member called `name`.
    ///
    /// # Errors
    /// [`Error::InvalidEnvelope`] naming the first missing or mistyped field.
    pub fn from_fields(mut field: impl FnMut(&'static str) -> Field) -> Result<Self, Error> {
        let status = match field("status") {
            Field::Bool(flag) => flag,
            other => return Err(wrong_field("status", "a boolean", &other)),
        };
        let status_code = match field("statusCode") {
            Field::Number(number) => http_status(number).ok_or_else(|| {
                Error::InvalidEnvelope(
                    "field `statusCode` must be a whole number from 0 to 65535".into(),
                )
            })?,
            other => return Err(wrong_field("statusCode", "a number", &other)),
        };
        let data = match field("data") {
            Field::Text(text) => text,
            other => return Err(wrong_field("data", "a string (the hex payload)", &other)),
        };
        let time = match field("time") {
            Field::Text(text) => text,
            other => return Err(wrong_field("time", "a string (an ISO-8601 time)", &other)),
        };
        Ok(Self {
            status,
            status_code,
            data,
            time,
        })
    }

    /// The envelope as JSON text, fields in the vendor's order.
    #[cfg(feature = "json")]
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising four plain fields cannot fail; the fallback only keeps this panic-free.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One member of a parsed JSON object, as [`Envelope::from_fields`] takes it.
#[derive(Debug)]
pub enum Field {
    /// No member of that name.
    Missing,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// Any other JSON value, named for messages ("null", "an array", "an object").
    Other(&'static str),
}

fn wrong_field(name: &str, wanted: &str, found: &Field) -> Error {
    let found = match found {
        Field::Missing => return Error::InvalidEnvelope(format!("field `{name}` is missing")),
        Field::Bool(_) => "a boolean",
        Field::Number(_) => "a number",
        Field::Text(_) => "a string",
        Field::Other(kind) => kind,
    };
    Error::InvalidEnvelope(format!("field `{name}` must be {wanted}, got {found}"))
}

/// `number` as a `u16` status code, if it is a whole number in range.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn http_status(number: f64) -> Option<u16> {
    // Whole and in range, so the cast is exact.
    (number.fract() == 0.0 && (0.0..=f64::from(u16::MAX)).contains(&number))
        .then_some(number as u16)
}

impl Error {
    /// The error for a webhook body that parsed as JSON but not as an object; `found` says
    /// what it was ("an array", "a single value").
    #[must_use]
    pub fn not_an_object(found: &str) -> Self {
        Error::InvalidEnvelope(format!("expected a JSON object, got {found}"))
    }

    /// The error for a webhook body that is not JSON (`parser_message` is the parser's own),
    /// with a hint when it is the bare `data` string.
    #[must_use]
    pub fn not_json(body: &str, parser_message: &str) -> Self {
        let trimmed = hex::trim(body);
        if !trimmed.is_empty() && hex::first_non_hex(trimmed).is_none() {
            return Error::InvalidJson(
                "this looks like the bare encrypted `data` string, not a webhook body; \
                 decrypt it with decryptData(data, key)"
                    .into(),
            );
        }
        Error::InvalidJson(format!(
            "the webhook body must be the JSON text as received ({parser_message})"
        ))
    }
}

#[cfg(all(test, feature = "json"))]
mod tests {
    use super::*;

    fn cipher() -> Cipher {
        Cipher::from_bytes(&[7; 32])
    }

    #[test]
    fn round_trips_through_json() {
        let sent = cipher()
            .create_webhook("[1,2]", "2021-08-20T14:52:33.648Z".into())
            .unwrap_or_else(|e| panic!("{e}"));
        let text = sent.to_json();
        assert!(
            text.starts_with(r#"{"status":true,"statusCode":200,"data":""#),
            "{text}"
        );
        let received = Envelope::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(received, sent);
        let webhook = cipher()
            .parse_webhook(&text)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(webhook.data, "[1,2]");
        assert_eq!(webhook.time, "2021-08-20T14:52:33.648Z");
        assert_eq!((webhook.status, webhook.status_code), (true, 200));
    }

    #[test]
    fn a_payload_that_is_not_json_is_the_one_decryption_failure() {
        let mut envelope = cipher()
            .create_webhook("[1]", "t".into())
            .unwrap_or_else(|e| panic!("{e}"));
        envelope.data = cipher()
            .encrypt(b"not json")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            cipher().parse_webhook(&envelope.to_json()),
            Err(Error::DecryptFailed)
        );
        assert_eq!(
            cipher().decrypt_webhook(&envelope).map(|w| w.data),
            Ok("not json".into())
        );
    }

    #[test]
    fn a_keyring_opens_webhooks_under_any_of_its_keys_and_says_which() {
        let old = Cipher::from_bytes(&[1; 32]);
        let new = Cipher::from_bytes(&[2; 32]);
        let other = Cipher::from_bytes(&[3; 32]);
        let keyring =
            Keyring::new(new.clone(), vec![old.clone()]).unwrap_or_else(|e| panic!("{e}"));
        for (cipher, index) in [(&new, 0), (&old, 1)] {
            let body = cipher
                .create_webhook(r#"{"id":"a"}"#, "t".into())
                .unwrap_or_else(|e| panic!("{e}"))
                .to_json();
            let webhook = keyring
                .parse_webhook(&body)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                (webhook.key_index, webhook.data.as_str()),
                (index, r#"{"id":"a"}"#)
            );
        }
        let body = other
            .create_webhook("{}", "t".into())
            .unwrap_or_else(|e| panic!("{e}"))
            .to_json();
        assert_eq!(keyring.parse_webhook(&body), Err(Error::DecryptFailed));
        let none: [&str; 0] = [];
        assert_eq!(
            Keyring::from_hex(&none).map(|_| ()),
            Err((
                0,
                Error::InvalidKey(crate::KeyProblem::WrongCount { found: 0 })
            ))
        );
        let sixteen_more = vec![Cipher::from_bytes(&[9; 32]); 16];
        assert_eq!(
            Keyring::new(new, sixteen_more).map(|_| ()),
            Err(Error::InvalidKey(crate::KeyProblem::WrongCount {
                found: 17
            }))
        );
    }

    #[test]
    fn names_the_problem() {
        let code = |body: &str| Envelope::from_json(body).map(|_| ()).unwrap_err().code();
        assert_eq!(code("not json"), "INVALID_JSON");
        assert_eq!(code(r#"{"status":true}"#), "INVALID_ENVELOPE");
        assert_eq!(
            code(r#"{"status":true,"statusCode":200,"data":5,"time":""}"#),
            "INVALID_ENVELOPE"
        );
        assert_eq!(code("[]"), "INVALID_ENVELOPE");
        let message = |body: &str| {
            Envelope::from_json(body)
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        assert!(message(r#"{"status":true,"statusCode":200,"time":"t"}"#)
            .contains("field `data` is missing"));
        assert!(
            message(r#"{"status":true,"statusCode":20.5,"data":"","time":"t"}"#)
                .contains("whole number")
        );
        assert!(
            message(r#"{"status":"yes","statusCode":200,"data":"","time":"t"}"#)
                .contains("field `status` must be a boolean, got a string")
        );
        assert!(message("5").contains("expected a JSON object, got a single value"));
        let bare = Envelope::from_json("00aa")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(bare.contains("bare encrypted `data`"), "{bare}");
    }
}
