//! A kiosk process for the kill test: opens a kiosk core from a config file, takes signups
//! as fast as it can, and prints `SAVED <id>` after each `submit_signup` returns, so the
//! test knows exactly which signups were confirmed before it killed the process.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use frivillig_kiosk::{KioskConfig, KioskCore, SystemClock};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let config_path = args
        .next()
        .context("usage: kiosk-burst <config> <count> <opportunity> [shift]")?;
    let count: usize = args.next().context("count")?.parse().context("count")?;
    let opportunity = args.next().context("opportunity")?;
    let shift = args.next();
    let config = KioskConfig::load(config_path.as_ref())?;
    let kiosk_id = config.kiosk_id.clone();
    let core = KioskCore::open(config, Arc::new(SystemClock)).await?;
    let stdout = std::io::stdout();
    for i in 0..count {
        let form = frivillig_tests::visitor_form(&kiosk_id, i);
        let receipt = core
            .submit_signup(&opportunity, shift.as_deref(), &form)
            .await?;
        let mut out = stdout.lock();
        writeln!(out, "SAVED {}", receipt.signup_id)?;
        out.flush()?;
    }
    core.shutdown().await;
    Ok(())
}
