//! The vendor's webhook envelope, its `ResponseEntity`:
//! `{ "status": true, "statusCode": 200, "data": "<hex>", "time": "<ISO-8601>" }`.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::hex;
use crate::key::Key;

/// A webhook body as Allpass sends it. `data` is the encrypted payload; nothing in the
/// envelope is authenticated, so `status`, `statusCode` and `time` are only as trustworthy
/// as the channel they came over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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

impl Envelope {
    /// Encrypts `payload_json` (already serialised JSON text) into an envelope stamped `time`,
    /// as the vendor's `new ResponseEntity(encryptData(data, key))` does.
    ///
    /// # Errors
    /// [`Error::RngFailed`] if no random IV can be drawn.
    pub fn seal(payload_json: &str, key: &Key, time: String) -> Result<Self, Error> {
        Ok(Self {
            status: true,
            status_code: 200,
            data: key.encrypt(payload_json.as_bytes())?,
            time,
        })
    }

    /// Decrypts `data` to the payload's JSON text.
    ///
    /// # Errors
    /// As [`Key::decrypt`].
    pub fn open(&self, key: &Key) -> Result<String, Error> {
        key.decrypt(&self.data)
    }

    /// Parses a raw webhook body.
    ///
    /// ```
    /// use allpass_crypto::{Envelope, Key};
    /// let key = Key::from_hex(&Key::generate_hex()?)?;
    /// let sent = Envelope::seal(r#"{"event":"done"}"#, &key, "2021-08-20T14:52:33.648Z".into())?;
    /// let received = Envelope::from_json(&sent.to_json())?;
    /// assert_eq!(received.open(&key)?, r#"{"event":"done"}"#);
    /// # Ok::<(), allpass_crypto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when `body` is not JSON, [`Error::InvalidEnvelope`] when it is
    /// JSON of another shape.
    #[cfg(feature = "json")]
    pub fn from_json(body: &str) -> Result<Self, Error> {
        use serde_json::Value;
        let value: Value =
            serde_json::from_str(body).map_err(|error| not_json(body, &error.to_string()))?;
        let Value::Object(fields) = value else {
            return Err(not_an_object(match value {
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

    /// Checks and takes the four fields, whatever parsed the JSON (serde_json natively, the
    /// host's `JSON.parse` in wasm), so both report a wrong envelope in the same words.
    pub(crate) fn from_fields(mut field: impl FnMut(&'static str) -> Field) -> Result<Self, Error> {
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

/// One envelope field as a JSON parser produced it.
#[derive(Debug)]
pub(crate) enum Field {
    Missing,
    Bool(bool),
    Number(f64),
    Text(String),
    /// Any other JSON value, named for messages ("null", "an array", …).
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

pub(crate) fn not_an_object(found: &str) -> Error {
    Error::InvalidEnvelope(format!("expected a JSON object, got {found}"))
}

/// `number` as a `u16` status code, if it is a whole number in range.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn http_status(number: f64) -> Option<u16> {
    // Whole and in range, so the cast is exact.
    (number.fract() == 0.0 && (0.0..=f64::from(u16::MAX)).contains(&number))
        .then_some(number as u16)
}

/// The error for a body that is not JSON, with a hint when it is the bare `data` string.
pub(crate) fn not_json(body: &str, parser_message: &str) -> Error {
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

#[cfg(all(test, feature = "json"))]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_bytes(&[7; 32])
    }

    #[test]
    fn round_trips_through_json() {
        let sent = Envelope::seal("[1,2]", &key(), "2021-08-20T14:52:33.648Z".into())
            .unwrap_or_else(|e| panic!("{e}"));
        let text = sent.to_json();
        assert!(
            text.starts_with(r#"{"status":true,"statusCode":200,"data":""#),
            "{text}"
        );
        let received = Envelope::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(received, sent);
        assert_eq!(received.open(&key()).ok().as_deref(), Some("[1,2]"));
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
