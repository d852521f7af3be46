//! The kiosk's screens driven like a visitor would, with egui_kittest: controls are found by
//! their accessible role and label and clicked, text is typed on the on-screen keyboard, and
//! the result is checked in the kiosk's store and at the real server. Frames are rendered
//! with wgpu (lavapipe on a machine without a GPU) for the QR check and the snapshots.
//!
//! This module holds the harness and the steps a finger takes; the tests are by what they
//! are about: the visitor's signup (`visitor`), staff mode and the snapshots (`screens`),
//! spots left (`spots`), the setup screen (`setup`).

mod screens;
mod setup;
mod spots;
mod visitor;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable, by};
use egui_kittest::{Harness, SnapshotOptions, SnapshotResults};
use frivillig_common::storage::RedbStorage;
use frivillig_kiosk::state::{IDLE_COUNTDOWN_SECS, IDLE_WARN_SECS, Lang, Screen};
use frivillig_kiosk::store::KioskStore;
use frivillig_kiosk::{KioskApp, KioskConfig, KioskCore, ManualClock, SetupApp, SyncWorker};
use frivillig_tests::powercut::PowerCutDisk;
use frivillig_tests::{TestServer, kiosk_config, wait_status};

/// Portrait, as the library's standing kiosk.
pub(crate) const PORTRAIT: egui::Vec2 = egui::vec2(1080.0, 1920.0);
/// Landscape, as a festival tent's table screen.
const LANDSCAPE: egui::Vec2 = egui::vec2(1920.0, 1080.0);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A server in `dir` and the configuration of a kiosk enrolled to it.
async fn enrolled_kiosk(dir: &Path) -> (TestServer, KioskConfig) {
    let server = TestServer::start(&dir.join("server"))
        .await
        .expect("server");
    // The demo as of its reference day, which the kiosks' clock stands before: the screens
    // (and their snapshots) show the same dates whatever day this runs.
    let fixed = serde_json::to_value(frivillig_common::catalog::demo_catalog()).expect("json");
    let (code, body) = server
        .admin_put("/api/admin/catalog", &fixed)
        .await
        .expect("catalog");
    assert_eq!(code, 200, "catalog: {body}");
    let enrol = server
        .enrol("bibliotek-1", "bibliotek")
        .await
        .expect("enrol");
    let config = KioskConfig {
        staff_pin: STAFF_PIN.into(),
        peer_listen: None,
        peers: Vec::new(),
        ..kiosk_config(&server.url(), &enrol, "bibliotek", &dir.join("kiosk"))
    };
    (server, config)
}

/// A kiosk clock on the morning of the demo's reference day, before all its shifts.
fn fixed_clock() -> ManualClock {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-27T10:00:00+01:00").expect("time");
    ManualClock::new(start)
}

/// This kiosk's staff PIN (each kiosk has its own; the test picks one to type).
pub(crate) const STAFF_PIN: &str = "482915";

pub(crate) struct Setup {
    pub(crate) rt: tokio::runtime::Runtime,
    /// The kiosk's clock, to move it across a shift's start.
    pub(crate) clock: ManualClock,
    pub(crate) server: Option<TestServer>,
    pub(crate) worker: Option<SyncWorker>,
    pub(crate) core: KioskCore,
    _dir: tempfile::TempDir,
}

impl Setup {
    /// A server and a kiosk enrolled to it that has received the catalog. With `online`
    /// false the kiosk is reopened without sync and with a fixed server address, so that
    /// every pixel of a snapshot is the same from run to run.
    pub(crate) fn new(online: bool) -> Setup {
        let rt = runtime();
        let dir = tempfile::tempdir().expect("tempdir");
        let manual = fixed_clock();
        let clock = Arc::new(manual.clone());
        let (server, worker, core) = rt.block_on(async {
            let (server, config) = enrolled_kiosk(dir.path()).await;
            let core = KioskCore::open(config.clone(), clock.clone())
                .await
                .expect("kiosk");
            let worker = SyncWorker::start(&core);
            wait_status(&core, Duration::from_secs(30), |_| core.catalog().is_some())
                .await
                .expect("catalog");
            if online {
                return (Some(server), Some(worker), core);
            }
            worker.stop().await;
            core.shutdown().await;
            let config = KioskConfig {
                server_url: "http://frivillig.glostrup.local:8700".into(),
                public_url: "https://frivillig.glostrup.dk".into(),
                ..config
            };
            let core = KioskCore::open(config, clock).await.expect("reopen");
            (Some(server), None, core)
        });
        Setup {
            rt,
            clock: manual,
            server,
            worker,
            core,
            _dir: dir,
        }
    }

