//! AES-256's key schedule (FIPS-197 §5.2): the 15 round keys, in AES's basis and byte order,
//! from which both engines derive their own round keys (`simd_aes.rs`; `vperm_decrypt.rs`).
//!
//! Vector operations four words at a time, with SubWord done by the vector-permute S-box
//! (`sub_bytes`, constant-time: see `vperm.rs`) on all 16 bytes of a vector. The raw key's
//! copy is wiped; the caller wipes the round keys once its engines hold their own.

use super::vperm::{field::mul, sub_bytes, INFINITY};
use crate::v128::{table, V128};
use crate::wipe::wipe;

/// Every word of the result is `RotWord` of the last word of the input.
const ROT_LAST_WORD: V128 = table!(|n| 12 | (n.wrapping_add(1) & 3));
/// Every word of the result is the last word of the input.
const LAST_WORD: V128 = table!(|n| 12 | (n & 3));
/// The words moved up by one and by two places (zeros shifted in).
const WORDS_UP_1: V128 = table!(|n| if n < 4 { INFINITY } else { n - 4 });
const WORDS_UP_2: V128 = table!(|n| if n < 8 { INFINITY } else { n - 8 });

/// The next 4 words of AES-256's key expansion: word `m` is `w[i-8+m] ^ ... ^ w[i-8] ^ t` with
/// `t = SubWord(selected word of w[i-4..i]) ^ rcon`, the selection being `RotWord(last)` or
/// `last`.
// Key setup only: out of line, so the 13 steps of the schedule share one copy (smaller module).
#[inline(never)]
fn expand_step(older: V128, newer: V128, select: V128, rcon: u8) -> V128 {
    let rcon = V128::from_bytes([rcon, 0, 0, 0, rcon, 0, 0, 0, rcon, 0, 0, 0, rcon, 0, 0, 0]);
    let t = sub_bytes(newer.swizzle(select)) ^ rcon;
    let running = older ^ older.swizzle(WORDS_UP_1);
    running ^ running.swizzle(WORDS_UP_2) ^ t
}

/// AES-256's 15 round keys (FIPS-197 §5.2), in AES's basis and byte order.
pub(super) fn expand_key(key: &[u8; 32]) -> [[u8; 16]; 15] {
    let mut halves = [[0u8; 16]; 2];
    for (dst, &src) in halves.iter_mut().flatten().zip(key.iter()) {
        *dst = src;
    }
    let [first, second] = halves.each_ref().map(V128::load);
    wipe(halves.as_flattened_mut());

    let mut keys = [[0u8; 16]; 15];
    let (mut older, mut newer) = (first, second);
    let mut rcon = 1u8;
    for (number, slot) in keys.iter_mut().enumerate() {
        let key = match number {
            0 => first,
            1 => second,
            _ if number & 1 == 0 => {
                let key = expand_step(older, newer, ROT_LAST_WORD, rcon);
                rcon = mul(rcon, 2);
                key
            }
            _ => expand_step(older, newer, LAST_WORD, 0),
        };
        if number >= 2 {
            (older, newer) = (newer, key);
        }
        key.store(slot);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{hex16, hex32};

    #[test]
    fn fips_197_appendix_a3_key_expansion() {
        let key = hex32("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let keys = expand_key(&key);
        assert_eq!(keys[2], hex16("9ba354118e6925afa51a8b5f2067fcde"));
        assert_eq!(keys[3], hex16("a8b09c1a93d194cdbe49846eb75d5b9a"));
        assert_eq!(keys[14], hex16("fe4890d1e6188d0b046df344706c631e"));
    }
}
