//! The fuzz targets of `tests/src/fuzz.rs`, built without the rest of the tests crate (and
//! so without the kiosk's screens).

#[path = "../src/fuzz.rs"]
pub mod fuzz;

/// The crates whose panics on malformed input our code catches: automerge 0.12 and hexane,
/// its column encoding (see `frivillig_common::untrusted`; samod's actors, vendored patch 6).
/// The first hours of fuzzing kept finding new places in both (a change's actor table, a
/// sequence number out of order, a bloom filter without bits; `unexpected null in
/// non-nullable column`, a run across a slab's end, an op slot filled twice while a saved
/// document is rebuilt), so a panic anywhere in them unwinds to the code that catches it.
/// One that nothing catches still ends the run: libFuzzer aborts on a panic that leaves the
/// target.
const CAUGHT_CRATES: [&str; 2] = ["automerge-0.12.0", "hexane-1.0.0-alpha.5"];

/// Run `target` on `data`. libFuzzer's panic hook aborts on every panic, even one that is
/// caught; this one lets automerge's panics unwind to the code that catches them, and
/// aborts on any other (ours, samod's), so the fuzzer looks past automerge's bugs for ours.
pub fn run(target: fuzz::Target, data: &[u8]) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let known = info
                .location()
                .is_some_and(|l| CAUGHT_CRATES.iter().any(|krate| l.file().contains(krate)));
            if !known {
                default(info);
                std::process::abort();
            }
        }));
    });
    target(data);
}
