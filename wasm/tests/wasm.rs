//! The JavaScript bindings, run inside a real wasm host: `wasm-pack test --node` and, with
//! `WASM_BINDGEN_USE_BROWSER=1`, `wasm-pack test --headless --chrome` over this same file.
#![cfg(target_arch = "wasm32")]

use allpass_crypto::Cipher;
use allpass_crypto_wasm::{
    configure, create_webhook, decrypt_data, encrypt_data, generate_key, parse_webhook,
    AllpassCipher,
};
use js_sys::{Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

fn js(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).expect("stringify").into()
}

/// The thrown value's `code`, checking it is a real `Error` named `AllpassCryptoError`.
fn code_of<T: core::fmt::Debug>(result: Result<T, JsValue>) -> String {
    let thrown = result.expect_err("expected a thrown error");
    property(&thrown, "code").expect("code is a string")
}

/// The thrown value's `reason`, if it has one.
fn reason_of<T: core::fmt::Debug>(result: Result<T, JsValue>) -> Option<String> {
    let thrown = result.expect_err("expected a thrown error");
    property(&thrown, "reason")
}

/// A string property of a thrown `AllpassCryptoError`.
fn property(thrown: &JsValue, name: &str) -> Option<String> {
    let error = thrown
        .dyn_ref::<js_sys::Error>()
        .expect("thrown value is an Error");
    assert_eq!(String::from(error.name()), "AllpassCryptoError");
    assert!(!String::from(error.message()).is_empty());
    Reflect::get(thrown, &js(name))
        .expect("readable")
        .as_string()
}

