#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gzrs_fuzz::emulator_runtime_api(data));
