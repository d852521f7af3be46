//! Messages to volunteers, against a real SMTP server process (`tests/smtp/sink.py`): the
//! confirmation of a kiosk signup after sync with its shift as a calendar file, a notice
//! after a status change, a reminder before a shift and notices when shifts move or are
//! cancelled, a bounce shown on the signup, a mail server that refuses for a while across a
//! server restart (nothing lost, nothing twice), and the demo without a mail server (the
//! `.eml` folder and the admin outbox page).

use std::time::Duration;

use frivillig_common::domain::Status;
use frivillig_common::ids::SignupId;
use frivillig_sync_server::config::ServerConfig;
use frivillig_sync_server::config::mail::SmtpSecurity;
use frivillig_sync_server::service::catalog::replace_catalog;
use frivillig_sync_server::service::mail::schedule::run_schedule;
use frivillig_sync_server::service::signups::change_status;
use frivillig_sync_server::store::outbox::Delivery;
use frivillig_tests::smtp::SmtpSink;
use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, synced_kiosk, visitor_form, wait_status,
};

/// Settings that send to `sink`, retrying after a second instead of a minute.
pub(crate) fn to_sink(sink_port: u16) -> impl FnOnce(&mut ServerConfig) + Send + 'static {
    move |c| {
        c.mail.smtp_host = Some("127.0.0.1".into());
        c.mail.smtp_port = sink_port;
        c.mail.smtp_security = SmtpSecurity::None;
        c.mail.retry_first_secs = 1;
        c.mail.from = "Glostrup Kommune, Frivillig <frivillig@glostrup.test>".into();
    }
}

/// One received message, parsed.
pub(crate) struct Mail {
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) message_id: String,
    pub(crate) text: String,
    pub(crate) ics: Option<String>,
}

