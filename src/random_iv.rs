//! Fresh random IVs for [`Cipher::encrypt`](crate::Cipher::encrypt).
//!
//! Natively, every IV is one `getrandom` call. In WebAssembly a call is a trip to the host's
//! `crypto.getRandomValues`, whose cost is per call whatever the size, and more than the AES of
//! a small payload (benches/RESULTS.md, "Levers"). So there IVs are drawn sixteen at a time
//! and handed out in order, each wiped from the pool as it is taken.
//!
//! Pooling is sound for IVs: CBC needs each one unpredictable until it is used, and it is public
//! from then on; bytes in the pool are as secret as anything else in the instance's memory (Node's
//! own `crypto.randomUUID` caches random data the same way). It is WebAssembly-only because a
//! native process can fork, and the child would hand out the parent's pooled IVs again; a wasm
//! instance cannot fork. What can copy an instance is a snapshot of its memory (Wizer-style
//! pre-initialisation, a hosting platform's memory snapshots): a snapshot taken after an
//! encryption would give every restored copy the same pooled IVs. Where that can happen, draw
//! the IV yourself and use [`Cipher::encrypt_with_iv`](crate::Cipher::encrypt_with_iv). Keys
//! never come from the pool.

use crate::error::Error;
use crate::framing::BLOCK_LEN;

/// A fresh random IV.
///
/// # Errors
/// [`Error::RngFailed`] if the platform's secure random source fails.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn fresh_iv() -> Result<[u8; BLOCK_LEN], Error> {
    let mut iv = [0u8; BLOCK_LEN];
    getrandom::fill(&mut iv).map_err(|_| Error::RngFailed)?;
    Ok(iv)
}

#[cfg(target_arch = "wasm32")]
pub(crate) use pool::fresh_iv;

// Built natively too for its tests, which give it a fake random source.
#[cfg(any(target_arch = "wasm32", test))]
mod pool {
    use super::{Error, BLOCK_LEN};

    /// IVs drawn per call to the host.
    pub(super) const IVS: usize = 16;

    pub(super) struct Pool {
        ivs: [[u8; BLOCK_LEN]; IVS],
        /// The next IV to hand out; `IVS` when the pool is used up.
        next: usize,
    }

    impl Pool {
        pub(super) const EMPTY: Self = Self {
            ivs: [[0; BLOCK_LEN]; IVS],
            next: IVS,
        };

        /// The next IV, refilling the pool with `fill` when it is used up. If `fill` fails,
        /// the pool stays used up: no IV is ever handed out from a failed draw.
        pub(super) fn take(
            &mut self,
            fill: impl FnOnce(&mut [u8]) -> Result<(), getrandom::Error>,
        ) -> Result<[u8; BLOCK_LEN], Error> {
            if self.next >= IVS {
                fill(self.ivs.as_flattened_mut()).map_err(|_| Error::RngFailed)?;
                self.next = 0;
            }
            let next = self.next;
            let slot = self.ivs.get_mut(next).ok_or(Error::RngFailed)?;
            let iv = *slot;
            crate::wipe::wipe(slot);
            self.next = next.saturating_add(1);
            Ok(iv)
        }

        #[cfg(test)]
        pub(super) fn contents(&self) -> &[[u8; BLOCK_LEN]; IVS] {
            &self.ivs
        }
    }

    #[cfg(target_arch = "wasm32")]
    thread_local! {
        static POOL: core::cell::RefCell<Pool> = const { core::cell::RefCell::new(Pool::EMPTY) };
    }

    /// A fresh random IV (see the module documentation).
    ///
    /// # Errors
    /// [`Error::RngFailed`] if the host's secure random source fails.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn fresh_iv() -> Result<[u8; BLOCK_LEN], Error> {
        POOL.with(|pool| {
            // `getrandom` calls the host's `crypto.getRandomValues`, which a caller could replace
            // with a function that calls back into this module: the pool is then still borrowed,
            // and that inner call fails with an error instead of a panic.
            let mut pool = pool.try_borrow_mut().map_err(|_| Error::RngFailed)?;
            pool.take(getrandom::fill)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ivs_are_distinct_across_several_draws_from_the_host() {
        // 100 IVs: in WebAssembly (`make test-rust-wasm`), past six refills of the pool.
        let ivs: Vec<[u8; BLOCK_LEN]> = (0..100).map(|_| fresh_iv().unwrap()).collect();
        let distinct: std::collections::HashSet<_> = ivs.iter().collect();
        assert_eq!(distinct.len(), ivs.len(), "an IV repeated");
        assert!(ivs.iter().all(|iv| iv != &[0; BLOCK_LEN]), "an all-zero IV");
        // Every byte position takes many values: not a counter, not a constant.
        for position in 0..BLOCK_LEN {
            let values: std::collections::HashSet<u8> = ivs.iter().map(|iv| iv[position]).collect();
            assert!(
                values.len() > 40,
                "byte {position} took {} values",
                values.len()
            );
        }
    }

    #[test]
    fn the_pool_hands_out_each_drawn_iv_once_in_order_and_wipes_it() {
        use pool::{Pool, IVS};
        let mut pool = Pool::EMPTY;
        let mut draws = 0u8;
        let mut fill = |out: &mut [u8]| {
            draws += 1;
            for (n, byte) in out.iter_mut().enumerate() {
                *byte = (n as u8) ^ draws.wrapping_mul(0x5b);
            }
            Ok(())
        };
        let mut seen = Vec::new();
        for n in 0..IVS * 2 + 1 {
            let iv = pool.take(&mut fill).unwrap();
            let slot = n % IVS;
            let draw = (n / IVS + 1) as u8;
            let want: [u8; BLOCK_LEN] =
                core::array::from_fn(|i| ((slot * BLOCK_LEN + i) as u8) ^ draw.wrapping_mul(0x5b));
            assert_eq!(iv, want, "IV {n}");
            assert_eq!(
                pool.contents()[slot],
                [0; BLOCK_LEN],
                "IV {n} wiped from the pool"
            );
            seen.push(iv);
        }
        assert_eq!(draws, 3, "one draw per {IVS} IVs");
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len());
    }

    #[test]
    fn a_failed_draw_hands_out_nothing_from_it() {
        use pool::Pool;
        let mut pool = Pool::EMPTY;
        let failing = |out: &mut [u8]| {
            out.fill(0xaa); // what a failing source may leave behind
            Err(getrandom::Error::UNSUPPORTED)
        };
        assert_eq!(pool.take(failing), Err(Error::RngFailed));
        assert_eq!(pool.take(failing), Err(Error::RngFailed), "still empty");
        let iv = pool.take(|out: &mut [u8]| {
            out.fill(0x11);
            Ok(())
        });
        assert_eq!(iv, Ok([0x11; BLOCK_LEN]));
    }
}