    pub(crate) fn harness(&self, size: egui::Vec2) -> Harness<'static, KioskApp> {
        let app = KioskApp::new(self.core.clone(), self.rt.handle().clone(), false);
        Harness::builder()
            .with_size(size)
            .with_pixels_per_point(1.0)
            .with_max_steps(12)
            .with_render_cursor(false)
            .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), app)
    }

    pub(crate) fn stop(mut self) {
        self.rt.block_on(async {
            if let Some(w) = self.worker.take() {
                w.stop().await;
            }
            self.core.shutdown().await;
            if let Some(s) = self.server.take() {
                s.stop().await;
            }
        });
    }
}

/// Step a few frames so clicks are processed and layout settles.
pub(crate) fn settle(h: &mut Harness<'_, KioskApp>) {
    h.run_steps(3);
    // A save runs on the kiosk's runtime while the screen goes on drawing; wait for its
    // answer, as a visitor watching "saving" would.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while h.state().saving() {
        assert!(
            std::time::Instant::now() < deadline,
            "the save never answered"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
}

/// Press the button (or tick the checkbox) with this label.
/// It is scrolled into view first, as a visitor would scroll to it.
pub(crate) fn click(h: &mut Harness<'_, KioskApp>, label: &str) {
    find_control(h, label).scroll_to_me();
    settle(h);
    find_control(h, label).click();
    settle(h);
}

/// Tap a text field of the form.
fn tap_field(h: &mut Harness<'_, KioskApp>, label: &str) {
    h.get(by().role(Role::TextInput).label(label))
        .scroll_to_me();
    settle(h);
    h.get(by().role(Role::TextInput).label(label)).click();
    settle(h);
}

pub(crate) fn find_control<'t>(
    h: &'t Harness<'_, KioskApp>,
    label: &'t str,
) -> egui_kittest::Node<'t> {
    h.query(by().role(Role::Button).label(label))
        .or_else(|| h.query(by().role(Role::CheckBox).label(label)))
        .unwrap_or_else(|| panic!("no button or checkbox {label:?}"))
}

/// Type on the on-screen keyboard, key by key, as a finger would.
pub(crate) fn type_on_screen(h: &mut Harness<'_, KioskApp>, text: &str) {
    for c in text.chars() {
        let label = if c == ' ' {
            if h.state().state().lang == Lang::Da {
                "Mellemrum"
            } else {
                "Space"
            }
            .to_owned()
        } else {
            c.to_string()
        };
        // Keys show capitals while shift is on; the test types what the key shows.
        let (upper, lower) = (c.to_uppercase().to_string(), c.to_lowercase().to_string());
        let node = h
            .query_by_label(&label)
            .or_else(|| h.query_by_label(&upper))
            .or_else(|| h.query_by_label(&lower))
            .unwrap_or_else(|| panic!("no key {label:?} on the keyboard"));
        node.click();
        settle(h);
    }
}

fn field_value(h: &Harness<'_, KioskApp>, label: &str) -> String {
    h.get(by().role(Role::TextInput).label(label))
        .value()
        .unwrap_or_default()
}

/// The whole visitor flow in one language; returns the saved signup's id and receipt URL.
fn sign_up_through_the_screens(h: &mut Harness<'_, KioskApp>, lang: Lang) -> (String, String) {
    let t = |da: &'static str, en: &'static str| lang.pick(da, en);
    fill_in_the_form(h, lang);
    click(h, t("Send tilmelding", "Send signup"));
    let Screen::Confirmation(c) = h.state().state().screen.clone() else {
        panic!("no confirmation: {:?}", h.state().state().screen)
    };
    h.get_by_label_contains(t("Tak, Søren!", "Thank you, Søren!"));
    h.get(
        by().role(Role::Image)
            .label(t("QR-kode til din kvittering", "QR code for your receipt")),
    );
    assert_eq!(h.state().last_saved_signup(), Some(c.signup_id.as_str()));
    (c.signup_id, c.receipt_url)
}

