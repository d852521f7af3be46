//! The fuzz targets of `tests/src/fuzz.rs`, built without the rest of the tests crate (and
//! so without the kiosk's screens).

#[path = "../src/fuzz.rs"]
pub mod fuzz;

/// Files of automerge 0.12 where it panics on malformed input (see
/// `frivillig_common::untrusted`); our code catches those panics and refuses the input.
const KNOWN_AUTOMERGE_PANICS: [&str; 3] = [
    "src/op_set2/change/batch.rs",
    "src/sync/bloom.rs",
    "src/change_graph.rs",
];

/// Run `target` on `data`. libFuzzer's panic hook aborts on every panic, even one that is
/// caught; this one lets automerge's known panics unwind to the code that catches them,
/// and aborts on any other, so the fuzzer looks past the known bugs for new ones.
pub fn run(target: fuzz::Target, data: &[u8]) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let known = info.location().is_some_and(|l| {
                l.file().contains("automerge-0.12.0")
                    && KNOWN_AUTOMERGE_PANICS.iter().any(|f| l.file().ends_with(f))
            });
            if !known {
                default(info);
                std::process::abort();
            }
        }));
    });
    target(data);
}
