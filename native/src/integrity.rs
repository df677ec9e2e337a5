//! The executable checks its own bytes before it serves: its size and [`fingerprint`], as
//! `gzrs build` recorded them in the class, which passes them in [`EXPECTED`]. A corrupt, truncated or stale
//! executable (one from another build) then stops at once with [`CORRUPT_EXIT`] and says so,
//! and the class answers every request with that.
//!
//! Why here and not in the class: hashing 1.3 MB in Node meant loading `node:crypto` (2.6 ms)
//! and hashing (1.4 ms) on every cold start; here the bytes are read once, in native code, and
//! fingerprinted in about a tenth of a millisecond. The fingerprint is not a defence against
//! someone who can change the file, but neither was the SHA-256: whoever can change the
//! executable can change the class that records its hash. What it guards against, like the
//! SHA-256 did, is a file damaged, cut short or left over from another build. Not CRC-32 from a
//! crate: its tables made the executable 24–34 KB larger.

use std::fmt::Write as _;
use std::io::Read as _;

/// `SIZE:FINGERPRINT` (decimal bytes, sixteen hex digits), set by the class when it starts the
/// executable.
pub const EXPECTED: &str = "GZRS_EXPECT_EXECUTABLE";
/// The exit status that tells the class the executable failed its own check.
pub const CORRUPT_EXIT: u8 = 78;

/// Checks this executable against [`EXPECTED`], if the variable is set: `Err` says why it does
/// not match, for the log.
///
/// The file is read through one small buffer rather than into memory as a whole: the bytes come
/// from the page cache either way, but a buffer the size of the executable is fresh memory,
/// and faulting in its few hundred pages cost 3 ms of every cold start on a small VM, thirty
/// times the fingerprint itself.
pub fn check() -> Result<(), String> {
    let Ok(expected) = std::env::var(EXPECTED) else {
        return Ok(());
    };
    let path = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let unreadable = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = std::fs::File::open(&path).map_err(unreadable)?;
    let mut buffer = [0u8; 32 * 1024];
    let mut fingerprint = Fingerprint::new();
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => fingerprint.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(e)),
        }
    }
    let actual = format!("{}:{:016x}", fingerprint.length, fingerprint.finish());
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "gzrs: the native executable {} is corrupt or from another build (size:fingerprint {actual}, \
             recorded at build time {expected}). Rebuild with `gzrs build --mode native` and redeploy.",
            path.display()
        ))
    }
}

const PRIME: u64 = 0x0000_0100_0000_01b3;
const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64-bit) over little-endian 8-byte words, in four lanes so the multiplications
/// overlap, the lanes, the last bytes and the length folded in at the end. Every step is a
/// bijection of the state, so a change within any one word always changes the result; other
/// changes collide with a chance of about 2^-64.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut fingerprint = Fingerprint::new();
    fingerprint.update(bytes);
    fingerprint.finish()
}

/// [`fingerprint`] fed piece by piece: the same result however the bytes are split.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    lanes: [u64; 4],
    /// Bytes of an unfinished 32-byte block, `pending_len` of them.
    pending: [u8; 32],
    pending_len: usize,
    /// Bytes fed so far.
    pub length: u64,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprint {
    pub fn new() -> Fingerprint {
        Fingerprint {
            lanes: [OFFSET, OFFSET ^ 1, OFFSET ^ 2, OFFSET ^ 3],
            pending: [0; 32],
            pending_len: 0,
            length: 0,
        }
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        self.length += bytes.len() as u64;
        if self.pending_len > 0 {
            let take = (32 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            self.block(block.try_into().expect("32 bytes"));
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn block(&mut self, block: &[u8; 32]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            *lane = (*lane ^ word).wrapping_mul(PRIME);
        }
    }

    pub fn finish(&self) -> u64 {
        let mut hash = OFFSET;
        for lane in self.lanes {
            hash = (hash ^ lane).wrapping_mul(PRIME);
        }
        for &byte in &self.pending[..self.pending_len] {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
        (hash ^ self.length).wrapping_mul(PRIME)
    }
}

/// [`fingerprint`] as sixteen lower-case hex digits, as `gzrs build` records it.
pub fn fingerprint_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(16);
    let _ = write!(hex, "{:016x}", fingerprint(bytes));
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_to_a_byte_or_the_length_changes_the_fingerprint() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let original = fingerprint(&bytes);
        assert_eq!(original, fingerprint(&bytes.clone()));
        for at in [0, 7, 8, 31, 32, 500, 995, 999] {
            for bit in 0..8 {
                let mut changed = bytes.clone();
                changed[at] ^= 1 << bit;
                assert_ne!(fingerprint(&changed), original, "byte {at} bit {bit}");
            }
        }
        assert_ne!(fingerprint(&bytes[..999]), original, "cut short");
        let mut longer = bytes.clone();
        longer.push(0);
        assert_ne!(fingerprint(&longer), original, "a zero byte added");
        assert_eq!(fingerprint_hex(&bytes).len(), 16);
    }

    #[test]
    fn the_fingerprint_is_the_same_however_the_bytes_arrive() {
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 13 % 253) as u8).collect();
        let whole = fingerprint(&bytes);
        for piece in [1, 5, 31, 32, 33, 100, 4096] {
            let mut streamed = Fingerprint::new();
            for chunk in bytes.chunks(piece) {
                streamed.update(chunk);
            }
            assert_eq!(streamed.finish(), whole, "pieces of {piece} bytes");
            assert_eq!(streamed.length, bytes.len() as u64);
        }
    }
}
