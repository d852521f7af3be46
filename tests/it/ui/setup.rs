//! A kiosk without configuration enrols on its own setup screen.

use super::*;

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
