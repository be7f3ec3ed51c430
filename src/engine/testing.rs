//! Test helpers shared by the engines' tests: a reproducible generator, hex, and the checks
//! every engine must pass against RustCrypto's `aes` (the oracle).

use aes::cipher::{
    consts::U16, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt,
    InnerIvInit, KeyInit,
};
use aes::Aes256;

use crate::block::Block;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|n| u8::from_str_radix(&s[n..n + 2], 16).unwrap())
        .collect()
}

pub(crate) fn hex16(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

pub(crate) fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().unwrap()
}

/// The 16 vectors holding all 256 byte values.
pub(crate) fn byte_vectors() -> impl Iterator<Item = [u8; 16]> {
    (0..16u8).map(|high| core::array::from_fn(|n| high << 4 | n as u8))
}

pub(crate) fn to_blocks(raw: &[[u8; 16]]) -> Vec<Block> {
    raw.iter().map(|b| Block::from(*b)).collect()
}

/// SplitMix64: a deterministic generator for reproducible random tests.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
    }

    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        self.fill(&mut out);
        out
    }
}

/// NIST SP 800-38A, F.2.5 and F.2.6: CBC-AES256.
pub(crate) struct Sp800_38a {
    pub(crate) key: &'static str,
    pub(crate) iv: &'static str,
    pub(crate) plaintext: [&'static str; 4],
    pub(crate) ciphertext: [&'static str; 4],
}

pub(crate) const SP800_38A: Sp800_38a = Sp800_38a {
    key: "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
    iv: "000102030405060708090a0b0c0d0e0f",
    plaintext: [
        "6bc1bee22e409f96e93d7e117393172a",
        "ae2d8a571e03ac9c9eb76fac45af8e51",
        "30c81c46a35ce411e5fbc1191a0a52ef",
        "f69f2445df4f9b17ad2b417be66c3710",
    ],
    ciphertext: [
        "f58c4c04d6e5f1ba779eabfb5f7bfbd6",
        "9cfc4e967edb808d679f777bc6702c7d",
        "39f23369a9d9bacfa530e26304231461",
        "b2eb05e2c39be9fcda6c19078c6a9d1b",
    ],
};

/// How a test runs CBC with an engine, in place: `cbc` over its block cipher traits, or the
/// engine's own loop.
pub(crate) type Cbc<C> = fn(&C, &[u8; 16], &mut [Block]);

/// `cbc` driving an engine's encryption.
pub(crate) fn cbc_crate_encrypt<C: BlockCipherEncrypt<BlockSize = U16>>(
    cipher: &C,
    iv: &[u8; 16],
    blocks: &mut [Block],
) {
    cbc::Encryptor::inner_iv_init(cipher, iv.into()).encrypt_blocks(blocks);
}

/// `cbc` driving an engine's decryption.
pub(crate) fn cbc_crate_decrypt<C: BlockCipherDecrypt<BlockSize = U16>>(
    cipher: &C,
    iv: &[u8; 16],
    blocks: &mut [Block],
) {
    cbc::Decryptor::inner_iv_init(cipher, iv.into()).decrypt_blocks(blocks);
}

/// SP 800-38A's CBC-AES256, both directions.
pub(crate) fn sp800_38a_cbc_aes256<C>(
    new: impl Fn(&[u8; 32]) -> C,
    encrypt: Cbc<C>,
    decrypt: Cbc<C>,
) {
    let cipher = new(&hex32(SP800_38A.key));
    let iv = hex16(SP800_38A.iv);
    let plain = to_blocks(&SP800_38A.plaintext.map(hex16));
    let expected = to_blocks(&SP800_38A.ciphertext.map(hex16));
    let mut blocks = plain.clone();
    encrypt(&cipher, &iv, &mut blocks);
    assert_eq!(blocks, expected);
    decrypt(&cipher, &iv, &mut blocks);
    assert_eq!(blocks, plain);
}

/// CBC over random keys, IVs and 1 to 64 blocks (every length of a last partial group), both
/// directions, equal to the oracle's; decryption also of random "ciphertext", not only of the
/// engine's own output.
pub(crate) fn random_cbc_matches_aes<C>(
    new: impl Fn(&[u8; 32]) -> C,
    encrypt: Cbc<C>,
    decrypt: Cbc<C>,
) {
    let mut rng = Rng(2);
    for round in 0..640 {
        let key: [u8; 32] = rng.bytes();
        let iv: [u8; 16] = rng.bytes();
        let count = round % 64 + 1;
        let raw: Vec<[u8; 16]> = (0..count).map(|_| rng.bytes()).collect();
        let ours = new(&key);
        let oracle = Aes256::new(&key.into());

        let mut want = to_blocks(&raw);
        cbc_crate_encrypt(&oracle, &iv, &mut want);
        let mut got = to_blocks(&raw);
        encrypt(&ours, &iv, &mut got);
        assert_eq!(got, want, "encrypt, {count} blocks");

        let mut want = to_blocks(&raw);
        cbc_crate_decrypt(&oracle, &iv, &mut want);
        let mut got = to_blocks(&raw);
        decrypt(&ours, &iv, &mut got);
        assert_eq!(got, want, "decrypt, {count} blocks");
    }
}
