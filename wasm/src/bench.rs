//! `make bench`'s engine micro-benchmark (benches/engine-run.mjs): the AES-256 engines alone,
//! CBC over a whole buffer, driven as the library drives them: the shipped engine through its own
//! CBC loops, the others through RustCrypto's `cbc`.
//!
//! Compiled only with the `bench` feature, into its own module (`target/bench-wasm`): the
//! shipped `.wasm` never contains these exports. JavaScript times the calls with
//! `performance.now()`; nothing here measures time.
//!
//! To benchmark another engine: add a variant to `Engine`, a name to `ENGINES`, and one arm to
//! each `match` below.

use aes::cipher::{
    consts::U16, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt,
    InnerIvInit, KeyInit,
};
use allpass_crypto::engine::{simd_aes::SimdAes256, vperm_decrypt::VpermAes256, Block};
use wasm_bindgen::prelude::*;

/// The engines, by the names `EngineBench` takes: (a) RustCrypto's `aes`, the baseline,
/// (b) the vector-permute engine in both directions (`src/engine/vperm.rs`,
/// `vperm_decrypt.rs`), (c) what ships: vector-permute encryption with bitsliced decryption
/// (`src/engine/simd_aes.rs`).
const ENGINES: [&str; 3] = ["aes-soft", "vperm", "vperm+bitsliced"];

// One short-lived instance per engine: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
enum Engine {
    /// RustCrypto `aes`, its portable constant-time fixsliced backend (wasm32 has no AES
    /// instructions, so this is what `aes` runs in WebAssembly).
    Soft(aes::Aes256),
    /// The vector-permute engine (one block at a time when chained, four at a time otherwise).
    Vperm(VpermAes256),
    /// The shipped engine: vector-permute encryption, bitsliced decryption of eight blocks.
    Simd(SimdAes256),
}

/// The names of the engines this module can benchmark.
#[wasm_bindgen(js_name = benchEngines)]
#[must_use]
pub fn bench_engines() -> Vec<String> {
    ENGINES.iter().map(|name| (*name).to_owned()).collect()
}

/// One engine with a fixed key, IV and buffer (deterministic, so outputs can be compared with
/// node:crypto's and between engines).
#[wasm_bindgen]
pub struct EngineBench {
    engine: Engine,
    iv: Block,
    blocks: Vec<Block>,
}

impl core::fmt::Debug for EngineBench {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EngineBench { .. }")
    }
}

/// The fixed test key: bytes 0, 1, …, 31.
fn bench_key() -> [u8; 32] {
    core::array::from_fn(|i| u8::try_from(i).unwrap_or(0))
}

#[wasm_bindgen]
impl EngineBench {
    /// `engine` is one of `benchEngines()`; the buffer is `bytes` rounded down to whole blocks,
    /// filled with a fixed pattern.
    ///
    /// # Errors
    /// An unknown engine name.
    #[wasm_bindgen(constructor)]
    pub fn new(engine: &str, bytes: usize) -> Result<EngineBench, JsError> {
        let key = bench_key();
        let engine = match engine {
            "aes-soft" => Engine::Soft(aes::Aes256::new(&key.into())),
            "vperm" => Engine::Vperm(VpermAes256::new(&key)),
            "vperm+bitsliced" => Engine::Simd(SimdAes256::new(&key)),
            other => return Err(JsError::new(&format!("unknown engine {other:?}"))),
        };
        let mut seed = 0x2545_f491_u32;
        let blocks = (0..bytes / 16)
            .map(|_| {
                Block::from(core::array::from_fn::<u8, 16, _>(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed.to_le_bytes()[0]
                }))
            })
            .collect();
        let iv = Block::from(core::array::from_fn::<u8, 16, _>(|i| {
            0xa0 | u8::try_from(i).unwrap_or(0)
        }));
        Ok(EngineBench { engine, iv, blocks })
    }

    /// CBC-encrypts the buffer in place (serial: each block waits for the one before).
    pub fn encrypt(&mut self) {
        match &self.engine {
            Engine::Soft(c) => cbc_encrypt(c, &self.iv, &mut self.blocks),
            Engine::Vperm(c) => cbc_encrypt(c, &self.iv, &mut self.blocks),
            Engine::Simd(c) => c.cbc_encrypt(&self.iv.0, &mut self.blocks),
        }
    }

    /// CBC-decrypts the buffer in place (parallel: the engine's multi-block path).
    pub fn decrypt(&mut self) {
        match &self.engine {
            Engine::Soft(c) => cbc_decrypt(c, &self.iv, &mut self.blocks),
            Engine::Vperm(c) => cbc_decrypt(c, &self.iv, &mut self.blocks),
            Engine::Simd(c) => c.cbc_decrypt(&self.iv.0, &mut self.blocks),
        }
    }

    /// A copy of the buffer, to check the engines against node:crypto and each other.
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        self.blocks
            .iter()
            .flat_map(|block| block.iter().copied())
            .collect()
    }

    /// The key, for the check against node:crypto.
    #[must_use]
    pub fn key(&self) -> Vec<u8> {
        bench_key().to_vec()
    }

    /// The IV, for the check against node:crypto.
    #[must_use]
    pub fn iv(&self) -> Vec<u8> {
        self.iv.to_vec()
    }
}

// One function per engine and direction, never inlined into the dispatch, so each engine's
// `cbc` loop is compiled on its own as in the library, not merged with the other engine's.

#[inline(never)]
fn cbc_encrypt<C: BlockCipherEncrypt<BlockSize = U16>>(
    cipher: &C,
    iv: &Block,
    blocks: &mut [Block],
) {
    cbc::Encryptor::inner_iv_init(cipher, iv).encrypt_blocks(blocks);
}

#[inline(never)]
fn cbc_decrypt<C: BlockCipherDecrypt<BlockSize = U16>>(
    cipher: &C,
    iv: &Block,
    blocks: &mut [Block],
) {
    cbc::Decryptor::inner_iv_init(cipher, iv).decrypt_blocks(blocks);
}
