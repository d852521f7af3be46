//! The kiosk's screens driven like a visitor would, with egui_kittest: controls are found by
//! their accessible role and label and clicked, text is typed on the on-screen keyboard, and
//! the result is checked in the kiosk's store and at the real server. Frames are rendered
//! with wgpu (lavapipe on a machine without a GPU) for the QR check and the snapshots.

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

/// The screen goes on drawing while a slow disk saves: the visitor sees the form saving
/// (its send button disabled, so a second tap saves nothing twice), and the confirmation
/// comes once the save is durable.
#[test]
fn the_screen_keeps_drawing_while_a_slow_disk_saves() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let disk = PowerCutDisk::new();
    let clock = fixed_clock();
    let (server, worker, core) = rt.block_on(async {
        let (server, config) = enrolled_kiosk(dir.path()).await;
        let backend = RedbStorage::with_backend(disk.clone()).expect("disk");
        let store = KioskStore::on(backend).expect("store");
        let core = KioskCore::open_on(config, Arc::new(clock.clone()), store)
            .await
            .expect("kiosk");
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(30), |_| core.catalog().is_some())
            .await
            .expect("catalog");
        (server, worker, core)
    });
    let setup = Setup {
        rt,
        clock,
        server: Some(server),
        worker: Some(worker),
        core,
        _dir: dir,
    };
    let mut h = setup.harness(PORTRAIT);
    fill_in_the_form(&mut h, Lang::Da);
    disk.set_sync_delay(Duration::from_secs(2));
    find_control(&h, "Send tilmelding").click();
    h.run_steps(3);
    assert!(h.state().saving(), "the frames waited for the disk");
    assert!(
        matches!(h.state().state().screen, Screen::Form { .. }),
        "{:?}",
        h.state().state().screen
    );
    settle(&mut h);
    disk.set_sync_delay(Duration::ZERO);
    assert!(matches!(h.state().state().screen, Screen::Confirmation(_)));
    assert!(h.state().last_saved_signup().is_some());
    drop(h);
    setup.stop();
}

