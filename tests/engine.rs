//! The vector-permute AES-256 engine through its public (feature-gated) surface, driven by
//! RustCrypto's `cbc` exactly as the library would, compared with `aes::Aes256`.
//!
//! Run with `cargo test --features test-engine --test engine`. The engine's own unit tests
//! (derivation, exhaustive S-box, FIPS-197, random blocks) run with plain `cargo test`.
#![cfg(feature = "test-engine")]

use aes::cipher::{consts::U16, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use aes::Aes256;
use allpass_crypto::engine::vperm::VpermAes256;

type Block = aes::cipher::Block<Aes256>;

fn hex<const N: usize>(s: &str) -> [u8; N] {
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|n| u8::from_str_radix(&s[n..n + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}

/// SplitMix64, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
        out
    }
}

fn cbc_encrypt<C: aes::cipher::BlockCipherEncrypt<BlockSize = U16>>(
    c: &C,
    iv: &[u8; 16],
    raw: &[[u8; 16]],
) -> Vec<Block> {
    let mut blocks: Vec<Block> = raw.iter().map(|b| Block::from(*b)).collect();
    cbc::Encryptor::inner_iv_init(c, iv.into()).encrypt_blocks(&mut blocks);
    blocks
}

fn cbc_decrypt<C: aes::cipher::BlockCipherDecrypt<BlockSize = U16>>(
    c: &C,
    iv: &[u8; 16],
    raw: &[[u8; 16]],
) -> Vec<Block> {
    let mut blocks: Vec<Block> = raw.iter().map(|b| Block::from(*b)).collect();
    cbc::Decryptor::inner_iv_init(c, iv.into()).decrypt_blocks(&mut blocks);
    blocks
}

#[test]
fn fips_197_c3() {
    let key: [u8; 32] = core::array::from_fn(|n| n as u8);
    let engine = VpermAes256::new(&key);
    let mut block = hex("00112233445566778899aabbccddeeff");
    engine.encrypt_block(&mut block);
    assert_eq!(block, hex::<16>("8ea2b7ca516745bfeafc49904b496089"));
    engine.decrypt_block(&mut block);
    assert_eq!(block, hex::<16>("00112233445566778899aabbccddeeff"));
}

#[test]
fn sp800_38a_f25_f26() {
    let engine = VpermAes256::new(&hex(
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
    ));
    let iv = hex("000102030405060708090a0b0c0d0e0f");
    let plain: [[u8; 16]; 4] = [
        "6bc1bee22e409f96e93d7e117393172a",
        "ae2d8a571e03ac9c9eb76fac45af8e51",
        "30c81c46a35ce411e5fbc1191a0a52ef",
        "f69f2445df4f9b17ad2b417be66c3710",
    ]
    .map(hex);
    let cipher: [[u8; 16]; 4] = [
        "f58c4c04d6e5f1ba779eabfb5f7bfbd6",
        "9cfc4e967edb808d679f777bc6702c7d",
        "39f23369a9d9bacfa530e26304231461",
        "b2eb05e2c39be9fcda6c19078c6a9d1b",
    ]
    .map(hex);
    let as_blocks =
        |raw: &[[u8; 16]]| -> Vec<Block> { raw.iter().map(|b| Block::from(*b)).collect() };
    assert_eq!(cbc_encrypt(&engine, &iv, &plain), as_blocks(&cipher));
    assert_eq!(cbc_decrypt(&engine, &iv, &cipher), as_blocks(&plain));
}

#[test]
fn cbc_1_to_64_blocks_matches_aes() {
    let mut rng = Rng(0x5eed);
    for n in 0..1280 {
        let key: [u8; 32] = rng.bytes();
        let iv: [u8; 16] = rng.bytes();
        let raw: Vec<[u8; 16]> = (0..n % 64 + 1).map(|_| rng.bytes()).collect();
        let engine = VpermAes256::new(&key);
        let oracle = Aes256::new(&key.into());
        assert_eq!(
            cbc_encrypt(&engine, &iv, &raw),
            cbc_encrypt(&oracle, &iv, &raw)
        );
        assert_eq!(
            cbc_decrypt(&engine, &iv, &raw),
            cbc_decrypt(&oracle, &iv, &raw)
        );
    }
}

#[test]
fn four_wide_and_single_agree_with_aes() {
    use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt};
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let key: [u8; 32] = rng.bytes();
        let engine = VpermAes256::new(&key);
        let oracle = Aes256::new(&key.into());
        let raw: [[u8; 16]; 4] = core::array::from_fn(|_| rng.bytes());

        let mut want: Vec<Block> = raw.iter().map(|b| Block::from(*b)).collect();
        oracle.encrypt_blocks(&mut want);
        let mut four = raw;
        engine.encrypt_blocks4(&mut four);
        assert!(four.iter().zip(&want).all(|(a, b)| a == &b.0));
        for (block, want) in raw.iter().zip(&want) {
            let mut one = *block;
            engine.encrypt_block(&mut one);
            assert_eq!(one, want.0);
        }

        let mut want: Vec<Block> = raw.iter().map(|b| Block::from(*b)).collect();
        oracle.decrypt_blocks(&mut want);
        let mut four = raw;
        engine.decrypt_blocks4(&mut four);
        assert!(four.iter().zip(&want).all(|(a, b)| a == &b.0));
        for (block, want) in raw.iter().zip(&want) {
            let mut one = *block;
            engine.decrypt_block(&mut one);
            assert_eq!(one, want.0);
        }
    }
}
