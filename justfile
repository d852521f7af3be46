# Frivillig: the developer's front door. CI (.ci/run) runs the same steps.

# Format check, lints as errors.
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Every test (the README's test command).
test:
    cargo test --workspace

# The server with embedded defaults and its demo catalog (the README's first command).
demo:
    cargo run -p frivillig-sync-server

# Benchmarks in release mode; writes BENCHMARKS.md.
bench:
    cargo run --release -p frivillig-tests --bin frivillig-bench -- --out BENCHMARKS.md