pub(crate) fn parse(raw: &[u8]) -> anyhow::Result<Mail> {
    use mailparse::MailHeaderMap as _;
    let m = mailparse::parse_mail(raw)?;
    let header = |n: &str| m.headers.get_first_value(n).unwrap_or_default();
    let mut text = String::new();
    let mut ics = None;
    for part in m.parts() {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body()?,
            "text/calendar" => ics = Some(part.get_body()?),
            _ => {}
        }
    }
    Ok(Mail {
        to: header("X-Envelope-To"),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        text,
        ics,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_signup_is_confirmed_with_its_shift_and_a_status_change_is_told()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, to_sink(sink.port)).await?;
    // The shift two days ahead: beyond the reminder's day before.
    let catalog = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50)]);
    let shift = catalog
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .find(|s| s.id == "lektiecafe-tor")
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no shift"))?;
    replace_catalog(&server.state, catalog, "admin").await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-mail", "bibliotek", &dir.path().join("k")).await?;
    let form = visitor_form("mail", 1);
    let receipt = core
        .submit_signup("lektiecafe", Some("lektiecafe-tor"), &form)
        .await?;
    let mut bounced = visitor_form("mail", 2);
    bounced.email = "bounce.here@example.dk".into();
    let bounced = core.submit_signup("hojtlaesning", None, &bounced).await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;

    // The confirmation: to the address given, with the job, place, shift, contact person,
    // receipt link, who sends it and how to stop; the shift as a calendar with its times.
    let got = sink.wait_for(1, Duration::from_secs(20)).await?;
    let mail = parse(&got[0])?;
    anyhow::ensure!(mail.to == form.email, "to {}", mail.to);
    anyhow::ensure!(
        mail.subject.contains("Tak for din tilmelding") && mail.subject.contains("Lektiehjælper"),
        "{}",
        mail.subject
    );
    let link = receipt
        .url
        .find("/kvittering/")
        .map_or(receipt.url.as_str(), |i| &receipt.url[i..]);
    let when = frivillig_common::text::shift_label(
        frivillig_common::text::Lang::Da,
        &shift.starts,
        &shift.ends,
    );
    for needle in [
        "Lektiehjælper i lektiecaféen",
        &when,
        link,
        "Glostrup Kommune",
    ] {
        anyhow::ensure!(
            mail.text.contains(needle),
            "{needle:?} missing in:\n{}",
            mail.text
        );
    }
    let ics = mail
        .ics
        .ok_or_else(|| anyhow::anyhow!("no calendar attached"))?;
    let calendar: icalendar::Calendar = ics.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let event = calendar
        .components
        .iter()
        .find_map(|c| c.as_event())
        .ok_or_else(|| anyhow::anyhow!("no event in {ics}"))?;
    use icalendar::Component as _;
    let start = event
        .get_start()
        .ok_or_else(|| anyhow::anyhow!("no start"))?;
    let end = event.get_end().ok_or_else(|| anyhow::anyhow!("no end"))?;
    let utc = |d: icalendar::DatePerhapsTime| match d {
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t)) => Some(t),
        _ => None,
    };
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.to_utc())
            .ok()
    };
    anyhow::ensure!(
        utc(start) == at(&shift.starts) && utc(end) == at(&shift.ends),
        "the event's times: {ics}, the shift's: {shift:?}"
    );
    anyhow::ensure!(event.get_uid() == Some(format!("{}@frivillig", receipt.signup_id).as_str()));

    // The receipt page offers the same event as a file.
    let receipt_page = reqwest::get(&receipt.url).await?.text().await?;
    anyhow::ensure!(receipt_page.contains("vagt.ics"), "{receipt_page}");
    let file = reqwest::get(format!("{}/vagt.ics", receipt.url)).await?;
    anyhow::ensure!(
        file.headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/calendar"))
    );
    let file: icalendar::Calendar = file
        .text()
        .await?
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let same = file
        .components
        .iter()
        .find_map(|c| c.as_event())
        .is_some_and(|e| e.get_uid() == event.get_uid() && e.get_start() == event.get_start());
    anyhow::ensure!(same, "the receipt's calendar file is another event");
    let wrong = reqwest::get(format!("{}x/vagt.ics", receipt.url)).await?;
    anyhow::ensure!(wrong.status() == 404, "a wrong token: {}", wrong.status());

    // The bounce: a permanent refusal, marked failed and shown on the signup.
    let st = server.state.clone();
    let bounced_id = bounced.signup_id.clone();
    let failed = wait_until(Duration::from_secs(20), move || {
        let rows = st.store.messages_for_signup(&bounced_id)?;
        Ok(rows
            .iter()
            .any(|(_, r)| matches!(r.delivery, Delivery::Failed { .. })))
    })
    .await;
    anyhow::ensure!(failed.is_ok(), "the bounce was not recorded");
    let mut admin = Browser::new(&server.url())?;
    admin.log_in("admin", &server.admin_password).await?;
    let page = admin
        .get(&format!("/admin/tilmeldinger/{}", bounced.signup_id))
        .await?
        .text();
    anyhow::ensure!(
        page.contains(r#"role="alert""#) && page.contains("550"),
        "the signup page does not show the bounce:\n{page}"
    );

    // A status change is told; a note is not.
    let id = SignupId::parse(&receipt.signup_id).ok_or_else(|| anyhow::anyhow!("id"))?;
    change_status(&server.state, &id, Status::Active, "admin").await?;
    let got = sink.wait_for(2, Duration::from_secs(20)).await?;
    let notice = parse(&got[1])?;
    anyhow::ensure!(
        notice.subject.contains("Nyt om din tilmelding")
            && notice.text.contains("Du er nu frivillig på opgaven"),
        "{} {}",
        notice.subject,
        notice.text
    );
    anyhow::ensure!(notice.message_id != mail.message_id);
    frivillig_sync_server::service::signups::change_signup(
        &server.state,
        &id,
        frivillig_sync_server::service::signups::Change::Note("ringet op".into()),
        "admin",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    anyhow::ensure!(sink.messages()?.len() == 2, "a note sent a message");
    worker.stop().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_mail_server_and_a_restart_lose_nothing_and_send_nothing_twice()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    sink.refuse(true)?;
    let data = dir.path().join("server");
    let server = TestServer::start_with(&data, 0, to_sink(sink.port)).await?;
    let port = server.addr.port();
    let (core, worker) =
        synced_kiosk(&server, "kiosk-refuse", "bibliotek", &dir.path().join("k")).await?;
    let mut addresses = Vec::new();
    for i in 0..5 {
        let form = visitor_form("refuse", i);
        addresses.push(form.email.clone());
        core.submit_signup("hojtlaesning", None, &form).await?;
    }
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    // Refused for now: tried, kept queued, nothing arrived.
    let st = server.state.clone();
    wait_until(Duration::from_secs(20), move || {
        let rows = st.store.messages(None, 100)?;
        Ok(rows.len() == 5 && rows.iter().all(|(_, r)| r.attempts >= 1))
    })
    .await?;
    anyhow::ensure!(server.state.store.queued_messages()? == 5);
    anyhow::ensure!(sink.messages()?.is_empty());

    // The server stops with everything queued, and starts again; the mail server opens.
    worker.stop().await;
    server.stop().await;
    sink.refuse(false)?;
    let server = TestServer::start_with(&data, port, to_sink(sink.port)).await?;
    let got = sink.wait_for(5, Duration::from_secs(30)).await?;
    // Everything sent is recorded as sent before the check, then nothing more comes.
    let st = server.state.clone();
    wait_until(Duration::from_secs(20), move || {
        Ok(st.store.queued_messages()? == 0)
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_after = sink.messages()?;
    anyhow::ensure!(got_after.len() == 5, "{} messages, not 5", got_after.len());
    let mut to: Vec<String> = got
        .iter()
        .map(|m| parse(m).map(|m| m.to))
        .collect::<anyhow::Result<_>>()?;
    to.sort();
    addresses.sort();
    anyhow::ensure!(to == addresses, "{to:?} != {addresses:?}");
    drop(core);
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_mail_server_messages_go_to_a_folder_and_the_outbox_page() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let server = TestServer::start(&data).await?;
    let catalog = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50)]);
    replace_catalog(&server.state, catalog, "admin").await?;
    let (core, worker) = synced_kiosk(
        &server,
        "kiosk-demo-mail",
        "bibliotek",
        &dir.path().join("k"),
    )
    .await?;
    let form = visitor_form("folder", 1);
    core.submit_signup("lektiecafe", Some("lektiecafe-tor"), &form)
        .await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    let folder = data.join("outbox");
    let f = folder.clone();
    wait_until(Duration::from_secs(20), move || {
        Ok(std::fs::read_dir(&f)?
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "eml")))
    })
    .await?;
    let name = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "eml"))
        .ok_or_else(|| anyhow::anyhow!("no .eml"))?;
    let raw = std::fs::read(&name)?;
    let mail = parse(&raw)?;
    anyhow::ensure!(mail.subject.contains("Tak for din tilmelding") && mail.ics.is_some());

    let mut admin = Browser::new(&server.url())?;
    admin.log_in("admin", &server.admin_password).await?;
    let page = admin.get("/admin/udbakke").await?.text();
    anyhow::ensure!(
        page.contains(&form.email) && page.contains("Sendt") && page.contains(".eml"),
        "{page}"
    );
    let one = admin.get("/admin/udbakke/1").await?.text();
    anyhow::ensure!(
        one.contains("Lektiehjælper i lektiecaféen") && one.contains("BEGIN:VCALENDAR"),
        "{one}"
    );
    worker.stop().await;
    server.stop().await;
    Ok(())
}

