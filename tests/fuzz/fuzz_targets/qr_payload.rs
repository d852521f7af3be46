#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| frivillig_fuzz::run(frivillig_fuzz::fuzz::qr_payload, data));
