//! Spots left on the screens, as signups arrive here and at other kiosks.

use super::*;

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