/// Poll `check` (on a blocking thread: it reads the store) until it holds.
async fn wait_until(
    timeout: Duration,
    check: impl Fn() -> anyhow::Result<bool> + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let check = std::sync::Arc::new(check);
    let start = std::time::Instant::now();
    loop {
        let c = check.clone();
        if tokio::task::spawn_blocking(move || c()).await?? {
            return Ok(());
        }
        anyhow::ensure!(start.elapsed() < timeout, "not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_comes_before_the_shift_and_a_moved_or_cancelled_shift_is_told()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, to_sink(sink.port)).await?;
    // Reminders go 24 hours ahead (the default): Thursday's shift is in 3 hours, Tuesday's
    // in 30.
    let catalog = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 3), ("lektiecafe-tir", 30)]);
    replace_catalog(&server.state, catalog, "admin").await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-remind", "bibliotek", &dir.path().join("k")).await?;
    let soon = visitor_form("remind", 1);
    let later = visitor_form("remind", 2);
    core.submit_signup("lektiecafe", Some("lektiecafe-tor"), &soon)
        .await?;
    core.submit_signup("lektiecafe", Some("lektiecafe-tir"), &later)
        .await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    sink.wait_for(3, Duration::from_secs(20)).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = parsed(&sink)?;
    anyhow::ensure!(mails.len() == 3, "{:?}", subjects(&mails));
    let reminder = one(&mails, &soon.email, "Påmindelse om din vagt")?;
    anyhow::ensure!(reminder.ics.is_some() && reminder.text.contains("Husk din vagt"));
    anyhow::ensure!(
        !mails
            .iter()
            .any(|m| m.to == later.email && m.subject.contains("Påmindelse")),
        "a shift 30 hours ahead was reminded"
    );

    // Tuesday's shift moves to 5 hours ahead: its holder is told, with the new time in the
    // calendar file, and now reminded; Thursday's is cancelled.
    let moved = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 3), ("lektiecafe-tir", 5)]);
    let new_start = moved
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .find(|s| s.id == "lektiecafe-tir")
        .map(|s| s.starts.clone())
        .ok_or_else(|| anyhow::anyhow!("no shift"))?;
    let mut moved_and_cancelled = moved;
    for o in &mut moved_and_cancelled.opportunities {
        o.shifts.retain(|s| s.id != "lektiecafe-tor");
    }
    replace_catalog(&server.state, moved_and_cancelled, "admin").await?;
    sink.wait_for(6, Duration::from_secs(20)).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = parsed(&sink)?;
    anyhow::ensure!(mails.len() == 6, "{:?}", subjects(&mails));
    let notice = one(&mails, &later.email, "Din vagt er flyttet")?;
    let ics = notice.ics.clone().unwrap_or_default();
    let utc = chrono::DateTime::parse_from_rfc3339(&new_start)?
        .to_utc()
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    anyhow::ensure!(ics.contains(&format!("DTSTART:{utc}")), "{ics}");
    one(&mails, &later.email, "Påmindelse om din vagt")?;
    let cancelled = one(&mails, &soon.email, "Vagt aflyst")?;
    let ics = cancelled.ics.clone().unwrap_or_default();
    anyhow::ensure!(
        ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"),
        "{ics}"
    );
    // Everything owed is told once: another run finds nothing.
    anyhow::ensure!(run_schedule(&server.state).await? == 0);
    worker.stop().await;
    server.stop().await;
    Ok(())
}

