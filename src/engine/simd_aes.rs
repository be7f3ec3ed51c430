//! [`SimdAes256`]: the wasm build's AES-256, two engines behind RustCrypto's block cipher
//! traits so that `cbc` drives them: vector-permute for encryption (CBC encryption is serial,
//! one block at a time) and for single blocks, bitsliced for decryption eight blocks at a time
//! (CBC decryption is parallel). Both are constant-time; see their files.

use core::fmt;

use aes::cipher::{
    consts::{U16, U32, U8},
    AlgorithmName, Block, BlockCipherDecBackend, BlockCipherDecClosure, BlockCipherDecrypt,
    BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, InOut, Key, KeyInit, KeySizeUser,
    ParBlocks, ParBlocksSizeUser,
};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::bitsliced::BitslicedAes256Dec;
use super::v128::V128;
use super::vperm::{expand_key, VpermAes256};

/// AES-256 from the vector-permute and bitsliced engines (see the module documentation).
/// Round keys are wiped on drop (by each engine).
#[derive(Clone)]
pub struct SimdAes256 {
    vperm: VpermAes256,
    sliced: BitslicedAes256Dec,
}

impl SimdAes256 {
    /// Expands `key` once for both engines.
    #[must_use]
    pub fn new(key: &[u8; 32]) -> Self {
        let mut keys = expand_key(key);
        let engine = Self {
            vperm: VpermAes256::from_round_keys(&keys),
            sliced: BitslicedAes256Dec::new(&keys),
        };
        keys.zeroize();
        engine
    }
}

impl ZeroizeOnDrop for SimdAes256 {}

impl fmt::Debug for SimdAes256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimdAes256 { .. }")
    }
}

impl BlockSizeUser for SimdAes256 {
    type BlockSize = U16;
}

impl KeySizeUser for SimdAes256 {
    type KeySize = U32;
}

impl KeyInit for SimdAes256 {
    fn new(key: &Key<Self>) -> Self {
        Self::new(&key.0)
    }
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

impl BlockCipherDecrypt for SimdAes256 {
    fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = U16>) {
        f.call(&DecBackend(self));
    }
}

/// Decryption as a `cipher` backend: eight blocks bitsliced, a single block by vector permutes.
struct DecBackend<'a>(&'a SimdAes256);

impl BlockSizeUser for DecBackend<'_> {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for DecBackend<'_> {
    type ParBlocksSize = U8;
}

impl BlockCipherDecBackend for DecBackend<'_> {
    #[inline]
    fn decrypt_block(&self, mut block: InOut<'_, '_, Block<Self>>) {
        let [out] = self.0.vperm.decrypt_par([V128::load(&block.get_in().0)]);
        out.store(&mut block.get_out().0);
    }

    #[inline]
    fn decrypt_par_blocks(&self, mut blocks: InOut<'_, '_, ParBlocks<Self>>) {
        let out = self
            .0
            .sliced
            .decrypt8(blocks.get_in().0.each_ref().map(|b| V128::load(&b.0)));
        for (block, out) in blocks.get_out().0.iter_mut().zip(out) {
            out.store(&mut block.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{self, to_blocks, Rng};

    #[test]
    fn sp800_38a_f25_f26_cbc_aes256() {
        testing::sp800_38a_cbc_aes256(SimdAes256::new);
    }

    #[test]
    fn random_cbc_of_1_to_64_blocks_matches_aes_both_directions() {
        testing::random_cbc_matches_aes(SimdAes256::new);
    }

    #[test]
    fn eight_random_blocks_decrypt_as_aes_does() {
        use aes::cipher::KeyInit as _;
        let mut rng = Rng(3);
        for _ in 0..1000 {
            let key: [u8; 32] = rng.bytes();
            let raw: [[u8; 16]; 8] = core::array::from_fn(|_| rng.bytes());
            let mut want = to_blocks(&raw);
            aes::Aes256::new(&key.into()).decrypt_blocks(&mut want);
            let mut got = to_blocks(&raw);
            SimdAes256::new(&key).decrypt_blocks(&mut got);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        assert_eq!(
            format!("{:?}", SimdAes256::new(&[7; 32])),
            "SimdAes256 { .. }"
        );
    }
}
