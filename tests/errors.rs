//! Every error the native API can return, with its stable code, and the padding-oracle rule:
//! all failures after the format checks are one identical error.

use allpass_crypto::{
    decrypt_data, encrypt_text, Cipher, CiphertextProblem, Envelope, Error, KeyProblem,
};

const KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

fn code<T>(result: Result<T, Error>) -> &'static str {
    result.map(|_| ()).unwrap_err().code()
}

fn message<T>(result: Result<T, Error>) -> String {
    result.map(|_| ()).unwrap_err().to_string()
}

fn sealed(plaintext: &str) -> String {
    encrypt_text(plaintext, KEY).expect("encrypts")
}

#[test]
fn invalid_key() {
    let data = sealed(r#"{"a":1}"#);
    assert_eq!(code(decrypt_data(&data, "")), "INVALID_KEY");
    assert!(message(decrypt_data(&data, &KEY[..62])).contains("62 hex characters, expected 64"));
    // A one-block payload is 64 hex characters, like a key: a short key is still a short key.
    let one_block = sealed("{}");
    assert!(message(decrypt_data(&one_block, &KEY[..62])).contains("62 hex characters"));
    assert!(message(decrypt_data(
        &data,
        "YD3rEBXKcb4rc67whX13gR81LAc7YQjXLZgQowkU3/Q="
    ))
    .contains("base64"));
    assert!(message(decrypt_data(&data, &KEY.replace('6', "g"))).contains("position 0"));
}

#[test]
fn swapped_arguments_are_named() {
    let data = sealed(r#"{"verification":"completed","score":0.98}"#);
    assert_eq!(
        decrypt_data(KEY, &data),
        Err(Error::InvalidKey(KeyProblem::ArgumentsSwapped))
    );
    assert!(message(decrypt_data(KEY, &data)).contains("swapped"));
}

#[test]
fn invalid_ciphertext() {
    let data = sealed(r#"{"two":"blocks","of":"text"}"#);
    assert_eq!(code(decrypt_data("", KEY)), "INVALID_CIPHERTEXT");
    assert_eq!(
        decrypt_data(&data[..data.len() - 1], KEY),
        Err(Error::InvalidCiphertext(CiphertextProblem::OddLength {
            found: data.len() - 1
        }))
    );
    assert_eq!(
        decrypt_data(&data[..data.len() - 2], KEY),
        Err(Error::InvalidCiphertext(
            CiphertextProblem::NotWholeBlocks {
                ciphertext_bytes: 31
            }
        ))
    );
    assert!(message(decrypt_data(&format!("{data}x"), KEY))
        .contains("non-hex character 'x' at position 96"));
    assert!(message(decrypt_data(
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        KEY
    ))
    .contains("base64"));
    let body = Cipher::from_hex(KEY)
        .expect("key")
        .create_webhook("{}", "t".into())
        .expect("creates")
        .to_json();
    assert!(message(decrypt_data(&body, KEY)).contains("parseWebhook"));
}

#[test]
fn surrounding_whitespace_is_ignored_inner_whitespace_is_not() {
    let data = sealed("[1]");
    assert_eq!(
        decrypt_data(&format!("\n {data}\r\n"), &format!(" {KEY}\n")),
        Ok("[1]".into())
    );
    let (head, tail) = data.split_at(40);
    assert_eq!(
        code(decrypt_data(&format!("{head} {tail}"), KEY)),
        "INVALID_CIPHERTEXT"
    );
}

#[test]
fn every_failure_after_the_format_checks_is_the_same_error() {
    let data = sealed(r#"{"name":"Ada","document":"passport"}"#);
    let wrong_key = Cipher::from_hex(&"ab".repeat(32)).expect("key");
    let mut seen = std::collections::BTreeSet::new();
    // Flip each bit of the last ciphertext block: most break the padding in a different way.
    let bytes: Vec<u8> = (0..data.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&data[i..i + 2], 16).expect("hex"))
        .collect();
    let last_block = bytes.len() - 16;
    for bit in 0..128 {
        let mut tampered = bytes.clone();
        tampered[last_block + bit / 8] ^= 1 << (bit % 8);
        let hex: String = tampered.iter().map(|b| format!("{b:02x}")).collect();
        if let Err(error) = decrypt_data(&hex, KEY) {
            seen.insert((error.code(), error.to_string()));
        }
    }
    if let Err(error) = wrong_key.decrypt(&data) {
        seen.insert((error.code(), error.to_string()));
    }
    assert_eq!(
        seen.len(),
        1,
        "distinct failures leak information: {seen:?}"
    );
    assert_eq!(
        seen.iter().next().map(|(code, _)| *code),
        Some("DECRYPT_FAILED")
    );
}

#[test]
fn invalid_json_and_invalid_envelope() {
    assert_eq!(code(Envelope::from_json("{")), "INVALID_JSON");
    assert_eq!(
        code(Envelope::from_json(
            r#"{"status":true,"statusCode":200,"time":"x"}"#
        )),
        "INVALID_ENVELOPE"
    );
    assert!(message(Envelope::from_json(
        r#"{"status":true,"statusCode":200,"time":"x"}"#
    ))
    .contains("`data`"));
}

#[test]
fn codes_are_stable() {
    let all = [
        (Error::InvalidKey(KeyProblem::Empty), "INVALID_KEY"),
        (
            Error::InvalidCiphertext(CiphertextProblem::Empty),
            "INVALID_CIPHERTEXT",
        ),
        (Error::DecryptFailed, "DECRYPT_FAILED"),
        (Error::InvalidJson("x".into()), "INVALID_JSON"),
        (Error::InvalidEnvelope("x".into()), "INVALID_ENVELOPE"),
        (Error::RngFailed, "RNG_FAILED"),
    ];
    for (error, code) in all {
        assert_eq!(error.code(), code);
        // Only the public format problems carry a reason; DECRYPT_FAILED never does.
        let format_problem = matches!(error, Error::InvalidKey(_) | Error::InvalidCiphertext(_));
        assert_eq!(error.reason().is_some(), format_problem, "{error:?}");
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let key = Cipher::from_hex(KEY).expect("key");
    let data = key.encrypt(&[b'{', 0xff, 0xc3, b'}']).expect("encrypts");
    assert_eq!(key.decrypt(&data), Ok("{\u{fffd}\u{fffd}}".into()));
}
