//! The operator's path end to end, through the real binary: `init` a data folder, start the
//! server on it, `enrol` a kiosk, let it sync, `revoke` it, and see it refused.
//!
//! The binary is `provision-proc`: `frivillig-provision`'s own source built as a binary of
//! this crate (cargo tells a test where a binary is only within one package, and these tests
//! need a real kiosk, which the operator's tool must not link).

mod backup;
mod catalog;
mod operator;

use std::process::Command;

/// Run the operator's tool; whether it succeeded, and what it printed.
pub(super) fn provision(args: &[&str]) -> anyhow::Result<(bool, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_provision-proc"))
        .args(args)
        .output()?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}
