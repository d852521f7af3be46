#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| frivillig_fuzz::run(frivillig_fuzz::fuzz::form_body, data));
