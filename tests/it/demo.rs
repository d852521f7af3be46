//! The README's first command, `frivillig-demo`, on a fresh data folder under a real X
//! server: it must start the server, enrol its kiosk, open the kiosk window, and the kiosk
//! must reach the server; a second start must reuse all of it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use frivillig_common::api::KioskSummary;

struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_x() -> (Reaped, String) {
    for n in 140..190 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (installed by .ci/run)");
        let x = Reaped(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (x, display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("no X server could be started");
}

/// Start the demo and return it with the server address and admin token it printed, and
/// the rest of its output line by line.
fn start_demo(display: &str, data: &Path) -> (Reaped, String, String, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_frivillig-demo"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("frivillig-demo");
    let stdout = child.stdout.take().expect("stdout");
    let demo = Reaped(child);
    let (tx, rx) = std::sync::mpsc::channel();
    // Read on in a thread: a demo whose output is not read would block or fail to print.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut url = None;
    let mut token = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"server") {
            url = words.get(1).map(|s| s.to_string());
        }
        if words.first() == Some(&"API") {
            token = line
                .split("Bearer ")
                .nth(1)
                .and_then(|t| t.split('\'').next())
                .map(str::to_owned);
        }
        if line.starts_with("Tilmeldinger vises her") {
            break;
        }
    }
    (
        demo,
        url.expect("the demo printed its address"),
        token.expect("the demo printed the admin call"),
        rx,
    )
}

/// Wait until the kiosk's last contact at the server is set and differs from `before`.
fn wait_for_contact(url: &str, token: &str, before: Option<&str>) -> Vec<KioskSummary> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let kiosks: Vec<KioskSummary> = http
                .get(format!("{url}/api/admin/kiosks"))
                .bearer_auth(token)
                .send()
                .await
                .expect("list kiosks")
                .json()
                .await
                .expect("kiosk list");
            let fresh = kiosks.iter().any(|k| {
                k.kiosk_id == "demo-kiosk-1"
                    && k.last_contact.is_some()
                    && k.last_contact.as_deref() != before
            });
            if fresh || Instant::now() > deadline {
                return kiosks;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

/// Enrol a second kiosk at the demo's server, sign someone up there and sync; returns the
/// name signed up.
fn signup_from_another_kiosk(url: &str, token: &str, dir: &Path) -> String {
    use frivillig_common::api::{EnrolRequest, EnrolResponse};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let enrol: EnrolResponse = reqwest::Client::new()
            .post(format!("{url}/api/admin/kiosks"))
            .bearer_auth(token)
            .json(&EnrolRequest {
                kiosk_id: "ekstra-1".into(),
                site_id: "bibliotek".into(),
                bench: false,
            })
            .send()
            .await
            .expect("enrol")
            .json()
            .await
            .expect("enrol answer");
        let config = frivillig_tests::kiosk_config(url, &enrol, "bibliotek", &dir.join("ekstra"));
        let core =
            frivillig_tests::open_kiosk(config, std::sync::Arc::new(frivillig_kiosk::SystemClock))
                .await
                .expect("kiosk");
        let worker = frivillig_kiosk::SyncWorker::start(&core);
        frivillig_tests::wait_status(&core, Duration::from_secs(30), |_| core.catalog().is_some())
            .await
            .expect("catalog");
        let form = frivillig_tests::visitor_form("ekstra", 1);
        core.submit_signup("hojtlaesning", None, &form)
            .await
            .expect("signup");
        frivillig_tests::wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0)
            .await
            .expect("delivered");
        worker.stop().await;
        core.shutdown().await;
        form.name
    })
}

#[test]
fn the_demo_starts_server_and_kiosk_window_and_restarts_on_the_same_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_x, display) = start_x();
    let (demo, url, token, output) = start_demo(&display, dir.path());
    let kiosks = wait_for_contact(&url, &token, None);
    assert_eq!(kiosks.len(), 1, "{kiosks:?}");
    assert_eq!(kiosks[0].kiosk_id, "demo-kiosk-1");
    assert!(
        kiosks[0].last_contact.is_some(),
        "the kiosk never reached the server"
    );
    assert!(dir.path().join("kiosk/kiosk.toml").exists());
    // The window is open: without one the demo ends with an error.
    let mut demo = demo;
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        demo.0.try_wait().expect("demo status").is_none(),
        "the demo exited"
    );
    // A signup reaching the demo's server is printed, name and job, within seconds.
    let name = signup_from_another_kiosk(&url, &token, dir.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = output
            .recv_timeout(left)
            .expect("the demo printed the new signup");
        if line.contains("Ny tilmelding") && line.contains(&name) && line.contains("hojtlaesning") {
            break;
        }
    }
    // The kiosk's last contact as the demo stops, to tell a new contact from it.
    let first = wait_for_contact(&url, &token, None)
        .into_iter()
        .find(|k| k.kiosk_id == "demo-kiosk-1")
        .and_then(|k| k.last_contact);
    drop(demo);

    // Started again (on another port): the same kiosk, no second enrolment, and it
    // reaches the server anew.
    let (_demo, url, token2, _output) = start_demo(&display, dir.path());
    assert_eq!(token, token2);
    let kiosks = wait_for_contact(&url, &token, first.as_deref());
    let demo_kiosks: Vec<_> = kiosks
        .iter()
        .filter(|k| k.kiosk_id.starts_with("demo-kiosk"))
        .collect();
    assert_eq!(demo_kiosks.len(), 1, "enrolled once: {kiosks:?}");
    assert_ne!(
        demo_kiosks[0].last_contact, first,
        "the restarted kiosk never reached the server"
    );
}