#[test]
fn a_visitor_signs_up_in_danish_and_the_signup_is_durable_and_reaches_the_server() {
    let setup = Setup::new(true);
    let mut h = setup.harness(PORTRAIT);
    let (id, url) = sign_up_through_the_screens(&mut h, Lang::Da);
    assert!(url.contains(&format!("/kvittering/{id}/")), "{url}");
    // Durable in the kiosk's store at once.
    let stored = setup
        .rt
        .block_on(setup.core.signup(&id))
        .expect("signup in the kiosk store");
    assert_eq!(stored.opportunity_id, "lektiecafe");
    assert_eq!(stored.shift_id.as_deref(), Some("lektiecafe-tir"));
    // And at the server, with the personal data as typed.
    let server = setup.server.as_ref().expect("server");
    let person = setup.rt.block_on(async {
        for _ in 0..300 {
            let all = server.signups().await.expect("signups");
            if let Some(s) = all.into_iter().find(|s| s.record.id == id) {
                return s.person;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    });
    let person = person.expect("the signup reached the server");
    assert_eq!(person.name, "Søren Æbelø");
    assert_eq!(person.phone.as_deref(), Some("12345678"));
    assert_eq!(person.email.as_deref(), Some("soeren@example.dk"));
    assert!(person.age_confirmed);
    drop(h);
    setup.stop();
}

#[test]
fn a_visitor_signs_up_in_english_and_the_qr_code_on_screen_decodes_to_the_receipt_link() {
    let setup = Setup::new(false);
    let mut h = setup.harness(LANDSCAPE);
    let (id, url) = sign_up_through_the_screens(&mut h, Lang::En);
    let image = h.render().expect("render the confirmation");
    let decoded = decode_qr(&image).expect("a QR code in the frame");
    assert_eq!(decoded, url);
    assert!(decoded.starts_with("https://frivillig.glostrup.dk/kvittering/"));
    assert!(setup.rt.block_on(setup.core.signup(&id)).is_some());
    drop(h);
    setup.stop();
}

#[test]
fn idle_reset_wipes_a_half_filled_form_and_the_next_visitor_starts_empty() {
    let setup = Setup::new(false);
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    click(&mut h, "English");
    // Text scales for whoever needs it larger.
    click(&mut h, "A+ Larger text");
    assert_eq!(h.ctx.zoom_factor(), 1.25);
    click(&mut h, "Find a volunteer job");
    click(&mut h, "Reading aloud for adults");
    click(&mut h, "Sign up");
    type_on_screen(&mut h, "half typed");
    assert_eq!(field_value(&h, "Name"), "Half Typed");
    let t0 = h.ctx.input(|i| i.time);
    // Move egui's clock: first the warning...
    h.input_mut().time = Some(t0 + IDLE_WARN_SECS + 1.0);
    settle(&mut h);
    h.get_by_label("Are you still there?");
    assert!(matches!(h.state().state().screen, Screen::Form { .. }));
    // ...then the wipe.
    h.input_mut().time = Some(t0 + IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS + 1.0);
    settle(&mut h);
    assert_eq!(h.state().state().screen, Screen::Start);
    // Back in Danish at normal size, and nothing of the last visitor anywhere on screen.
    h.get_by_label("Find et frivilligjob");
    assert_eq!(h.ctx.zoom_factor(), 1.0);
    assert!(h.query_by_label_contains("Half").is_none());
    click(&mut h, "Find et frivilligjob");
    click(&mut h, "Højtlæsning for voksne");
    click(&mut h, "Tilmeld dig");
    assert_eq!(field_value(&h, "Navn"), "");
    assert_eq!(field_value(&h, "Telefon"), "");
    drop(h);
    setup.stop();
}

#[test]
fn staff_mode_opens_with_the_gesture_and_pin_only() {
    let setup = Setup::new(false);
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    staff_gesture(&mut h);
    assert_eq!(h.state().state().screen, Screen::StaffPin);
    for d in "123456".chars() {
        click(&mut h, &d.to_string());
    }
    h.get_by_label("Forkert PIN-kode.");
    for d in STAFF_PIN.chars() {
        click(&mut h, &d.to_string());
    }
    assert_eq!(h.state().state().screen, Screen::Staff);
    h.get_by_label("bibliotek-1");
    h.get_by_label(env!("CARGO_PKG_VERSION"));
    click(&mut h, "Synkronisér nu");
    click(&mut h, "Luk personalemenu");
    assert_eq!(h.state().state().screen, Screen::Start);
    drop(h);
    setup.stop();
}

/// The main screens at both kiosk resolutions, compared with the committed images.
#[test]
fn snapshots_of_the_main_screens() {
    let setup = Setup::new(false);
    let options = SnapshotOptions::new().output_path(Path::new("snapshots"));
    let mut results = SnapshotResults::new();
    for (size, name) in [(PORTRAIT, "portrait"), (LANDSCAPE, "landscape")] {
        let mut h = setup.harness(size);
        settle(&mut h);
        controls_are_labelled_and_large(&h, "start");
        h.snapshot_options(format!("{name}-start"), &options);
        click(&mut h, "Find et frivilligjob");
        controls_are_labelled_and_large(&h, "browse");
        h.snapshot_options(format!("{name}-browse"), &options);
        click(&mut h, "Lektiehjælper i lektiecaféen");
        controls_are_labelled_and_large(&h, "detail");
        h.snapshot_options(format!("{name}-detail"), &options);
        click(&mut h, "Tilmeld dig tir. 1. dec. kl. 15.00–17.00");
        type_on_screen(&mut h, "åse");
        controls_are_labelled_and_large(&h, "form-keyboard");
        h.snapshot_options(format!("{name}-form-keyboard"), &options);
        tap_field(&mut h, "Telefon");
        type_on_screen(&mut h, "12345678");
        click(&mut h, "Jeg er mindst 18 år");
        h.get(
            by().role(Role::CheckBox)
                .label_contains("Jeg giver samtykke"),
        )
        .click();
        settle(&mut h);
        click(&mut h, "Send tilmelding");
        // The receipt link is random; mask the code, keep the rest of the screen.
        let qr = h.get(by().role(Role::Image)).rect();
        h.mask(qr);
        let Screen::Confirmation(c) = &h.state().state().screen else {
            panic!("no confirmation")
        };
        let code = frivillig_common::presence::short_code_of_receipt(&c.receipt_url)
            .expect("a receipt link");
        let code = h.get_by_label(&code).rect();
        h.mask(code);
        controls_are_labelled_and_large(&h, "confirmation");
        h.snapshot_options(format!("{name}-confirmation"), &options);
        click(&mut h, "Færdig");
        enter_staff_mode(&mut h);
        controls_are_labelled_and_large(&h, "staff");
        h.snapshot_options(format!("{name}-staff"), &options);
        results.extend_harness(&mut h);
    }
    setup.stop();
    results.unwrap();
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
    let (w, h) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            let p = image.get_pixel(x as u32, y as u32);
            ((u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10) as u8
        });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
}

/// Spots left count signups from every kiosk (the server's count, received with the
/// catalog) plus this kiosk's own since, and free up when a coordinator declines someone.
#[test]
fn spots_left_follow_signups_at_other_kiosks_and_here() {
    let setup = Setup::new(true);
    let server = setup.server.as_ref().expect("server");
    let taken_tir = |core: &KioskCore| core.taken().get("lektiecafe-tir").copied().unwrap_or(0);
    // Another kiosk takes two spots on Tuesday's shift.
    let other_ids = setup.rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let enrol = server
            .enrol("bibliotek-2", "bibliotek")
            .await
            .expect("enrol");
        let config = kiosk_config(&server.url(), &enrol, "bibliotek", dir.path());
        // Its clock stands where this kiosk's does: before the demo's fixed shifts.
        let clock = Arc::new(ManualClock::new(setup.core.now()));
        let other = KioskCore::open(config, clock).await.expect("kiosk");
        let worker = SyncWorker::start(&other);
        wait_status(&other, Duration::from_secs(30), |_| {
            other.catalog().is_some()
        })
        .await
        .expect("catalog");
        let mut ids = Vec::new();
        for i in 0..2 {
            let form = frivillig_tests::visitor_form("b2", i);
            let r = other
                .submit_signup("lektiecafe", Some("lektiecafe-tir"), &form)
                .await
                .expect("signup");
            ids.push(r.signup_id);
        }
        wait_status(&other, Duration::from_secs(30), |s| s.queued_signups == 0)
            .await
            .expect("delivered");
        worker.stop().await;
        other.shutdown().await;
        ids
    });
    setup.rt.block_on(async {
        wait_status(&setup.core, Duration::from_secs(30), |_| {
            taken_tir(&setup.core) == 2
        })
        .await
        .expect("this kiosk hears of the two spots taken");
    });
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    click(&mut h, "Find et frivilligjob");
    // Only the homework café is about children; two shifts of four: eight spots, two
    // taken elsewhere.
    click(&mut h, "Børn og unge");
    h.get_by_label("6 ledige pladser");
    // A signup here counts at once, before the server has it.
    click(&mut h, "Lektiehjælper i lektiecaféen");
    click(&mut h, "Tilmeld dig tir. 1. dec. kl. 15.00–17.00");
    type_on_screen(&mut h, "ib");
    tap_field(&mut h, "Telefon");
    type_on_screen(&mut h, "12345678");
    click(&mut h, "Jeg er mindst 18 år");
    click(
        &mut h,
        "Jeg giver samtykke til, at Glostrup Kommune gemmer mine oplysninger for at kontakte mig om frivilligt arbejde.",
    );
    click(&mut h, "Send tilmelding");
    click(&mut h, "Færdig");
    click(&mut h, "Find et frivilligjob");
    click(&mut h, "Børn og unge");
    h.get_by_label("5 ledige pladser");
    // Once the server has acknowledged and counted it, the figure stays right (its count
    // replaces ours).
    setup.rt.block_on(async {
        wait_status(&setup.core, Duration::from_secs(30), |s| {
            s.queued_signups == 0 && taken_tir(&setup.core) == 3
        })
        .await
        .expect("the server counts this kiosk's signup");
    });
    // Between the acknowledgement and the server's next count (at most a round) the
    // figure may be one off for a moment; it settles on the right one.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while h.query_by_label("5 ledige pladser").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the figure never settled on 5"
        );
        setup.core.sync_now();
        settle(&mut h);
        std::thread::sleep(Duration::from_millis(50));
    }
    // A coordinator declines one of the other kiosk's signups: a spot frees up everywhere.
    setup.rt.block_on(async {
        let (code, _) = server
            .admin_post(
                &format!("/api/admin/signups/{}/status", other_ids[0]),
                &serde_json::json!({"status": "declined"}),
            )
            .await
            .expect("set status");
        assert_eq!(code, 200);
        wait_status(&setup.core, Duration::from_secs(30), |_| {
            taken_tir(&setup.core) == 2
        })
        .await
        .expect("the declined signup no longer takes a spot");
    });
    settle(&mut h);
    h.get_by_label("6 ledige pladser");
    drop(h);
    setup.stop();
}

