//! How far an evaluation has got, for a progress display: engines say how many bytes they
//! are about to read before they read them, and count what they read.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    read: AtomicU64,
    total: AtomicU64,
    /// An input whose size is not known in advance (compressed text) was opened.
    unknown: AtomicBool,
}

impl Progress {
    /// Bytes read so far: as stored for Parquet (compressed), after decompression for text.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// The bytes to read in all, as far as the engine has planned, when every input's size
    /// is known.
    pub fn total(&self) -> Option<u64> {
        let total = self.total.load(Ordering::Relaxed);
        (!self.unknown.load(Ordering::Relaxed) && total > 0).then_some(total)
    }

    pub(crate) fn add_read(&self, bytes: u64) {
        self.read.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Adds bytes about to be read to the total; `None` when their number is not known.
    pub(crate) fn expect(&self, bytes: Option<u64>) {
        match bytes {
            Some(bytes) => {
                self.total.fetch_add(bytes, Ordering::Relaxed);
            }
            None => self.unknown.store(true, Ordering::Relaxed),
        }
    }

    /// The counter of bytes read, for a reader that counts what passes through it.
    pub(crate) fn counter(&self) -> &AtomicU64 {
        &self.read
    }
}
