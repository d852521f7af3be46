//! Staff mode behind its gesture and PIN, and snapshots of the main screens.

use super::*;

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
