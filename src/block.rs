//! [`Block`]: one AES block as RustCrypto's modes and block ciphers hold it, the one type the
//! CBC code (`aes_cbc.rs`), the engines (`engine/`) and their tests and benchmark share.

/// A 16-byte AES block ([`crate::BLOCK_LEN`] bytes).
pub type Block = aes::cipher::array::Array<u8, aes::cipher::consts::U16>;