/// The visitor flow up to a complete form, not yet sent.
fn fill_in_the_form(h: &mut Harness<'_, KioskApp>, lang: Lang) {
    settle(h);
    if lang == Lang::En {
        click(h, "English");
    }
    click(h, lang.pick("Find et frivilligjob", "Find a volunteer job"));
    fill_in_from_the_list(h, lang);
}

/// From the list of jobs up to a complete form for Tuesday's homework café, not yet sent.
pub(crate) fn fill_in_from_the_list(h: &mut Harness<'_, KioskApp>, lang: Lang) {
    let t = |da: &'static str, en: &'static str| lang.pick(da, en);
    assert_eq!(h.state().state().screen, Screen::Browse);
    click(
        h,
        t(
            "Lektiehjælper i lektiecaféen",
            "Homework helper at the homework café",
        ),
    );
    // The detail shows the requirements plainly.
    h.get_by_label_contains(t("børneattest", "child-protection record check"));
    h.get_by_label_contains("18");
    click(
        h,
        t(
            "Tilmeld dig tir. 1. dec. kl. 15.00–17.00",
            "Sign up for Tue 1 Dec, 15:00–17:00",
        ),
    );
    assert!(matches!(h.state().state().screen, Screen::Form { .. }));

    // The name field has the keyboard first; capitals come by themselves.
    type_on_screen(h, "søren æbelø");
    assert_eq!(field_value(h, t("Navn", "Name")), "Søren Æbelø");
    click(h, t("Send tilmelding", "Send signup"));
    // No contact, no age, no consent: each message next to its field, in the language.
    h.get_by_label_contains(t(
        "Skriv et telefonnummer eller en e-mailadresse",
        "Enter a phone number or an e-mail",
    ));
    h.get_by_label_contains(t(
        "Bekræft, at du opfylder aldersgrænsen",
        "confirm that you meet the age limit",
    ));
    h.get_by_label_contains(t("Du skal give samtykke", "We need your consent"));
    assert!(h.state().last_saved_signup().is_none());

    // The keyboard moved to the phone field, with digits.
    type_on_screen(h, "12345678");
    assert_eq!(field_value(h, t("Telefon", "Phone")), "12345678");
    tap_field(h, "E-mail");
    type_on_screen(h, "soeren@example.dk");
    assert_eq!(field_value(h, "E-mail"), "soeren@example.dk");
    click(h, t("Jeg er mindst 18 år", "I am at least 18 years old"));
    // The full consent text is one tap away, and closes again.
    click(
        h,
        t("Læs hele samtykketeksten", "Read the full consent text"),
    );
    click(h, t("Luk", "Close"));
    h.get(
        by().role(Role::CheckBox)
            .label_contains(t("Jeg giver samtykke", "I consent")),
    )
    .click();
    settle(h);
}

/// Every control on screen has an accessible label and is at least 64 px either way.
pub(crate) fn controls_are_labelled_and_large(h: &Harness<'_, KioskApp>, screen: &str) {
    let mut seen = 0;
    for role in [Role::Button, Role::CheckBox, Role::TextInput] {
        for n in h.query_all(by().role(role)) {
            seen += 1;
            let label = n.accesskit_node().label().unwrap_or_default();
            assert!(
                !label.trim().is_empty(),
                "{screen}: a {role:?} without a label"
            );
            let r = n.rect();
            assert!(
                r.width() >= 63.5 && r.height() >= 63.5,
                "{screen}: {label:?} is only {:.0}x{:.0} px",
                r.width(),
                r.height()
            );
        }
    }
    assert!(seen > 2, "{screen}: no controls found");
}

/// Five quick taps on the logo.
pub(crate) fn staff_gesture(h: &mut Harness<'_, KioskApp>) {
    for _ in 0..5 {
        h.get_by_label("Glostrup Kommune · Frivillig").click();
        h.step();
    }
    settle(h);
}

/// Into staff mode as staff get there: the gesture, then the PIN key by key.
pub(crate) fn enter_staff_mode(h: &mut Harness<'_, KioskApp>) {
    settle(h);
    staff_gesture(h);
    for d in STAFF_PIN.chars() {
        click(h, &d.to_string());
    }
}

/// Find and decode the QR code in a rendered frame.
fn decode_qr(image: &image::RgbaImage) -> Option<String> {
    frivillig_kiosk::camera::decode(&frivillig_kiosk::camera::Frame::from_rgba(image))
}
