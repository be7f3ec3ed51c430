//! [`wipe`]: how key material and IVs are erased, by the engines and the IV pool alike.

/// Wipes `bytes` (volatile writes, `zeroize`). Out of line, so each call is one small loop:
/// inlined with a known length, `zeroize`'s volatile byte writes unroll into one store each
/// (hundreds of instructions for a key schedule).
#[inline(never)]
pub(crate) fn wipe(bytes: &mut [u8]) {
    zeroize::Zeroize::zeroize(bytes);
}
