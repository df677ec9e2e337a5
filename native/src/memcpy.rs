//! `memcpy` and `memmove` for the x86_64 musl executables, in place of musl's.
//!
//! musl's x86_64 `memcpy` copies any size of 8 bytes or more with `rep movsq`, which costs tens
//! of cycles to start, and the rest a byte at a time. An HTTP server copies many small pieces
//! (header names and values, short bodies, parse buffers): under wrk at 64 connections musl's
//! `memcpy` was 7% of the server's samples against 1.7% for glibc's in the same `app()` under
//! `axum::serve` (perf). Copies of up to 64 bytes here are a few overlapping loads and stores,
//! as glibc's are; longer ones are one `rep movsb`, which CPUs with fast strings run at full
//! speed. The same problem in uv: <https://github.com/astral-sh/uv/issues/10610>.
//!
//! Defining `memmove` too keeps musl's `memcpy.o` out of the link (musl's `memmove` jumps into
//! it), so the linker sees one definition of each.
//!
//! No loop here is written in Rust: the compiler turns a copying loop into a call to `memcpy`,
//! which here would call itself.
#![allow(unsafe_code)] // C's own functions, on raw pointers by nature

use std::ptr::{read_unaligned as load, write_unaligned as store};

/// The C `memcpy`: `n` bytes from `src` to `dst`, which do not overlap.
///
/// # Safety
/// As C's: both ranges valid for `n` bytes and disjoint.
#[cfg(all(target_arch = "x86_64", target_env = "musl"))]
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    copy(dst, src, n);
    dst
}

/// The C `memmove`: `n` bytes from `src` to `dst`, which may overlap.
///
/// # Safety
/// As C's: both ranges valid for `n` bytes.
#[cfg(all(target_arch = "x86_64", target_env = "musl"))]
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    copy(dst, src, n);
    dst
}

/// Copies `n` bytes from `src` to `dst`, correct when the two overlap: a short copy loads every
/// byte before it stores any, and a long one runs backwards when `dst` is ahead of `src`.
#[cfg_attr(not(target_env = "musl"), allow(dead_code))]
#[inline(always)]
unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) {
    if n <= 16 {
        if n >= 8 {
            let (a, b) = (load(src as *const u64), load(src.add(n - 8) as *const u64));
            store(dst as *mut u64, a);
            store(dst.add(n - 8) as *mut u64, b);
        } else if n >= 4 {
            let (a, b) = (load(src as *const u32), load(src.add(n - 4) as *const u32));
            store(dst as *mut u32, a);
            store(dst.add(n - 4) as *mut u32, b);
        } else if n > 0 {
            // 1 to 3 bytes: the first, the middle and the last (some of them the same byte).
            let (a, b, c) = (*src, *src.add(n / 2), *src.add(n - 1));
            *dst = a;
            *dst.add(n / 2) = b;
            *dst.add(n - 1) = c;
        }
    } else if n <= 32 {
        let (a, b) = (
            load(src as *const u128),
            load(src.add(n - 16) as *const u128),
        );
        store(dst as *mut u128, a);
        store(dst.add(n - 16) as *mut u128, b);
    } else if n <= 64 {
        let (a, b) = (load(src as *const u128), load(src.add(16) as *const u128));
        let (c, d) = (
            load(src.add(n - 32) as *const u128),
            load(src.add(n - 16) as *const u128),
        );
        store(dst as *mut u128, a);
        store(dst.add(16) as *mut u128, b);
        store(dst.add(n - 32) as *mut u128, c);
        store(dst.add(n - 16) as *mut u128, d);
    } else if (dst as usize).wrapping_sub(src as usize) >= n {
        // `dst` is not inside `src..src + n`: forwards is safe.
        std::arch::asm!(
            "rep movsb",
            inout("rcx") n => _,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags)
        );
    } else {
        // `dst` is ahead of `src` and overlaps it: from the last byte down, then the direction
        // flag back as the ABI requires.
        std::arch::asm!(
            "std",
            "rep movsb",
            "cld",
            inout("rcx") n => _,
            inout("rdi") dst.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _,
            options(nostack)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::copy;

    /// Every size up to 300 and every overlap within a 700-byte buffer that matters for it:
    /// the result is what `copy_within` (the standard library's memmove) gives.
    #[test]
    fn copies_every_size_and_overlap_as_memmove_does() {
        let original: Vec<u8> = (0..700u32).map(|i| (i * 7 + i / 256) as u8).collect();
        for n in 0..300usize {
            for (from, to) in [
                (0, 350),
                (350, 0),
                (10, 11),
                (11, 10),
                (5, 5 + n / 2),
                (5 + n / 2, 5),
                (3, 3 + n),
                (1, 0),
                (0, 1),
            ] {
                if from + n > original.len() || to + n > original.len() {
                    continue;
                }
                let mut ours = original.clone();
                let mut expected = original.clone();
                expected.copy_within(from..from + n, to);
                unsafe {
                    let base = ours.as_mut_ptr();
                    copy(base.add(to), base.add(from), n);
                }
                assert_eq!(ours, expected, "{n} bytes from {from} to {to}");
            }
        }
    }
}