pub(crate) fn parsed(sink: &SmtpSink) -> anyhow::Result<Vec<Mail>> {
    sink.messages()?.iter().map(|m| parse(m)).collect()
}

fn subjects(mails: &[Mail]) -> Vec<(String, String)> {
    mails
        .iter()
        .map(|m| (m.to.clone(), m.subject.clone()))
        .collect()
}

/// The one message to `to` whose subject holds `subject`.
fn one<'a>(mails: &'a [Mail], to: &str, subject: &str) -> anyhow::Result<&'a Mail> {
    let found: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.to == to && m.subject.contains(subject))
        .collect();
    match found[..] {
        [m] => Ok(m),
        _ => anyhow::bail!(
            "{} messages {subject:?} to {to}: {:?}",
            found.len(),
            subjects(mails)
        ),
    }
}

/// The server process is SIGKILLed while a message waits (the mail server refuses for now)
/// after another was sent: after the restart the waiting one arrives, once, and the sent
/// one is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_sends_what_was_queued_once_and_nothing_sent_again() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let data = dir.path().join("server");
    std::fs::create_dir_all(&data)?;
    let port = frivillig_tests::bind(0)?.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let sink_port = sink.port.to_string();
    let env = [("FRIVILLIG_TEST_SMTP_PORT", sink_port.as_str())];
    let exe = env!("CARGO_BIN_EXE_server-proc");
    let mut server = frivillig_tests::start_server_process_with(exe, &data, port, &env).await?;
    let token = std::fs::read_to_string(data.join("admin-token.txt"))?;
    let http = reqwest::Client::new();
    let enrol =
        frivillig_tests::enrol_at(&http, &url, &token, "kiosk-kill-mail", "bibliotek").await?;
    let config = frivillig_tests::kiosk_config(&url, &enrol, "bibliotek", &dir.path().join("k"));
    let core =
        frivillig_tests::open_kiosk(config, std::sync::Arc::new(frivillig_kiosk::SystemClock))
            .await?;
    let worker = frivillig_kiosk::SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
    let first = visitor_form("kill-mail", 1);
    core.submit_signup("hojtlaesning", None, &first).await?;
    sink.wait_for(1, Duration::from_secs(20)).await?;
    let password = std::fs::read_to_string(data.join("admin-password.txt"))?;
    let password = password.lines().nth(1).unwrap_or_default().to_owned();
    let mut admin = Browser::new(&url)?;
    admin.log_in("admin", &password).await?;
    // Marked sent in the store, not only received.
    for i in 0.. {
        if admin
            .get("/admin/udbakke/1")
            .await?
            .text()
            .contains("Sendt")
        {
            break;
        }
        anyhow::ensure!(i < 100, "the first message was never marked sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sink.refuse(true)?;
    let second = visitor_form("kill-mail", 2);
    core.submit_signup("hojtlaesning", None, &second).await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    for i in 0.. {
        if admin
            .get("/admin/udbakke/2")
            .await?
            .text()
            .contains("forsøg")
        {
            break;
        }
        anyhow::ensure!(i < 100, "the second message was never tried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.child.start_kill()?;
    server.child.wait().await?;
    sink.refuse(false)?;
    let _server = frivillig_tests::start_server_process_with(exe, &data, port, &env).await?;
    sink.wait_for(2, Duration::from_secs(30)).await?;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mails = parsed(&sink)?;
    let to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    anyhow::ensure!(
        to == [first.email.as_str(), second.email.as_str()],
        "arrived: {to:?}"
    );
    worker.stop().await;
    Ok(())
}
