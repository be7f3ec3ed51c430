//! [`SimdAes256`]: the wasm build's AES-256-CBC, two engines on one key schedule
//! (`key_schedule.rs`). Encryption is CBC's serial chain, one block at a time: vector permutes
//! (`vperm.rs`), with its own CBC loop, which keeps the chaining value in registers
//! ([`VpermEncrypt::cbc_encrypt`]; the block cipher traits serve `cbc` too, for the tests). Decryption is parallel: the bitsliced engine (`bitsliced.rs`), eight
//! blocks at a time, with the CBC chaining written here ([`SimdAes256::cbc_decrypt`]) so that the
//! last, partial group of blocks goes through it too (padded with zero blocks whose output is
//! dropped) instead of block by block. Both engines are constant-time; see their files.

use core::fmt;

use aes::cipher::{consts::U32, Key, KeyInit, KeySizeUser};
use zeroize::ZeroizeOnDrop;

use super::bitsliced::BitslicedAes256Dec;
use super::key_schedule::expand_key;
use super::vperm::VpermEncrypt;
use crate::block::Block;
use crate::v128::V128;
use crate::wipe::wipe;

/// AES-256 from the vector-permute and bitsliced engines (see the module documentation).
/// Round keys are wiped on drop (by each engine).
#[derive(Clone)]
pub struct SimdAes256 {
    vperm: VpermEncrypt,
    sliced: BitslicedAes256Dec,
}

impl SimdAes256 {
    /// Expands `key` once for both engines.
    #[must_use]
    pub fn new(key: &[u8; 32]) -> Self {
        let mut keys = expand_key(key);
        let engine = Self {
            vperm: VpermEncrypt::from_round_keys(&keys),
            sliced: BitslicedAes256Dec::new(&keys),
        };
        wipe(keys.as_flattened_mut());
        engine
    }

    /// CBC-encrypts `blocks` in place (no padding is added): [`VpermEncrypt::cbc_encrypt`].
    pub fn cbc_encrypt(&self, iv: &[u8; 16], blocks: &mut [Block]) {
        self.vperm.cbc_encrypt(iv, blocks);
    }

    /// CBC-decrypts `blocks` in place (no padding is removed): eight blocks at a time, each
    /// plaintext block the decrypted block XOR the ciphertext block before it (`iv` first).
    pub fn cbc_decrypt(&self, iv: &[u8; 16], blocks: &mut [Block]) {
        let mut previous = V128::load(iv);
        for group in blocks.chunks_mut(8) {
            let mut input = [V128::from_bytes([0; 16]); 8];
            for (slot, block) in input.iter_mut().zip(group.iter()) {
                *slot = V128::load(&block.0);
            }
            let output = self.sliced.decrypt8(input);
            for (block, (decrypted, ciphertext)) in
                group.iter_mut().zip(output.into_iter().zip(input))
            {
                (decrypted ^ previous).store(&mut block.0);
                previous = ciphertext;
            }
        }
    }
}

impl ZeroizeOnDrop for SimdAes256 {}

impl fmt::Debug for SimdAes256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimdAes256 { .. }")
    }
}

// `KeyInit`: how `Cipher` builds its engine (`cipher.rs`), as it builds `aes::Aes256` elsewhere.
impl KeySizeUser for SimdAes256 {
    type KeySize = U32;
}

impl KeyInit for SimdAes256 {
    fn new(key: &Key<Self>) -> Self {
        Self::new(&key.0)
    }
}

/// Encryption as a RustCrypto block cipher, so `cbc` can drive it: for the tests, the fuzz
/// target and the engine benchmark (the library runs [`SimdAes256::cbc_encrypt`]).
#[cfg(any(test, feature = "test-engine"))]
mod block_cipher {
    use aes::cipher::{
        consts::U16, AlgorithmName, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser,
    };
    use core::fmt;

    use super::SimdAes256;

    impl BlockSizeUser for SimdAes256 {
        type BlockSize = U16;
    }

    impl AlgorithmName for SimdAes256 {
        fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SimdAes256")
        }
    }

    impl BlockCipherEncrypt for SimdAes256 {
        fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
            self.vperm.encrypt_with_backend(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing;

    #[test]
    fn sp800_38a_f25_f26_cbc_aes256() {
        testing::sp800_38a_cbc_aes256(
            SimdAes256::new,
            SimdAes256::cbc_encrypt,
            SimdAes256::cbc_decrypt,
        );
    }

    #[test]
    fn random_cbc_of_1_to_64_blocks_matches_aes_both_directions() {
        testing::random_cbc_matches_aes(
            SimdAes256::new,
            SimdAes256::cbc_encrypt,
            SimdAes256::cbc_decrypt,
        );
    }

    #[test]
    fn encryption_through_cbc_over_its_block_cipher_traits_matches_aes() {
        // The traits still serve `cbc` (tests, fuzzing): that encryption path too, against `aes`.
        testing::random_cbc_matches_aes(
            SimdAes256::new,
            testing::cbc_crate_encrypt,
            SimdAes256::cbc_decrypt,
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        assert_eq!(
            format!("{:?}", SimdAes256::new(&[7; 32])),
            "SimdAes256 { .. }"
        );
    }
}
