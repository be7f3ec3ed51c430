//! Any bytes as a webhook body: an `Envelope` or `InvalidJson` / `InvalidEnvelope`, never a
//! panic; a parsed envelope re-serialises to an equal one; `parse_webhook` gives a webhook or a
//! documented error.
#![no_main]
use allpass_crypto::{Envelope, Error, Cipher};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    match Envelope::from_json(body) {
        Ok(envelope) => {
            assert_eq!(Envelope::from_json(&envelope.to_json()).ok(), Some(envelope.clone()));
            let cipher = Cipher::from_bytes(&[0x42; 32]);
            let _ = cipher.decrypt_webhook(&envelope);
            match cipher.parse_webhook(body) {
                Ok(_) | Err(Error::InvalidCiphertext(_) | Error::DecryptFailed) => {}
                Err(other) => panic!("unexpected error from parse_webhook: {other:?}"),
            }
        }
        Err(Error::InvalidJson(_) | Error::InvalidEnvelope(_)) => {}
        Err(other) => panic!("unexpected error: {other:?}"),
    }
});
