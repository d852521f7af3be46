//! The kiosk's screens and the catalog's time and photos, with egui_kittest: a shift leaves
//! the screens when it starts (the kiosk's clock moved to its end), and a job shows the
//! photo the kiosk fetched, offline, in a snapshot.

use std::path::Path;
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::SnapshotOptions;
use egui_kittest::kittest::{Queryable, by};
use frivillig_tests::wait_status;

use crate::ui::{PORTRAIT, Setup, click, controls_are_labelled_and_large, find_control, settle};

/// With the kiosk's clock at a shift's end, the shift is gone from the job's screen and the
/// job from the list once its last shift has started; a signup for it is refused. Mutation
/// check: the app showing the catalog as received keeps "tir. 1. dec." on screen.
#[test]
fn a_shift_leaves_the_screens_when_it_starts() {
    let setup = Setup::new(false);
    let tuesday = "Tilmeld dig tir. 1. dec. kl. 15.00–17.00";
    let thursday = "Tilmeld dig tor. 3. dec. kl. 15.00–17.00";
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    click(&mut h, "Find et frivilligjob");
    click(&mut h, "Lektiehjælper i lektiecaféen");
    find_control(&h, tuesday);
    // Tuesday 17:00, the shift's end.
    setup
        .clock
        .advance(chrono::Duration::days(4) + chrono::Duration::hours(7));
    settle(&mut h);
    assert!(
        h.query_by_label(tuesday).is_none(),
        "the ended shift is still offered"
    );
    find_control(&h, thursday);
    let refused = setup.rt.block_on(setup.core.submit_signup(
        "lektiecafe",
        Some("lektiecafe-tir"),
        &frivillig_tests::visitor_form("sen", 0),
    ));
    assert!(
        matches!(
            refused,
            Err(frivillig_kiosk::SubmitError::NoLongerOffered(_))
        ),
        "{refused:?}"
    );
    // Thursday 15:00: the job's last shift has started; it leaves the list.
    setup
        .clock
        .advance(chrono::Duration::days(1) + chrono::Duration::hours(22));
    settle(&mut h);
    h.get_by_label("Jobbet er ikke længere åbent for tilmelding");
    click(&mut h, "Til forsiden");
    click(&mut h, "Find et frivilligjob");
    assert!(
        h.query_by_label("Lektiehjælper i lektiecaféen").is_none(),
        "the job is listed"
    );
    find_control(&h, "Højtlæsning for voksne");
    drop(h);
    setup.stop();
}

/// A kiosk receives a job's photo with the catalog, keeps it, and shows it on the job's page
/// and the start screen after the server is gone; the page's snapshot holds it.
#[test]
fn a_job_shows_its_photo_offline_and_in_a_snapshot() {
    let mut setup = Setup::new(true);
    let alt = "Tegning: to personer ved et bord med bøger";
    setup.rt.block_on(async {
        let server = setup.server.as_ref().expect("server");
        let mut c = frivillig_sync_server::service::catalog::catalog(&server.state)
            .await
            .expect("catalog");
        frivillig_sync_server::service::demo_photos::add_to_demo(&server.state.store, &mut c)
            .expect("photos");
        let id = c
            .opportunity("lektiecafe")
            .and_then(|o| o.photo.clone())
            .expect("photo")
            .id;
        frivillig_sync_server::service::catalog::replace_catalog(&server.state, c, "admin")
            .await
            .expect("saved");
        let core = &setup.core;
        wait_status(core, Duration::from_secs(30), |_| {
            core.sync_now();
            core.photo(&id).is_some()
        })
        .await
        .expect("the kiosk fetched the photo");
        if let Some(w) = setup.worker.take() {
            w.stop().await;
        }
        if let Some(s) = setup.server.take() {
            s.stop().await;
        }
    });
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    // The start screen's two library jobs share the picture.
    assert_eq!(h.query_all(by().role(Role::Image).label(alt)).count(), 2);
    click(&mut h, "Find et frivilligjob");
    click(&mut h, "Lektiehjælper i lektiecaféen");
    h.get(by().role(Role::Image).label(alt));
    controls_are_labelled_and_large(&h, "detail with photo");
    let options = SnapshotOptions::new().output_path(Path::new("snapshots"));
    h.snapshot_options("portrait-detail-photo", &options);
    drop(h);
    setup.stop();
}

