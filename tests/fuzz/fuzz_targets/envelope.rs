//! Any bytes as a webhook body: an `Envelope` or `InvalidJson` / `InvalidEnvelope`, never a
//! panic; a parsed envelope re-serialises to an equal one.
#![no_main]
use allpass_crypto::{Envelope, Error, Key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    match Envelope::from_json(body) {
        Ok(envelope) => {
            assert_eq!(Envelope::from_json(&envelope.to_json()).ok(), Some(envelope.clone()));
            let _ = envelope.open(&Key::from_bytes(&[0x42; 32]));
        }
        Err(Error::InvalidJson(_) | Error::InvalidEnvelope(_)) => {}
        Err(other) => panic!("unexpected error: {other:?}"),
    }
});
