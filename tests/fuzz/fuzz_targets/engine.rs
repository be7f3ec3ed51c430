//! The wasm build's AES-256 (vector-permute CBC encryption, through `cbc` and through its own
//! loop; bitsliced CBC decryption eight blocks at a time) and the vector-permute engine alone,
//! against RustCrypto's `aes`:
//! any key, IV and 1-64 blocks, CBC in both directions (the decryption side on the fuzzer's
//! bytes, not only our output).
#![no_main]
use aes::cipher::{consts::U16, Block, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use aes::Aes256;
use allpass_crypto::engine::{simd_aes::SimdAes256, vperm_decrypt::VpermAes256};
use libfuzzer_sys::fuzz_target;

type Blocks = Vec<Block<Aes256>>;

fn encrypt<C: aes::cipher::BlockCipherEncrypt<BlockSize = U16>>(
    c: &C,
    iv: &[u8; 16],
    b: &Blocks,
) -> Blocks {
    let mut out = b.clone();
    cbc::Encryptor::inner_iv_init(c, iv.into()).encrypt_blocks(&mut out);
    out
}

fn decrypt<C: aes::cipher::BlockCipherDecrypt<BlockSize = U16>>(
    c: &C,
    iv: &[u8; 16],
    b: &Blocks,
) -> Blocks {
    let mut out = b.clone();
    cbc::Decryptor::inner_iv_init(c, iv.into()).decrypt_blocks(&mut out);
    out
}

fuzz_target!(|input: ([u8; 32], [u8; 16], &[u8])| {
    let (key, iv, data) = input;
    let blocks: Blocks = data
        .chunks_exact(16)
        .take(64)
        .map(|c| Block::<Aes256>::try_from(c).unwrap())
        .collect();
    if blocks.is_empty() {
        return;
    }
    let oracle = Aes256::new(&key.into());
    let ciphertext = encrypt(&oracle, &iv, &blocks);
    let plaintext = decrypt(&oracle, &iv, &blocks);

    let shipped = SimdAes256::new(&key);
    assert_eq!(encrypt(&shipped, &iv, &blocks), ciphertext);
    let mut shipped_encrypt = blocks.clone();
    shipped.cbc_encrypt(&iv, &mut shipped_encrypt);
    assert_eq!(shipped_encrypt, ciphertext);
    let shipped_decrypt = |input: &Blocks| {
        let mut out = input.clone();
        shipped.cbc_decrypt(&iv, &mut out);
        out
    };
    assert_eq!(shipped_decrypt(&ciphertext), blocks);
    assert_eq!(shipped_decrypt(&blocks), plaintext);

    let vperm = VpermAes256::new(&key);
    assert_eq!(encrypt(&vperm, &iv, &blocks), ciphertext);
    assert_eq!(decrypt(&vperm, &iv, &blocks), plaintext);
});
