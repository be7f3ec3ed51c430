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
        let value: serde_json::Value =
            serde_json::from_str(body).map_err(|error| not_json(body, &error.to_string()))?;
        serde_json::from_value(value).map_err(|error| Error::InvalidEnvelope(error.to_string()))
    }

    /// The envelope as JSON text, fields in the vendor's order.
    #[cfg(feature = "json")]
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising four plain fields cannot fail; the fallback only keeps this panic-free.
        serde_json::to_string(self).unwrap_or_default()
    }
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
        let bare = Envelope::from_json("00aa")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(bare.contains("bare encrypted `data`"), "{bare}");
    }
}
