//! Staff mode's check-in and board on the kiosk's own screens: the code from the receipt
//! typed key by key, the answer in words, and tonight's shift counted on the board.

use egui_kittest::kittest::Queryable;
use frivillig_tests::visitor_form;

use crate::ui::{
    PORTRAIT, Setup, click, controls_are_labelled_and_large, enter_staff_mode,
    fill_in_from_the_list, type_on_screen,
};

/// A volunteer signed up at this kiosk comes for Tuesday's shift an hour before it starts:
/// staff open the check-in screen, find no camera set up, type a wrong code (refused in
/// words), then the code
/// under the receipt's QR code, and check the volunteer in; the board shows the shift with
/// one signed up, one checked in and none missing.
#[test]
fn staff_check_a_volunteer_in_by_the_receipt_code_and_the_board_counts_it() {
    let setup = Setup::new(false);
    let receipt = setup
        .rt
        .block_on(setup.core.submit_signup(
            "lektiecafe",
            Some("lektiecafe-tir"),
            &visitor_form("ib", 1),
        ))
        .expect("signup");
    let code = frivillig_common::presence::short_code_of_receipt(&receipt.url).expect("a code");
    let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T15:00:00+01:00").expect("time");
    setup
        .clock
        .advance(start - chrono::Duration::hours(1) - setup.core.now());
    let mut h = setup.harness(PORTRAIT);
    enter_staff_mode(&mut h);
    wait_for(&mut h, "1 tilmeldt, 0 tjekket ind, 1 mangler");
    click(&mut h, "Tjek frivillige ind");
    controls_are_labelled_and_large(&h, "check-in");
    // This kiosk has no camera set up: scanning says so, and the code can be typed.
    click(&mut h, "Scan kvittering");
    wait_for(&mut h, "Der er ikke sat et kamera op på denne kiosk");
    type_on_screen(&mut h, "ZZZZZZZZ");
    click(&mut h, "Tjek ind");
    wait_for(&mut h, "Koden findes ikke på denne kiosk");
    for _ in 0..8 {
        click(&mut h, "Slet");
    }
    type_on_screen(&mut h, &code.replace('-', ""));
    click(&mut h, "Tjek ind");
    wait_for(&mut h, "Tjekket ind: Lektiehjælper i lektiecaféen");
    click(&mut h, "‹ Tilbage");
    wait_for(&mut h, "1 tilmeldt, 1 tjekket ind, 0 mangler");
    drop(h);
    setup.stop();
}

/// A volunteer comes to Tuesday's shift without having signed up: from the check-in
/// screen staff start a walk-up, the volunteer signs up on the same screens as anyone, and
/// the confirmation says they are checked in; "Done" brings staff back to the check-in
/// screen, and the board counts the volunteer as signed up and checked in.
#[test]
fn staff_sign_a_walk_up_volunteer_up_and_in_in_one_go() {
    let setup = Setup::new(false);
    let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T15:00:00+01:00").expect("time");
    setup
        .clock
        .advance(start - chrono::Duration::minutes(10) - setup.core.now());
    let mut h = setup.harness(PORTRAIT);
    enter_staff_mode(&mut h);
    click(&mut h, "Tjek frivillige ind");
    click(&mut h, "Ny frivillig uden tilmelding");
    fill_in_from_the_list(&mut h, frivillig_kiosk::state::Lang::Da);
    click(&mut h, "Send tilmelding");
    wait_for(&mut h, "Tjekket ind: Lektiehjælper i lektiecaféen");
    h.get_by_label_contains("Tak, Søren!");
    click(&mut h, "Færdig");
    assert_eq!(
        h.state().state().screen,
        frivillig_kiosk::state::Screen::CheckIn
    );
    click(&mut h, "‹ Tilbage");
    wait_for(&mut h, "1 tilmeldt, 1 tjekket ind, 0 mangler");
    drop(h);
    setup.stop();
}

/// Step frames until a label containing `text` is on screen (answers come from the
/// kiosk's runtime), or fail.
pub(crate) fn wait_for(h: &mut egui_kittest::Harness<'_, frivillig_kiosk::KioskApp>, text: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while h.query_by_label_contains(text).is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "never shown: {text:?}"
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
