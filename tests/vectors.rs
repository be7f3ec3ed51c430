//! Known-answer tests: Project Wycheproof AES-CBC-PKCS5 (AES-256 group) and NIST SP 800-38A.
//!
//! The Wycheproof file is committed under `tests/data/` with its licence (Apache-2.0,
//! `tests/data/LICENSE-wycheproof`); a missing file fails the test rather than skipping it.

use allpass_crypto::{Cipher, CiphertextProblem, Error, DECRYPT_FAILED_MESSAGE};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Suite {
    #[serde(rename = "testGroups")]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(rename = "keySize")]
    key_size: u32,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    #[serde(rename = "tcId")]
    id: u32,
    key: String,
    iv: String,
    msg: String,
    ct: String,
    result: String,
    flags: Vec<String>,
}

fn wycheproof_aes256_cases() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wycheproof_aes_cbc_pkcs5_test.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let suite: Suite = serde_json::from_str(&text).expect("Wycheproof JSON parses");
    suite
        .groups
        .into_iter()
        .filter(|g| g.key_size == 256)
        .flat_map(|g| g.tests)
        .collect()
}

fn hex_to_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn iv_of(case: &Case) -> [u8; 16] {
    hex_to_bytes(&case.iv).try_into().expect("16-byte IV")
}

#[test]
fn wycheproof_has_the_72_aes256_cases() {
    let cases = wycheproof_aes256_cases();
    assert_eq!(cases.len(), 72);
    assert_eq!(cases.iter().filter(|c| c.result == "valid").count(), 24);
    assert_eq!(cases.iter().filter(|c| c.result == "invalid").count(), 48);
}

#[test]
fn wycheproof_valid_cases_decrypt_to_msg_and_encrypt_to_ct() {
    for case in wycheproof_aes256_cases()
        .iter()
        .filter(|c| c.result == "valid")
    {
        let key = Cipher::from_hex(&case.key).expect("vector key");
        let wire = format!("{}{}", case.iv, case.ct);
        assert_eq!(
            key.decrypt_to_bytes(&wire),
            Ok(hex_to_bytes(&case.msg)),
            "tcId {}",
            case.id
        );
        assert_eq!(
            key.encrypt_with_iv(&hex_to_bytes(&case.msg), &iv_of(case)),
            wire,
            "tcId {}",
            case.id
        );
    }
}

#[test]
fn wycheproof_invalid_cases_are_refused() {
    for case in wycheproof_aes256_cases()
        .iter()
        .filter(|c| c.result == "invalid")
    {
        let key = Cipher::from_hex(&case.key).expect("vector key");
        let result = key.decrypt_to_bytes(&format!("{}{}", case.iv, case.ct));
        if case.flags.iter().any(|f| f == "NoPadding") {
            // An empty ciphertext is a framing fact, reported before any decryption.
            assert_eq!(
                result,
                Err(Error::InvalidCiphertext(CiphertextProblem::TooShort {
                    found: 32
                })),
                "tcId {}",
                case.id
            );
        } else {
            assert_eq!(result, Err(Error::DecryptFailed), "tcId {}", case.id);
            let message = result.map(|_| ()).unwrap_err().to_string();
            assert_eq!(
                message, DECRYPT_FAILED_MESSAGE,
                "one message for every padding failure"
            );
        }
    }
}

/// NIST SP 800-38A, F.2.5 / F.2.6 CBC-AES256 (four blocks, no padding). Our ciphertext for
/// the same plaintext is those four blocks followed by one full block of PKCS#7 padding.
#[test]
fn nist_sp800_38a_cbc_aes256() {
    let key = Cipher::from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
        .expect("key");
    let iv: [u8; 16] = hex_to_bytes("000102030405060708090a0b0c0d0e0f")
        .try_into()
        .expect("iv");
    let plaintext = hex_to_bytes(concat!(
        "6bc1bee22e409f96e93d7e117393172a",
        "ae2d8a571e03ac9c9eb76fac45af8e51",
        "30c81c46a35ce411e5fbc1191a0a52ef",
        "f69f2445df4f9b17ad2b417be66c3710",
    ));
    let ciphertext = concat!(
        "f58c4c04d6e5f1ba779eabfb5f7bfbd6",
        "9cfc4e967edb808d679f777bc6702c7d",
        "39f23369a9d9bacfa530e26304231461",
        "b2eb05e2c39be9fcda6c19078c6a9d1b",
    );
    let wire = key.encrypt_with_iv(&plaintext, &iv);
    assert_eq!(&wire[..32], "000102030405060708090a0b0c0d0e0f");
    assert_eq!(&wire[32..32 + 128], ciphertext);
    assert_eq!(wire.len(), 32 + 128 + 32, "one extra block of padding");
    assert_eq!(key.decrypt_to_bytes(&wire), Ok(plaintext));
}
