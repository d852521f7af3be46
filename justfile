# Frivillig: the developer's front door. CI (.ci/run) runs the same steps.

# Format check, lints as errors.
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Every test (the README's test command).
test:
    cargo test --workspace

# Server and a kiosk window on this machine (the README's first command).
demo:
    cargo run --bin frivillig-demo

# The server alone, with embedded defaults and its demo catalog.
server:
    cargo run -p frivillig-sync-server

# Benchmarks in release mode; writes BENCHMARKS.md. sync-bench needs Node 20 and the shared
# baseline (../shared/bench/automerge-repo-baseline); it runs about half an hour.
bench:
    cargo build --release -p frivillig-sync-server -p frivillig-tests --bins
    cargo run --release -p frivillig-tests --bin frivillig-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin kiosk-frame-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin admin-list-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin outbox-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin catalog-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin festival-bench -- --out BENCHMARKS.md
    taskset -c 1 target/release/kiosk-fleet-bench --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin sync-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin sync-bench -- --client rust --out BENCHMARKS.md

# Long runs of the fault tests, then their figures as a table. Power cuts: 20,000 (CI
# runs 2,000); kill loop: 1,000 SIGKILLs of kiosk and server processes (CI 50);
# convergence: 20,000 cases (CI 500); slow-loris: 1,000 connections for a minute (CI 200
# for 5 s); 500 kiosks for 10 minutes (CI: 20 for 10 s); each fuzz target for FUZZ_SECS (an hour; needs nightly and cargo-fuzz, and
# CI replays the corpus only).
soak FUZZ_SECS="3600":
    #!/usr/bin/env bash
    set -euo pipefail
    log=$(mktemp)
    run() { cargo test --release -p frivillig-tests --test it "$@" -- --nocapture 2>&1 | tee -a "$log"; }
    FRIVILLIG_POWERCUT_POINTS=20000 run powercut
    FRIVILLIG_KILLS=1000 run kill::a_kill_loop
    FRIVILLIG_CONVERGENCE_CASES=20000 run convergence
    FRIVILLIG_SLOWLORIS=1000 FRIVILLIG_SLOWLORIS_SECS=60 run hardening::slow_loris
    FRIVILLIG_LOAD_KIOSKS=500 FRIVILLIG_LOAD_SECS=600 run load::
    cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked
    for t in saved_document sync_message sync_session sealed_envelope qr_payload config_file form_body; do
        # Crashes of earlier runs stay in artifacts/; count only this run's.
        before=$(ls tests/fuzz/artifacts/$t 2>/dev/null | wc -l)
        cargo +nightly fuzz run "$t" --fuzz-dir tests/fuzz -O -- -max_total_time={{FUZZ_SECS}} 2>&1 \
            | tee -a "$log" | grep -E "^(Done|==|INFO: -max_total_time)" || true
        after=$(ls tests/fuzz/artifacts/$t 2>/dev/null | wc -l)
        echo "fuzz $t: {{FUZZ_SECS}} s, $((after - before)) crashes" | tee -a "$log"
    done
    echo
    echo "| figure | result |"
    echo "|---|---|"
    grep -E "^(power cuts|lying disk|kill loop|convergence|slow-loris|[0-9]+ kiosks|fuzz [a-z_]+:)" "$log" \
        | sed -e 's/|/\\|/g' -e 's/^\([^:]*\): \(.*\)$/| \1 | \2 |/'
    rm -f "$log"
