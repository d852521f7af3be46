//! A kiosk process for the kill test: opens a kiosk core from a config file, takes signups
//! as fast as it can, and prints `SAVED <id>` after each `submit_signup` returns, so the
//! test knows exactly which signups were confirmed before it killed the process.
//!
//! With `FRIVILLIG_BURST_SYNC=1` it also runs the sync worker, and
//! `FRIVILLIG_BURST_PAUSE_MS` puts a pause between signups, so that kills land during sync
//! as well as during signups. `FRIVILLIG_BURST_SPEED` (with `FRIVILLIG_BURST_EPOCH`, an RFC
//! 3339 time shared by every process of a run) makes the kiosk's clock run that many times
//! faster from the epoch (reading `FRIVILLIG_BURST_FROM` at it, if given), so days end every
//! few seconds: journals close, are acknowledged
//! and deleted at the kiosk, which is where a server that acknowledged too early would
//! lose signups. With `FRIVILLIG_BURST_PEERS=1` it runs festival mode too, on the config's
//! `peer_listen` and `peers`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use frivillig_kiosk::{Clock, KioskConfig, KioskCore, SystemClock};

/// Time from a shared epoch, `speed` times faster than real time, reading `from` at the
/// epoch (a time in the past, so that the days it runs through stay within what the
/// server accepts from a kiosk's clock).
struct FastClock {
    epoch: DateTime<Utc>,
    from: DateTime<Utc>,
    speed: i32,
}

impl Clock for FastClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let t = self.from + (Utc::now() - self.epoch) * self.speed;
        t.fixed_offset()
    }
}

fn clock() -> anyhow::Result<Arc<dyn Clock>> {
    let Ok(speed) = std::env::var("FRIVILLIG_BURST_SPEED") else {
        return Ok(Arc::new(SystemClock));
    };
    let speed: i32 = speed.parse().context("FRIVILLIG_BURST_SPEED")?;
    let epoch = std::env::var("FRIVILLIG_BURST_EPOCH").context("FRIVILLIG_BURST_EPOCH")?;
    let epoch = DateTime::parse_from_rfc3339(&epoch)
        .context("FRIVILLIG_BURST_EPOCH")?
        .to_utc();
    let from = match std::env::var("FRIVILLIG_BURST_FROM") {
        Ok(from) => DateTime::parse_from_rfc3339(&from)
            .context("FRIVILLIG_BURST_FROM")?
            .to_utc(),
        Err(_) => epoch,
    };
    Ok(Arc::new(FastClock { epoch, from, speed }))
}

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
    let core = KioskCore::open(config, clock()?).await?;
    let worker = (std::env::var("FRIVILLIG_BURST_SYNC").as_deref() == Ok("1"))
        .then(|| frivillig_kiosk::SyncWorker::start(&core));
    let peers = match (
        std::env::var("FRIVILLIG_BURST_PEERS").as_deref(),
        core.config().peer_listen.clone(),
    ) {
        (Ok("1"), Some(listen)) => Some(
            frivillig_kiosk::PeerNet::start(&core, listen.parse().context("peer_listen")?).await?,
        ),
        _ => None,
    };
    let pause: u64 = std::env::var("FRIVILLIG_BURST_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // Each process numbers its visitors from a different start, so their details differ.
    let first: usize = std::env::var("FRIVILLIG_BURST_FIRST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let stdout = std::io::stdout();
    for i in first..first + count {
        if pause > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        }
        let form = frivillig_tests::visitor_form(&kiosk_id, i);
        let receipt = core
            .submit_signup(&opportunity, shift.as_deref(), &form)
            .await?;
        let mut out = stdout.lock();
        writeln!(out, "SAVED {}", receipt.signup_id)?;
        out.flush()?;
    }
    if let Some(p) = peers {
        p.stop().await;
    }
    if let Some(w) = worker {
        w.stop().await;
    }
    core.shutdown().await;
    Ok(())
}
