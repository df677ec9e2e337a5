#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gzrs_fuzz::sidecar_frames(data));
