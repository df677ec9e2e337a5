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

/// `SIZE:FINGERPRINT` (decimal bytes, sixteen hex digits), set by the class when it starts the
/// executable.
pub const EXPECTED: &str = "GZRS_EXPECT_EXECUTABLE";
/// The exit status that tells the class the executable failed its own check.
pub const CORRUPT_EXIT: u8 = 78;

/// Checks this executable against [`EXPECTED`], if the variable is set: `Err` says why it does
/// not match, for the log.
pub fn check() -> Result<(), String> {
    let Ok(expected) = std::env::var(EXPECTED) else {
        return Ok(());
    };
    let path = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let actual = format!("{}:{}", bytes.len(), fingerprint_hex(&bytes));
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

/// FNV-1a (64-bit) over little-endian 8-byte words, in four lanes so the multiplications
/// overlap, the lanes and the length folded in at the end. Every step is a bijection of the
/// state, so a change within any one word always changes the result; other changes collide
/// with a chance of about 2^-64.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    let mut lanes = [OFFSET, OFFSET ^ 1, OFFSET ^ 2, OFFSET ^ 3];
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        for (lane, word) in lanes.iter_mut().zip(chunk.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            *lane = (*lane ^ word).wrapping_mul(PRIME);
        }
    }
    let mut hash = OFFSET;
    for lane in lanes {
        hash = (hash ^ lane).wrapping_mul(PRIME);
    }
    for &byte in chunks.remainder() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
    }
    (hash ^ bytes.len() as u64).wrapping_mul(PRIME)
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
}