/// A kiosk with no configuration shows its setup screen; IT types the server's address and
/// a one-time code on the on-screen keyboard, a wrong code is refused in words, the right
/// one enrols the kiosk, which then opens its start screen with the catalog.
#[test]
fn a_kiosk_without_configuration_enrols_on_its_setup_screen() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = rt
        .block_on(TestServer::start(&dir.path().join("server")))
        .expect("server");
    let (code, body) = rt
        .block_on(server.admin_post(
            "/api/admin/enrol-codes",
            &serde_json::json!({"kiosk_id": "telt-1", "site_id": "kulturnat"}),
        ))
        .expect("enrol code");
    assert_eq!(code, 200, "{body}");
    let one_time = body["code"].as_str().expect("code").to_owned();
    let config_path = dir.path().join("kiosk.toml");
    let app = SetupApp::new(
        "Ingen konfiguration / no configuration",
        &config_path,
        dir.path().join("kiosk"),
        rt.handle().clone(),
        false,
    );
    let mut h = Harness::builder()
        .with_size(PORTRAIT)
        .with_max_steps(12)
        .build_ui_state(|ui, app: &mut SetupApp| app.show(ui), app);
    h.run_steps(3);
    h.get_by_label_contains("Kiosken er ikke sat op endnu");
    let press = |h: &mut Harness<'_, SetupApp>, text: &str| {
        for c in text.chars() {
            h.get(by().role(Role::Button).label(&c.to_string())).click();
            h.run_steps(2);
        }
    };
    // The address field has the keyboard, with "http://" already there.
    press(&mut h, &server.addr.to_string());
    let server_field = by()
        .role(Role::TextInput)
        .label("Serverens adresse / Server address");
    assert_eq!(
        h.get(server_field).value().as_deref(),
        Some(format!("http://{}", server.addr).as_str())
    );
    h.get(by().role(Role::Button).label_contains("Næste"))
        .click();
    h.run_steps(2);
    press(&mut h, "abcd2345efgh");
    h.get(
        by().role(Role::Button)
            .label("Tilmeld kiosken / Enrol this kiosk"),
    )
    .click();
    let wait = |h: &mut Harness<'_, SetupApp>, done: &dyn Fn(&SetupApp) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !done(h.state()) {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out: {:?}",
                h.state().state()
            );
            h.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        h.run_steps(2);
    };
    wait(&mut h, &|app| app.state().message.is_some());
    assert!(h.state().kiosk().is_none(), "a wrong code enrols nothing");
    assert!(!config_path.exists());
    // Fix the code: delete it and type the right one.
    h.get(
        by().role(Role::TextInput)
            .label("Engangskode / One-time code"),
    )
    .click();
    h.run_steps(2);
    for _ in 0..12 {
        h.get(by().role(Role::Button).label("Slet")).click();
        h.run_steps(1);
    }
    press(&mut h, &one_time.to_lowercase());
    h.get(
        by().role(Role::Button)
            .label("Tilmeld kiosken / Enrol this kiosk"),
    )
    .click();
    wait(&mut h, &|app| {
        app.kiosk().is_some_and(|k| k.core().catalog().is_some())
    });
    let config = KioskConfig::load(&config_path).expect("config written");
    assert_eq!(
        (config.kiosk_id.as_str(), config.site_id.as_str()),
        ("telt-1", "kulturnat")
    );
    // The PIN made at enrolment is shown once, to the person who enrolled the kiosk, and
    // the kiosk starts only when they say they have it.
    h.get_by_label_contains("Kiosken er tilmeldt");
    h.get_by_label(&config.staff_pin);
    assert!(
        h.query_by_label("Find et frivilligjob").is_none(),
        "the kiosk started before the PIN was confirmed"
    );
    h.get(
        by().role(Role::Button)
            .label("Jeg har skrevet den ned / I have written it down"),
    )
    .click();
    h.run_steps(3);
    assert!(
        h.query_by_label(&config.staff_pin).is_none(),
        "the PIN stays on screen"
    );
    h.get(by().role(Role::Button).label("Find et frivilligjob"));
    h.state_mut().shutdown();
    drop(h);
    rt.block_on(server.stop());
}
