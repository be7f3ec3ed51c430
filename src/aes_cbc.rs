//! AES-256-CBC with PKCS#7 padding: the only cryptography in the crate.
//!
//! In WebAssembly with SIMD, the mode is the engines' own CBC loops ([`crate::cipher::Engine`]: this
//! crate's vector-permute encryption, which keeps the chaining value in registers, and bitsliced
//! decryption, eight blocks at a time); elsewhere RustCrypto's `cbc` over `aes`. All
//! constant-time.
//! The padding check is written here, in constant time, because the `block-padding` crate's
//! check returns early and would time-leak where the padding broke.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater};

use crate::block::Block;
use crate::cipher::Cipher;
use crate::error::Error;
use crate::framing::BLOCK_LEN;

const BLOCK_LEN_U8: u8 = 16;
const _: () = assert!(BLOCK_LEN_U8 as usize == BLOCK_LEN);

/// Decrypts `buffer` in place and cuts it to the plaintext.
///
/// # Errors
/// [`Error::DecryptFailed`] for any bad padding, the same whatever the cause.
pub(crate) fn decrypt_in_place(
    key: &Cipher,
    iv: &[u8; BLOCK_LEN],
    buffer: &mut Vec<u8>,
) -> Result<(), Error> {
    let (blocks, rest) = Block::slice_as_chunks_mut(buffer);
    if blocks.is_empty() || !rest.is_empty() {
        return Err(Error::DecryptFailed);
    }
    cbc_decrypt(key.engine(), iv, blocks);
    let padding = blocks.last().map_or(0, padding_len);
    if padding == 0 {
        return Err(Error::DecryptFailed);
    }
    buffer.truncate(buffer.len().saturating_sub(padding));
    Ok(())
}

/// CBC decryption in place: the wasm engine's own loop (bitsliced, eight blocks at a time, the
/// last group included), RustCrypto's `cbc` over `aes` elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn cbc_decrypt(engine: &crate::cipher::Engine, iv: &[u8; BLOCK_LEN], blocks: &mut [Block]) {
    engine.cbc_decrypt(iv, blocks);
}

/// See the wasm32 definition.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn cbc_decrypt(engine: &crate::cipher::Engine, iv: &[u8; BLOCK_LEN], blocks: &mut [Block]) {
    use aes::cipher::{BlockModeDecrypt as _, InnerIvInit as _};
    cbc::Decryptor::inner_iv_init(engine, iv.into()).decrypt_blocks(blocks);
}

/// Encrypts `plaintext`, PKCS#7-padded, and returns the ciphertext (a whole number of blocks).
pub(crate) fn encrypt(key: &Cipher, iv: &[u8; BLOCK_LEN], plaintext: &[u8]) -> Vec<u8> {
    // The low four bits of the length are the bytes in the last partial block.
    #[allow(clippy::cast_possible_truncation)]
    let partial = (plaintext.len() as u8) & (BLOCK_LEN_U8 - 1);
    let padding = BLOCK_LEN_U8.saturating_sub(partial); // 1..=16
    let padded_len = plaintext.len().saturating_add(usize::from(padding));
    let mut buffer = Vec::with_capacity(padded_len);
    buffer.extend_from_slice(plaintext);
    buffer.resize(padded_len, padding);
    let (blocks, _) = Block::slice_as_chunks_mut(&mut buffer);
    cbc_encrypt(key.engine(), iv, blocks);
    buffer
}

/// CBC encryption in place: the wasm engine's own loop (chaining kept in registers), RustCrypto's
/// `cbc` over `aes` elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn cbc_encrypt(engine: &crate::cipher::Engine, iv: &[u8; BLOCK_LEN], blocks: &mut [Block]) {
    engine.cbc_encrypt(iv, blocks);
}

/// See the wasm32 definition.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn cbc_encrypt(engine: &crate::cipher::Engine, iv: &[u8; BLOCK_LEN], blocks: &mut [Block]) {
    use aes::cipher::{BlockModeEncrypt as _, InnerIvInit as _};
    cbc::Encryptor::inner_iv_init(engine, iv.into()).encrypt_blocks(blocks);
}

/// The PKCS#7 padding length of the last plaintext block, or 0 if the padding is invalid.
/// Every byte is examined whatever the padding says, so the time taken reveals nothing.
fn padding_len(last: &Block) -> usize {
    let pad = last.iter().last().copied().unwrap_or(0);
    let mut valid: Choice = pad.ct_gt(&0) & !pad.ct_gt(&BLOCK_LEN_U8);
    for (distance_from_end, &byte) in (1..=BLOCK_LEN_U8).zip(last.iter().rev()) {
        let inside_padding = !distance_from_end.ct_gt(&pad);
        valid &= !inside_padding | byte.ct_eq(&pad);
    }
    usize::from(u8::conditional_select(&0, &pad, valid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(bytes: [u8; 16]) -> Block {
        Block::from(bytes)
    }

    #[test]
    fn accepts_every_well_formed_padding() {
        for pad in 1u8..=16 {
            let mut bytes = [0xaa; 16];
            for byte in bytes.iter_mut().rev().take(usize::from(pad)) {
                *byte = pad;
            }
            assert_eq!(padding_len(&block(bytes)), usize::from(pad));
        }
    }

    #[test]
    fn rejects_malformed_padding() {
        assert_eq!(padding_len(&block([0; 16])), 0, "zero pad byte");
        assert_eq!(padding_len(&block([17; 16])), 0, "pad longer than a block");
        let mut bytes = [3u8; 16];
        bytes[13] = 2;
        assert_eq!(padding_len(&block(bytes)), 0, "inconsistent pad bytes");
        let mut bytes = [0xaa; 16];
        bytes[15] = 0xff;
        assert_eq!(padding_len(&block(bytes)), 0);
    }
}
