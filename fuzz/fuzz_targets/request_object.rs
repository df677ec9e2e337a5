#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gzrs_fuzz::request_object(data));
