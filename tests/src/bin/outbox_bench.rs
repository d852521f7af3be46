//! `outbox-bench`: 10,000 queued messages drained by the server's sender into a real SMTP
//! server (`tests/smtp/sink.py`, aiosmtpd), beside the sink's own floor measured in the same
//! run (the same number of messages of the same size sent straight to it with lettre, one
//! after the other over one connection, as the sender does); and the sync path's
//! acknowledgement latency (a kiosk signup until the server's durable acknowledgement) while
//! the outbox drains, against an idle outbox. Replaces its section in BENCHMARKS.md.
//!
//! `cargo run --release -p frivillig-tests --bin outbox-bench -- --out BENCHMARKS.md`

use std::time::{Duration, Instant};

use cpu_time::ProcessTime;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use frivillig_sync_server::config::mail::SmtpSecurity;
use frivillig_sync_server::store::outbox::{Channel, MessageKind, NewMessage};
use frivillig_tests::smtp::SmtpSink;
use frivillig_tests::{
    TestServer, ms, replace_section, stats, synced_kiosk, visitor_form, wait_status,
};

const SECTION: &str = "## Outbox: 10,000 messages to a local SMTP server";
/// Signups timed for the acknowledgement latency, idle and while draining.
const ACKS: usize = 30;

/// A message the size of a confirmation.
fn message(i: usize) -> NewMessage {
    NewMessage {
        channel: Channel::Email,
        kind: MessageKind::Coordinator,
        to: format!("frivillig{i}@example.dk"),
        signup_id: None,
        subject: "Tak for din tilmelding: Lektiehjælper i lektiecaféen".into(),
        body: "Kære frivillige\n\nTak fordi du vil være frivillig. ".repeat(12),
        ics: None,
    }
}

/// The sink's floor: `n` messages straight to it, one after the other, as one client.
async fn floor(port: u16, n: usize) -> anyhow::Result<(Duration, Duration)> {
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    let (wall, cpu) = (Instant::now(), ProcessTime::now());
    for i in 0..n {
        let m = message(i);
        let email = Message::builder()
            .from("Frivillig <frivillig@example.dk>".parse()?)
            .to(m.to.parse()?)
            .subject(m.subject)
            .body(m.body)?;
        smtp.send(email).await?;
    }
    Ok((wall.elapsed(), cpu.elapsed()))
}

/// `ACKS` kiosk signups, each timed until the server's acknowledgement reached the kiosk.
async fn acks(core: &frivillig_kiosk::KioskCore, from: usize) -> anyhow::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(ACKS);
    for i in from..from + ACKS {
        let start = Instant::now();
        core.submit_signup("hojtlaesning", None, &visitor_form("bench", i))
            .await?;
        wait_status(core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
        out.push(start.elapsed());
    }
    Ok(out)
}

/// Queue `n` messages in one transaction and wake the sender.
async fn queue(server: &TestServer, n: usize) -> anyhow::Result<()> {
    let store = server.state.store.clone();
    let domain = server.state.mail.domain.clone();
    let batch: Vec<NewMessage> = (0..n).map(message).collect();
    tokio::task::spawn_blocking(move || store.queue_messages(batch, &domain)).await??;
    server.state.mail.wake.notify_one();
    Ok(())
}

/// Wait until the queue is empty and the sink holds `want` messages.
async fn drained(server: &TestServer, sink: &SmtpSink, want: usize) -> anyhow::Result<()> {
    let start = Instant::now();
    while server.state.store.queued_messages()? > 0 || sink.messages()?.len() < want {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(900),
            "the outbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let (out, messages) = frivillig_tests::bench_args(10_000)?;
    let (rt, tmp) = frivillig_tests::bench_setup()?;
    let section = rt.block_on(async {
        let sink = SmtpSink::start(&tmp.path().join("floor"))?;
        let (floor_wall, floor_cpu) = floor(sink.port, messages).await?;
        drop(sink);

        let sink = SmtpSink::start(&tmp.path().join("sink"))?;
        let port = sink.port;
        let server = TestServer::start_with(&tmp.path().join("server"), 0, move |c| {
            c.mail.smtp_host = Some("127.0.0.1".into());
            c.mail.smtp_port = port;
            c.mail.smtp_security = SmtpSecurity::None;
        })
        .await?;
        let (core, worker) =
            synced_kiosk(&server, "kiosk-bench", "bibliotek", &tmp.path().join("k")).await?;
        acks(&core, 0).await?;
        let idle = stats(acks(&core, ACKS).await?);
        let already = sink.messages()?.len();

        // The drain alone, nothing else in this process at work.
        let want = already + messages;
        let (wall, cpu) = (Instant::now(), ProcessTime::now());
        queue(&server, messages).await?;
        drained(&server, &sink, want).await?;
        let (drain_wall, drain_cpu) = (wall.elapsed(), cpu.elapsed());
        // Again, with kiosk signups timed while it drains.
        queue(&server, messages).await?;
        let draining = stats(acks(&core, 2 * ACKS).await?);
        let draining_done = server.state.store.queued_messages()?;
        drained(&server, &sink, want + messages + ACKS).await?;
        worker.stop().await;
        server.stop().await;
        let rate = |d: Duration| messages as f64 / d.as_secs_f64().max(1e-9);
        let per = |d: Duration| d / u32::try_from(messages).unwrap_or(u32::MAX);
        anyhow::Ok(format!(
            "{SECTION}\n\n\
             `cargo run --release -p frivillig-tests --bin outbox-bench`. {messages} messages \
             (about 700 bytes of text each) queued in one transaction, then sent by the server's \
             sender to a real SMTP server on this machine (aiosmtpd, writing each message to a \
             file), timed until the queue is empty and the sink holds them all. Then the same \
             again while a kiosk takes {ACKS} signups, each timed until the server's durable \
             acknowledgement reached it (their confirmations join the queue), against {ACKS} \
             signups with an idle outbox before. Floor, in the same \
             run: the same messages sent straight to the same kind of sink with lettre, one after \
             the other over one connection. CPU is this process's (the sink runs in its own).\n\n\
             | | messages/s | CPU per message | wall |\n\
             |---|---|---|---|\n\
             | sink floor (lettre straight to the sink) | {:.0} | {} | {} |\n\
             | server's outbox, store to sink | {:.0} | {} | {} |\n\n\
             Outbox vs floor: {:.2}x the floor's time per message, {:.2}x its CPU per message \
             (the difference is the store: one read of due messages per 64 and one committed \
             write per message, marking it sent).\n\n\
             | acknowledgement of a kiosk signup | median | p95 | max |\n\
             |---|---|---|---|\n\
             | outbox idle | {} | {} | {} |\n\
             | while the outbox drains | {} | {} | {} |\n\n\
             Median while draining vs idle: {:.2}x ({} messages were still queued when the \
             timed signups ended).\n",
            rate(floor_wall),
            ms(per(floor_cpu)),
            ms(floor_wall),
            rate(drain_wall),
            ms(per(drain_cpu)),
            ms(drain_wall),
            drain_wall.as_secs_f64() / floor_wall.as_secs_f64().max(1e-9),
            drain_cpu.as_secs_f64() / floor_cpu.as_secs_f64().max(1e-9),
            ms(idle.median),
            ms(idle.p95),
            ms(idle.max),
            ms(draining.median),
            ms(draining.p95),
            ms(draining.max),
            draining.median.as_secs_f64() / idle.median.as_secs_f64().max(1e-9),
            draining_done,
        ))
    })?;
    replace_section(&out, SECTION, &section)?;
    println!("{section}");
    Ok(())
}
