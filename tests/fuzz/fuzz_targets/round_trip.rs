//! Any plaintext, key and IV: encrypting then decrypting gives the plaintext back, always.
#![no_main]
use allpass_crypto::Cipher;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: ([u8; 32], [u8; 16], &[u8])| {
    let (key_bytes, iv, plaintext) = input;
    let key = Cipher::from_bytes(&key_bytes);
    let wire = key.encrypt_with_iv(plaintext, &iv);
    assert_eq!(wire.len(), 32 + 2 * (plaintext.len() / 16 + 1) * 16);
    assert_eq!(key.decrypt_to_bytes(&wire).as_deref(), Ok(plaintext));
    assert_eq!(key.decrypt_to_bytes(&wire.to_uppercase()).as_deref(), Ok(plaintext));
    if let Ok(text) = std::str::from_utf8(plaintext) {
        assert_eq!(key.decrypt(&wire).as_deref(), Ok(text));
    }
});
