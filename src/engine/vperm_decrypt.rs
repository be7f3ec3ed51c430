//! Vector-permute AES-256 decryption, and [`VpermAes256`]: the engine of `vperm.rs` in both
//! directions. Not in the shipped wasm build, which decrypts with the bitsliced engine; built
//! for the tests, the fuzz target and the engine benchmark (the `test-engine` feature), as a
//! second, independently derived decryption and as the benchmark's comparison.
//!
//! Decryption is FIPS-197's equivalent inverse cipher on the rounds, tables and inversion of
//! `vperm.rs` (see its documentation): the state is held in a basis that includes the inverse
//! affine map, so the inversion reads it directly, and each round is 13 lookups and 4 constant
//! permutations.

use core::fmt;

use aes::cipher::{
    consts::{U16, U32, U4},
    AlgorithmName, Block, BlockCipherDecBackend, BlockCipherDecClosure, BlockCipherDecrypt,
    BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, InOut, Key, KeyInit, KeySizeUser,
    ParBlocks, ParBlocksSizeUser,
};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::key_schedule::expand_key;
use super::vperm::field::{affine_linear, from_aes, mul, rotate_columns};
use super::vperm::{
    from_inverse, from_memory, invert, linear, permuted, FromInverse, InversionTables, Linear,
    RoundKeys, VpermEncrypt, INVERSION, SBOX_CONSTANT,
};
use crate::v128::{permute, table, V128};
use crate::wipe::wipe;

/// The inverse of [`affine_linear`], by search.
const fn affine_linear_inverse(x: u8) -> u8 {
    let mut y: u8 = 0;
    while affine_linear(y) != x {
        y = y.wrapping_add(1);
    }
    y
}

/// The decryption basis: the tower element of the AES byte `affine_linear⁻¹(x)`, so the
/// state is held with InvSubBytes' inverse affine map already applied.
const fn from_aes_before_affine(x: u8) -> u8 {
    from_aes(affine_linear_inverse(x))
}

/// AES byte ↦ decryption state basis (tower after the inverse affine map).
const TO_DEC_BASIS: Linear = linear!(|x| from_aes_before_affine(x));

/// `14·x⁻¹`, `11·x⁻¹`, `13·x⁻¹`, `9·x⁻¹` in the decryption basis (InvMixColumns' multiples).
const DEC_14: FromInverse = from_inverse!(|y| from_aes_before_affine(mul(14, y)));
const DEC_11: FromInverse = from_inverse!(|y| from_aes_before_affine(mul(11, y)));
const DEC_13: FromInverse = from_inverse!(|y| from_aes_before_affine(mul(13, y)));
const DEC_9: FromInverse = from_inverse!(|y| from_aes_before_affine(mul(9, y)));
/// `x⁻¹` in AES's basis, for the last decryption round.
const DEC_AES: FromInverse = from_inverse!(|y| y);

/// The same InvMixColumns multiples of an AES byte, in the decryption basis (key schedule).
const KEY_14: Linear = linear!(|x| from_aes_before_affine(mul(14, x)));
const KEY_11: Linear = linear!(|x| from_aes_before_affine(mul(11, x)));
const KEY_13: Linear = linear!(|x| from_aes_before_affine(mul(13, x)));
const KEY_9: Linear = linear!(|x| from_aes_before_affine(mul(9, x)));

/// The S-box constant 0x63 in the decryption basis, folded into the round keys.
const SBOX_CONSTANT_DEC: V128 = V128::from_bytes([from_aes_before_affine(SBOX_CONSTANT); 16]);

/// Column rotation (the key schedule's InvMixColumns).
const ROTATE_COLUMNS: V128 = table!(|n| rotate_columns(1, n));

/// The constants of the decryption rounds, read from memory as the encryption rounds' are
/// (`vperm.rs`, `from_memory`).
struct DecryptTables {
    inversion: InversionTables,
    times_14: FromInverse,
    times_11: FromInverse,
    times_13: FromInverse,
    times_9: FromInverse,
    aes: FromInverse,
}

static DECRYPT_TABLES: DecryptTables = DecryptTables {
    inversion: INVERSION,
    times_14: DEC_14,
    times_11: DEC_11,
    times_13: DEC_13,
    times_9: DEC_9,
    aes: DEC_AES,
};

/// One middle decryption round: InvSubBytes, InvShiftRows, InvMixColumns, AddRoundKey.
#[inline(always)]
fn decrypt_round(state: V128, key: V128, t: &DecryptTables) -> V128 {
    let inverse = invert(state, &t.inversion);
    (permute!(t.times_14.lookup(inverse), |n| permuted(3, 0, n))
        ^ permute!(t.times_11.lookup(inverse), |n| permuted(3, 1, n)))
        ^ (permute!(t.times_13.lookup(inverse), |n| permuted(3, 2, n))
            ^ permute!(t.times_9.lookup(inverse), |n| permuted(3, 3, n)))
        ^ key
}

