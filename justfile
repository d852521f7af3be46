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

# Benchmarks in release mode; writes BENCHMARKS.md.
bench:
    cargo run --release -p frivillig-tests --bin frivillig-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin kiosk-frame-bench -- --out BENCHMARKS.md
    cargo run --release -p frivillig-tests --bin admin-list-bench -- --out BENCHMARKS.md

# Long runs of the fault tests; prints their figures. Power cuts: 20,000 (CI runs 2,000);
# kill loop: 1,000 SIGKILLs of kiosk and server processes (CI runs 50).
soak:
    FRIVILLIG_POWERCUT_POINTS=20000 cargo test --release -p frivillig-tests --test it powercut -- --nocapture
    FRIVILLIG_KILLS=1000 cargo test --release -p frivillig-tests --test it kill::a_kill_loop -- --nocapture
