//! Any string as the encrypted payload, and as the key argument of `decrypt_data`: a result or
//! one of the documented errors, never a panic; padding failures always carry the one message.
#![no_main]
use allpass_crypto::{decrypt_data, Error, Cipher, DECRYPT_FAILED_MESSAGE};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

fuzz_target!(|input: (&str, &str)| {
    let (encrypted, key_text) = input;
    let key = Cipher::from_hex(KEY).expect("fixed key");
    match key.decrypt(encrypted) {
        Ok(_) | Err(Error::InvalidCiphertext(_)) => {}
        Err(Error::DecryptFailed) => {}
        Err(other) => panic!("unexpected error: {other:?}"),
    }
    if let Err(error) = decrypt_data(encrypted, key_text) {
        assert!(matches!(error, Error::InvalidKey(_) | Error::InvalidCiphertext(_) | Error::DecryptFailed));
        if error == Error::DecryptFailed {
            assert_eq!(error.to_string(), DECRYPT_FAILED_MESSAGE);
        }
    }
});