/// A middle decryption round key (equivalent inverse cipher): InvMixColumns of the AES round
/// key, in the decryption basis, 0x63 folded in. Out of line: key setup only,
/// one copy for the 13 keys.
#[inline(never)]
fn decryption_round_key(key: &[u8; 16]) -> [u8; 16] {
    let v = V128::load(key);
    let sum = KEY_13.apply(v) ^ KEY_9.apply(v).swizzle(ROTATE_COLUMNS);
    let sum = KEY_11.apply(v) ^ sum.swizzle(ROTATE_COLUMNS);
    let mut out = [0; 16];
    (KEY_14.apply(v) ^ sum.swizzle(ROTATE_COLUMNS) ^ SBOX_CONSTANT_DEC).store(&mut out);
    out
}

/// Vector-permute AES-256 in both directions: `vperm.rs`'s encryption and FIPS-197's equivalent
/// inverse cipher. Not shipped (the wasm build decrypts with the bitsliced engine); kept for
/// the engine benchmark's comparison and as a second, independently derived decryption in the
/// tests and fuzzing.
#[derive(Clone)]
pub struct VpermAes256 {
    encrypt: VpermEncrypt,
    decrypt: RoundKeys,
}

impl VpermAes256 {
    /// Expands `key` into the encryption and decryption round keys.
    #[must_use]
    pub fn new(key: &[u8; 32]) -> Self {
        let mut round_keys = expand_key(key);
        let [first, middle @ .., last] = &round_keys;
        let mut decrypt = RoundKeys {
            last: *first,
            ..RoundKeys::ZERO
        };
        // Keys in reverse order, InvMixColumns applied to the middle ones, decryption basis,
        // 0x63 folded in.
        (TO_DEC_BASIS.apply(V128::load(last)) ^ SBOX_CONSTANT_DEC).store(&mut decrypt.first);
        for (slot, key) in decrypt.middle.iter_mut().zip(middle.iter().rev()) {
            *slot = decryption_round_key(key);
        }
        let engine = Self {
            encrypt: VpermEncrypt::from_round_keys(&round_keys),
            decrypt,
        };
        wipe(round_keys.as_flattened_mut());
        engine
    }

    /// Decrypts `N` independent blocks, their rounds interleaved.
    #[inline(always)]
    fn decrypt_par<const N: usize>(&self, blocks: [V128; N]) -> [V128; N] {
        let keys = &self.decrypt;
        let first = V128::load(&keys.first);
        let mut state = blocks.map(|b| TO_DEC_BASIS.apply(b) ^ first);
        let t = from_memory(&DECRYPT_TABLES);
        for key in &keys.middle {
            let key = V128::load(key);
            state = state.map(|s| decrypt_round(s, key, t));
        }
        let last = V128::load(&keys.last);
        state.map(|s| permute!(t.aes.lookup(invert(s, &t.inversion)), |n| permuted(3, 0, n)) ^ last)
    }

    /// Encrypts one block in place.
    #[cfg(test)]
    fn encrypt_block(&self, block: &mut [u8; 16]) {
        self.encrypt.encrypt(V128::load(block)).store(block);
    }

    /// Decrypts one block in place.
    #[cfg(test)]
    fn decrypt_block(&self, block: &mut [u8; 16]) {
        let [out] = self.decrypt_par([V128::load(block)]);
        out.store(block);
    }

    /// Encrypts four blocks in place, as `cbc` hands them to the parallel backend path.
    #[cfg(test)]
    fn encrypt_blocks4(&self, blocks: &mut [[u8; 16]; 4]) {
        for block in blocks {
            self.encrypt.encrypt(V128::load(block)).store(block);
        }
    }

    /// Decrypts four independent blocks in place (faster than one by one; CBC decryption).
    #[cfg(test)]
    fn decrypt_blocks4(&self, blocks: &mut [[u8; 16]; 4]) {
        let out = self.decrypt_par(blocks.each_ref().map(V128::load));
        for (block, out) in blocks.iter_mut().zip(out) {
            out.store(block);
        }
    }
}

impl Drop for VpermAes256 {
    fn drop(&mut self) {
        self.decrypt.zeroize();
    }
}

impl ZeroizeOnDrop for VpermAes256 {}

impl fmt::Debug for VpermAes256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VpermAes256 { .. }")
    }
}

// ---------------------------------------------------------------------------------------------
// RustCrypto's block cipher traits (cipher 0.5), so `cbc` can drive the engine.

impl BlockSizeUser for VpermAes256 {
    type BlockSize = U16;
}

impl KeySizeUser for VpermAes256 {
    type KeySize = U32;
}

impl KeyInit for VpermAes256 {
    fn new(key: &Key<Self>) -> Self {
        Self::new(&key.0)
    }
}

impl AlgorithmName for VpermAes256 {
    fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VpermAes256")
    }
}

