//! Any string as a key: a `Cipher` or a typed `InvalidKey`, never a panic, never key text in the message.
#![no_main]
use allpass_crypto::{Error, Cipher};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match Cipher::from_hex(text) {
        Ok(key) => assert_eq!(format!("{key:?}"), "Cipher { .. }"),
        Err(error @ Error::InvalidKey(_)) => {
            // `KeyProblem` carries only lengths and positions, so no message can quote a key.
            // Checked here on keys that are hex, the realistic case; an arbitrary text can of
            // course spell out the message itself (the seed `regression-message-echo` does).
            let message = error.to_string();
            let trimmed = text.trim();
            if trimmed.len() >= 16 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
                assert!(!message.contains(trimmed), "message quotes the key: {message}");
            }
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});