/// A story published on the server reaches the kiosk with its photo and stands on the start
/// screen (in a snapshot); unpublished, it leaves the screen and its photo the kiosk's store.
#[test]
fn a_published_story_stands_on_the_start_screen_and_leaves_when_unpublished() {
    use frivillig_sync_server::service::catalog_edit::Editor;
    use frivillig_sync_server::service::stories;
    let setup = Setup::new(true);
    let title = "Sofie har hjulpet med lektier i tre år";
    let alt = "Tegning: to personer ved et bord med bøger";
    let admin = Editor {
        username: "admin".into(),
        sites: None,
    };
    let photo_id = setup.rt.block_on(async {
        let server = setup.server.as_ref().expect("server");
        // A photo in the server's store: one of the demo's painted scenes.
        let mut c = frivillig_sync_server::service::catalog::catalog(&server.state)
            .await
            .expect("catalog");
        frivillig_sync_server::service::demo_photos::add_to_demo(&server.state.store, &mut c)
            .expect("photos");
        let mut photo = c
            .opportunity("lektiecafe")
            .and_then(|o| o.photo.clone())
            .expect("photo");
        photo.alt_da = alt.into();
        let story = frivillig_common::domain::Story {
            id: "lektier-med-sofie".into(),
            site_id: "bibliotek".into(),
            opportunity_id: Some("lektiecafe".into()),
            title: title.into(),
            title_en: String::new(),
            body_md: "Hver tirsdag sidder Sofie i lektiecaféen og hjælper med brøker.".into(),
            body_md_en: String::new(),
            photo: None,
            published_on: String::new(),
        };
        let consent = frivillig_sync_server::store::stories::PersonConsent {
            name: "Sofie Berg".into(),
            given_on: "2026-11-20".into(),
            how: "skriftligt på papir".into(),
        };
        stories::save(&server.state, &admin, None, story, vec![consent], false)
            .await
            .expect("saved");
        let id = photo.id.clone();
        stories::set_photo(&server.state, &admin, "lektier-med-sofie", Some(photo))
            .await
            .expect("photo");
        stories::publish(&server.state, &admin, "lektier-med-sofie")
            .await
            .expect("published");
        let core = &setup.core;
        wait_status(core, Duration::from_secs(30), |_| {
            core.sync_now();
            core.photo(&id).is_some() && core.catalog().is_some_and(|c| !c.stories.is_empty())
        })
        .await
        .expect("the kiosk received the story and its photo");
        id
    });
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    h.get_by_label(title);
    h.get(by().role(Role::Image).label(alt));
    let options = SnapshotOptions::new().output_path(Path::new("snapshots"));
    h.snapshot_options("portrait-start-story", &options);

    setup.rt.block_on(async {
        let server = setup.server.as_ref().expect("server");
        stories::unpublish(&server.state, &admin, "lektier-med-sofie")
            .await
            .expect("unpublished");
        let core = &setup.core;
        wait_status(core, Duration::from_secs(30), |_| {
            core.sync_now();
            core.catalog().is_some_and(|c| c.stories.is_empty()) && core.photo(&photo_id).is_none()
        })
        .await
        .expect("the kiosk dropped the story and its photo");
    });
    settle(&mut h);
    assert!(
        h.query_by_label(title).is_none(),
        "the story is still shown"
    );
    drop(h);
    setup.stop();
}

/// The start screen leads to the handbook, offline: its pages from the catalog, each
/// readable, and this site's ambassador; back leads home again.
#[test]
fn the_handbook_and_the_ambassador_are_at_the_kiosk_offline() {
    let setup = Setup::new(false);
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    click(&mut h, "Håndbog for frivillige og kontakt");
    find_control(&h, "Sådan arbejder frivillige og ansatte sammen");
    h.get_by_label("Mette Holm");
    h.get_by_label("frivillig.bibliotek@example.dk");
    assert!(
        h.query_by_label("Jens Kragh").is_none(),
        "another site's ambassador is shown"
    );
    controls_are_labelled_and_large(&h, "handbook");
    click(&mut h, "Hvad er frivilligt arbejde?");
    h.get_by_label_contains("Det er ulønnet, og du kan altid sige fra.");
    click(&mut h, "‹ Tilbage");
    click(&mut h, "‹ Tilbage");
    find_control(&h, "Find et frivilligjob");
    drop(h);
    setup.stop();
}

/// An event on the kiosk: its card says what kind of event it is, and its page where it is
/// and until when one can register.
#[test]
fn an_event_says_what_it_is_and_where_on_the_kiosk() {
    let setup = Setup::new(true);
    setup.rt.block_on(async {
        let server = setup.server.as_ref().expect("server");
        let mut c = frivillig_sync_server::service::catalog::catalog(&server.state)
            .await
            .expect("catalog");
        let job = c
            .opportunities
            .iter_mut()
            .find(|o| o.id == "hojtlaesning")
            .expect("job");
        job.event = Some(frivillig_common::domain::EventInfo {
            kind: frivillig_common::domain::EventKind::ThemeMeeting,
            place: "Salen på 1. sal".into(),
            audience: frivillig_common::domain::Audience::Open,
            register_until: Some("2026-12-20".into()),
        });
        job.shifts = vec![frivillig_common::domain::Shift {
            id: "tema-1".into(),
            starts: "2026-12-21T18:00:00+01:00".into(),
            ends: "2026-12-21T20:00:00+01:00".into(),
            capacity: 30,
        }];
        frivillig_sync_server::service::catalog::replace_catalog(&server.state, c, "admin")
            .await
            .expect("saved");
        let core = &setup.core;
        wait_status(core, Duration::from_secs(30), |_| {
            core.sync_now();
            core.catalog()
                .and_then(|c| c.opportunity("hojtlaesning").map(|o| o.event.is_some()))
                .unwrap_or(false)
        })
        .await
        .expect("the kiosk received the event");
    });
    let mut h = setup.harness(PORTRAIT);
    settle(&mut h);
    h.get_by_label_contains("Temamøde · Glostrup Bibliotek");
    click(&mut h, "Højtlæsning for voksne");
    h.get_by_label("Temamøde · Salen på 1. sal");
    h.get_by_label("Tilmelding senest 2026-12-20");
    drop(h);
    setup.stop();
}
