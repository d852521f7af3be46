//! A visitor signs up on the screens: durable at once, at the server after sync, the QR
//! code on screen is the receipt link, and the idle wipe leaves nothing for the next one.

use super::*;

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