impl BlockCipherEncrypt for VpermAes256 {
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
        self.encrypt.encrypt_with_backend(f);
    }
}

impl BlockCipherDecrypt for VpermAes256 {
    fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = U16>) {
        f.call(&DecBackend(self));
    }
}

/// Decryption as a `cipher` backend: four blocks in parallel.
struct DecBackend<'a>(&'a VpermAes256);

impl BlockSizeUser for DecBackend<'_> {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for DecBackend<'_> {
    type ParBlocksSize = U4;
}

impl BlockCipherDecBackend for DecBackend<'_> {
    #[inline]
    fn decrypt_block(&self, mut block: InOut<'_, '_, Block<Self>>) {
        let [out] = self.0.decrypt_par([V128::load(&block.get_in().0)]);
        out.store(&mut block.get_out().0);
    }

    #[inline]
    fn decrypt_par_blocks(&self, mut blocks: InOut<'_, '_, ParBlocks<Self>>) {
        let out = self
            .0
            .decrypt_par(blocks.get_in().0.each_ref().map(|b| V128::load(&b.0)));
        for (block, out) in blocks.get_out().0.iter_mut().zip(out) {
            out.store(&mut block.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::Block;
    use crate::engine::testing::{self, byte_vectors, hex16, to_blocks, Rng};
    use aes::Aes256;

    #[test]
    fn the_decryption_basis_matches_its_definition() {
        for input in byte_vectors() {
            let v = V128::from_bytes(input);
            assert_eq!(
                TO_DEC_BASIS.apply(v).to_bytes(),
                input.map(|x| from_aes(affine_linear_inverse(x)))
            );
            assert_eq!(
                input.map(|x| affine_linear_inverse(affine_linear(x))),
                input
            );
        }
    }

    #[test]
    fn fips_197_appendix_c3() {
        let key: [u8; 32] = core::array::from_fn(|n| n as u8);
        let cipher = VpermAes256::new(&key);
        let mut block = hex16("00112233445566778899aabbccddeeff");
        cipher.encrypt_block(&mut block);
        assert_eq!(block, hex16("8ea2b7ca516745bfeafc49904b496089"));
        cipher.decrypt_block(&mut block);
        assert_eq!(block, hex16("00112233445566778899aabbccddeeff"));
    }

    #[test]
    fn sp800_38a_f25_f26_cbc_aes256() {
        testing::sp800_38a_cbc_aes256(
            VpermAes256::new,
            testing::cbc_crate_encrypt,
            testing::cbc_crate_decrypt,
        );
    }

    // --- Against RustCrypto's `aes` ----------------------------------------------------------

    #[test]
    fn random_blocks_match_aes() {
        use aes::cipher::{BlockCipherDecrypt as _, BlockCipherEncrypt as _, KeyInit as _};
        let mut rng = Rng(1);
        for _ in 0..2000 {
            let key: [u8; 32] = rng.bytes();
            let ours = VpermAes256::new(&key);
            let oracle = Aes256::new(&key.into());
            for _ in 0..4 {
                let plain: [u8; 16] = rng.bytes();
                let mut want = Block::from(plain);
                oracle.encrypt_block(&mut want);
                let mut got = plain;
                ours.encrypt_block(&mut got);
                assert_eq!(got, want.0);
                ours.decrypt_block(&mut got);
                assert_eq!(got, plain);
            }
            let plain: [[u8; 16]; 4] = core::array::from_fn(|_| rng.bytes());
            let mut cipher_blocks = plain;
            ours.encrypt_blocks4(&mut cipher_blocks);
            for (c, p) in cipher_blocks.iter().zip(&plain) {
                let mut want = Block::from(*p);
                oracle.encrypt_block(&mut want);
                assert_eq!(*c, want.0);
            }
            let mut random: [[u8; 16]; 4] = core::array::from_fn(|_| rng.bytes());
            let mut want = to_blocks(&random);
            oracle.decrypt_blocks(&mut want);
            ours.decrypt_blocks4(&mut random);
            assert_eq!(to_blocks(&random), want);
        }
    }

    #[test]
    fn random_cbc_of_1_to_64_blocks_matches_aes_both_directions() {
        testing::random_cbc_matches_aes(
            VpermAes256::new,
            testing::cbc_crate_encrypt,
            testing::cbc_crate_decrypt,
        );
    }

    #[test]
    fn key_init_and_debug() {
        use aes::cipher::KeyInit as _;
        let key = [7u8; 32];
        let via_trait = <VpermAes256 as KeyInit>::new(&key.into());
        let direct = VpermAes256::new(&key);
        let (mut a, mut b) = ([9u8; 16], [9u8; 16]);
        via_trait.encrypt_block(&mut a);
        direct.encrypt_block(&mut b);
        assert_eq!(a, b);
        assert_eq!(format!("{direct:?}"), "VpermAes256 { .. }");
        assert!(VpermAes256::new_from_slice(&[0; 31]).is_err());
    }
}