#[wasm_bindgen_test]
fn decrypts_what_the_core_encrypts_with_a_known_iv() {
    let wire = Cipher::from_hex(KEY)
        .expect("key")
        .encrypt_with_iv(br#"{"ok":true}"#, &[9; 16]);
    assert_eq!(
        String::from(decrypt_data(js(&wire), js(KEY)).expect("decrypts")),
        r#"{"ok":true}"#
    );
    assert_eq!(
        String::from(decrypt_data(js(&wire.to_uppercase()), js(KEY)).expect("uppercase")),
        r#"{"ok":true}"#
    );
}

#[wasm_bindgen_test]
fn encrypt_data_serialises_like_json_stringify() {
    let data = json(r#"{"b":[1,-0.0,"é😀"],"a":null}"#);
    let wire = String::from(encrypt_data(data.clone(), js(KEY)).expect("encrypts"));
    assert_eq!(
        Cipher::from_hex(KEY).expect("key").decrypt(&wire),
        Ok(stringify(&data))
    );
    let again = String::from(encrypt_data(data, js(KEY)).expect("encrypts"));
    assert_ne!(wire[..32], again[..32], "a fresh IV every time");
}

#[wasm_bindgen_test]
fn every_error_code_reaches_javascript() {
    let wire = Cipher::from_hex(KEY)
        .expect("key")
        .encrypt_with_iv(b"[1,2,3] and more text here", &[1; 16]);
    assert_eq!(code_of(decrypt_data(js(&wire), js("abc"))), "INVALID_KEY");
    assert_eq!(code_of(decrypt_data(js(KEY), js(&wire))), "INVALID_KEY");
    assert_eq!(
        code_of(decrypt_data(js("00zz"), js(KEY))),
        "INVALID_CIPHERTEXT"
    );
    assert_eq!(
        code_of(decrypt_data(js(&wire), js(&"11".repeat(32)))),
        "DECRYPT_FAILED"
    );
    assert_eq!(
        code_of(decrypt_data(JsValue::from(5), js(KEY))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code_of(decrypt_data(js(&wire), JsValue::NULL)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code_of(encrypt_data(JsValue::UNDEFINED, js(KEY))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code_of(encrypt_data(JsValue::bigint_from_str("1"), js(KEY))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code_of(parse_webhook(js("{not json"), js(KEY))),
        "INVALID_JSON"
    );
    assert_eq!(
        code_of(parse_webhook(json(r#"{"status":true}"#), js(KEY))),
        "INVALID_ENVELOPE"
    );
    assert_eq!(
        code_of(parse_webhook(JsValue::from(1), js(KEY))),
        "INVALID_ARGUMENT"
    );
}

#[wasm_bindgen_test]
fn webhooks_round_trip() {
    let payload = json(r#"{"event":"verification.completed","score":0.97}"#);
    let options = json(r#"{"time":"2021-08-20T14:52:33.648Z"}"#);
    let envelope = create_webhook(payload.clone(), js(KEY), options).expect("creates");
    assert_eq!(
        Reflect::get(&envelope, &js("status")).expect("status"),
        JsValue::TRUE
    );
    assert_eq!(
        Reflect::get(&envelope, &js("statusCode"))
            .expect("code")
            .as_f64(),
        Some(200.0)
    );
    let body = stringify(&envelope);
    for input in [
        js(&body),
        envelope.clone(),
        js_sys::Uint8Array::from(body.as_bytes()).into(),
    ] {
        let opened = parse_webhook(input, js(KEY)).expect("parses");
        assert_eq!(
            stringify(&Reflect::get(&opened, &js("data")).expect("data")),
            stringify(&payload)
        );
        assert_eq!(
            Reflect::get(&opened, &js("time"))
                .expect("time")
                .as_string()
                .as_deref(),
            Some("2021-08-20T14:52:33.648Z")
        );
    }
}

#[wasm_bindgen_test]
fn the_handlers_parsed_envelope_opens_as_parse_webhook_opens_it_with_the_plaintext() {
    let cipher = AllpassCipher::new(js(KEY)).expect("key");
    // Spaces in the plaintext: the text returned is the one decrypted, not re-serialised.
    let plaintext = r#"{ "id": "a1", "score": 0.97 }"#;
    let data = String::from(cipher.encrypt_text(js(plaintext)).expect("encrypts"));
    let body = format!(
        r#"{{"status":true,"statusCode":200,"data":"{data}","time":"2021-08-20T14:52:33.648Z"}}"#
    );
    let opened = cipher.open_parsed_webhook(json(&body)).expect("opens");
    assert_eq!(opened.length(), 2);
    assert_eq!(
        stringify(&opened.get(0)),
        stringify(&cipher.parse_webhook(js(&body)).expect("parses"))
    );
    assert_eq!(opened.get(1).as_string().as_deref(), Some(plaintext));
    // The same errors as parseWebhook, with the same reasons.
    let time = r#""time":"t""#;
    for bad in [
        format!(r#"{{"status":true,"statusCode":200,{time}}}"#),
        format!(r#"{{"status":"yes","statusCode":200,"data":"{data}",{time}}}"#),
        format!(
            r#"{{"status":true,"statusCode":200,"data":"{}",{time}}}"#,
            &data[..40]
        ),
        format!(
            r#"{{"status":true,"statusCode":200,"data":"{}",{time}}}"#,
            "00".repeat(32)
        ),
        "[1]".into(),
    ] {
        let ours = cipher.open_parsed_webhook(json(&bad));
        let theirs = cipher.parse_webhook(json(&bad));
        assert_eq!(
            (reason_of(ours.clone()), code_of(ours)),
            (reason_of(theirs.clone()), code_of(theirs)),
            "{bad}"
        );
    }
    // A string over the input limit is refused before it is copied.
    configure(json(r#"{"maxInputLength":1}"#)).expect("sets");
    let long = json(&format!(
        r#"{{"status":true,"statusCode":200,"data":"{}",{time}}}"#,
        "0".repeat(70 * 1024)
    ));
    let refused = cipher.open_parsed_webhook(long);
    configure(json(r#"{"maxInputLength":16777216}"#)).expect("restores");
    assert_eq!(code_of(refused), "INVALID_ENVELOPE");
}

#[wasm_bindgen_test]
fn cipher_object_reuses_one_key() {
    let cipher = AllpassCipher::new(js(KEY)).expect("key");
    let wire = String::from(cipher.encrypt(json(r#"{"n":1}"#)).expect("encrypts"));
    assert_eq!(
        stringify(&cipher.decrypt_json(js(&wire)).expect("decrypts")),
        r#"{"n":1}"#
    );
    let text = String::from(cipher.encrypt_text(js("not json")).expect("encrypts"));
    assert_eq!(
        String::from(cipher.decrypt(js(&text)).expect("decrypts")),
        "not json"
    );
    assert_eq!(
        code_of(cipher.decrypt_json(js(&text))),
        "DECRYPT_FAILED",
        "non-JSON plaintext is not told apart"
    );
    assert_eq!(code_of(AllpassCipher::new(js(""))), "INVALID_KEY");
}

#[wasm_bindgen_test]
fn generated_keys_are_64_hex_characters() {
    let key = String::from(generate_key().expect("rng"));
    assert_eq!(key.len(), 64);
    assert!(Cipher::from_hex(&key).is_ok());
}

#[wasm_bindgen_test]
fn format_errors_carry_a_reason_and_decryption_failures_do_not() {
    // Two blocks: a one-block payload is 64 hex characters, a well-formed key itself.
    let wire = Cipher::from_hex(KEY)
        .expect("key")
        .encrypt_with_iv(b"[1, 2, 3, 4, 5, 6, 7, 8]", &[3; 16]);
    assert_eq!(
        reason_of(decrypt_data(js(KEY), js(&wire))).as_deref(),
        Some("ARGUMENTS_SWAPPED")
    );
    assert_eq!(
        reason_of(decrypt_data(js(&wire), js(&KEY[..62]))).as_deref(),
        Some("WRONG_LENGTH")
    );
    assert_eq!(
        reason_of(decrypt_data(js(&format!("{wire}0")), js(KEY))).as_deref(),
        Some("ODD_LENGTH")
    );
    assert_eq!(
        reason_of(decrypt_data(js(&wire), js(&"11".repeat(32)))),
        None,
        "DECRYPT_FAILED says nothing more"
    );
    assert_eq!(
        reason_of(parse_webhook(JsValue::UNDEFINED, js(KEY))).as_deref(),
        Some("NO_BODY")
    );
    assert_eq!(
        reason_of(decrypt_data(JsValue::from(5), js(KEY))).as_deref(),
        Some("WRONG_TYPE")
    );
}

#[wasm_bindgen_test]
fn the_input_limit_is_configurable_and_checked_before_copying() {
    let setting = |value: &JsValue| {
        Reflect::get(value, &js("maxInputLength"))
            .expect("readable")
            .as_f64()
    };
    let default = setting(&configure(JsValue::UNDEFINED).expect("reads")).expect("a number");
    assert_eq!(default, 16.0 * 1024.0 * 1024.0);
    let wire = Cipher::from_hex(KEY)
        .expect("key")
        .encrypt_with_iv(&[b'7'; 100], &[3; 16]);
    let small = json(r#"{"maxInputLength":100}"#);
    assert_eq!(setting(&configure(small).expect("sets")), Some(100.0));
    assert_eq!(
        reason_of(decrypt_data(js(&wire), js(KEY))).as_deref(),
        Some("TOO_LONG")
    );
    assert_eq!(
        code_of(encrypt_data(js(&"x".repeat(60)), js(KEY))),
        "INVALID_ARGUMENT"
    );
    for bad in ["0", "1.5", "\"many\"", "1e12"] {
        let options = json(&format!(r#"{{"maxInputLength":{bad}}}"#));
        assert_eq!(code_of(configure(options)), "INVALID_ARGUMENT", "{bad}");
    }
    configure(json(&format!(r#"{{"maxInputLength":{default}}}"#))).expect("restores");
    assert!(decrypt_data(js(&wire), js(KEY)).is_ok());
}

#[wasm_bindgen_test]
fn a_list_of_keys_opens_under_any_and_encrypts_under_the_first() {
    const OLD: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let keys = json(&format!(r#"["{KEY}","{OLD}"]"#));
    let sealed = Cipher::from_hex(OLD)
        .expect("key")
        .create_webhook(r#"{"id":"a"}"#, "t".into())
        .expect("creates");
    let body = format!(
        r#"{{"status":true,"statusCode":200,"data":"{}","time":"t"}}"#,
        sealed.data
    );
    let opened = parse_webhook(js(&body), keys.clone()).expect("opens");
    assert_eq!(
        Reflect::get(&opened, &js("keyIndex"))
            .expect("index")
            .as_f64(),
        Some(1.0)
    );
    let cipher = AllpassCipher::new(keys).expect("keys");
    let envelope = cipher
        .create_webhook(json("[1]"), JsValue::UNDEFINED)
        .expect("creates");
    let data = Reflect::get(&envelope, &js("data"))
        .expect("data")
        .as_string()
        .expect("string");
    assert_eq!(
        Cipher::from_hex(KEY).expect("key").decrypt(&data),
        Ok("[1]".into())
    );
    assert_eq!(code_of(AllpassCipher::new(json("[]"))), "INVALID_KEY");
}

/// Random bytes from the platform, for the differential runs below.
fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("rng");
    bytes
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// CBC with PKCS#7 written out over RustCrypto's `aes`, block by block: the oracle.
fn oracle_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    use aes::cipher::{BlockCipherEncrypt, KeyInit};
    let aes = aes::Aes256::new(key.into());
    let pad = 16 - plaintext.len() % 16;
    let mut padded = plaintext.to_vec();
    padded.resize(plaintext.len() + pad, pad as u8);
    let mut previous = *iv;
    for block in padded.chunks_exact_mut(16) {
        block.iter_mut().zip(previous).for_each(|(b, p)| *b ^= p);
        let mut array = aes::Block::try_from(&*block).expect("16 bytes");
        aes.encrypt_block(&mut array);
        block.copy_from_slice(&array);
        previous.copy_from_slice(block);
    }
    padded
}

/// The oracle's decryption: the plaintext, or `None` where the padding is invalid.
fn oracle_decrypt(key: &[u8; 32], iv: &[u8; 16], ciphertext: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{BlockCipherDecrypt, KeyInit};
    let aes = aes::Aes256::new(key.into());
    let mut previous = *iv;
    let mut plain = Vec::new();
    for block in ciphertext.chunks_exact(16) {
        let mut array = aes::Block::try_from(block).expect("16 bytes");
        aes.decrypt_block(&mut array);
        plain.extend(array.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(block);
    }
    let pad = *plain.last()? as usize;
    let valid = (1..=16).contains(&pad)
        && plain[plain.len() - pad..]
            .iter()
            .all(|&b| b as usize == pad);
    valid.then(|| plain[..plain.len() - pad].to_vec())
}

/// The engine this build really runs (in wasm with SIMD: vector-permute encryption on the host's
/// `i8x16.swizzle`, bitsliced decryption of eight blocks, vector-permute for the rest) against
/// RustCrypto's `aes`, on random keys, IVs and 0 to 64 blocks: a short run in each host (Node's
/// and Chromium's V8). The long differential runs of the same engine are the core's own tests,
/// natively and on this wasm backend under WASI (`make test-rust-wasm`), and cargo-fuzz.
#[wasm_bindgen_test]
fn the_shipped_engine_matches_rustcrypto_aes_on_random_inputs() {
    for case in 0..64 {
        let key: [u8; 32] = random();
        let iv: [u8; 16] = random();
        let [size] = random::<1>();
        let plaintext = random::<1024>()[..usize::from(size) * 4 % 1024].to_vec();
        let cipher = Cipher::from_bytes(&key);
        let ours = cipher.encrypt_with_iv(&plaintext, &iv);
        let expected = oracle_encrypt(&key, &iv, &plaintext);
        assert_eq!(
            ours,
            format!("{}{}", to_hex(&iv), to_hex(&expected)),
            "case {case}"
        );
        assert_eq!(
            cipher.decrypt_to_bytes(&ours).as_deref(),
            Ok(&plaintext[..])
        );
        // Random ciphertexts: the same plaintext, or the same refusal, as the oracle.
        let blocks = 1 + usize::from(size) % 64;
        let noise = random::<1024>()[..blocks * 16].to_vec();
        let wire = format!("{}{}", to_hex(&iv), to_hex(&noise));
        assert_eq!(
            cipher.decrypt_to_bytes(&wire).ok(),
            oracle_decrypt(&key, &iv, &noise),
            "case {case}"
        );
    }
}

/// Hex of the IV and ciphertext is decoded 32 characters at a time with SIMD in this build, the
/// rest by table: either case at any position decodes the same, and a non-hex character at any
/// position (in a SIMD chunk or in the rest) is the same `NON_HEX` error.
#[wasm_bindgen_test]
fn public_hex_decodes_in_either_case_and_rejects_a_bad_character_anywhere() {
    let cipher = Cipher::from_bytes(&random());
    let plaintext = random::<100>();
    let wire = cipher.encrypt_with_iv(&plaintext, &random()); // 32 + 224 characters
    for at in 0..wire.len() {
        let mut upper = wire.clone().into_bytes();
        upper[at] = upper[at].to_ascii_uppercase();
        let upper = String::from_utf8(upper).expect("ascii");
        assert_eq!(
            cipher.decrypt_to_bytes(&upper).as_deref(),
            Ok(&plaintext[..]),
            "{at}"
        );
        for bad in [b'g', b'G', b':', b'@', b'`', b'z', 0x7f] {
            let mut text = wire.clone().into_bytes();
            text[at] = bad;
            let text = String::from_utf8(text).expect("ascii");
            let error = cipher.decrypt_to_bytes(&text).expect_err("non-hex");
            assert_eq!(
                (error.code(), error.reason()),
                ("INVALID_CIPHERTEXT", Some("NON_HEX")),
                "{at} {bad}"
            );
        }
    }
    let upper = wire.to_uppercase();
    assert_eq!(
        cipher.decrypt_to_bytes(&upper).as_deref(),
        Ok(&plaintext[..])
    );
}
