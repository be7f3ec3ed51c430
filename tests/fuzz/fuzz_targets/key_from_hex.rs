//! Any string as a key: a `Key` or a typed `InvalidKey`, never a panic, never key text in the message.
#![no_main]
use allpass_crypto::{Error, Key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match Key::from_hex(text) {
        Ok(key) => assert_eq!(format!("{key:?}"), "Key { .. }"),
        Err(error @ Error::InvalidKey(_)) => {
            let message = error.to_string();
            let trimmed = text.trim();
            assert!(trimmed.len() < 8 || !message.contains(trimmed), "message quotes the key: {message}");
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});
