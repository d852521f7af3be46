//! The state machine's tests: every screen's path, the idle wipe, the staff gesture.

use super::*;
use frivillig_common::domain::FormProblem;

fn at_form(needs_age: bool) -> KioskState {
    let mut s = KioskState::new("2600", 0.0);
    s.handle(Event::StartBrowsing, 1.0);
    s.handle(Event::OpenJob("lektiehjaelp".into()), 2.0);
    s.handle(
        Event::ChooseShift {
            shift_id: Some("s1".into()),
            needs_age,
        },
        3.0,
    );
    s
}

fn type_keys(s: &mut KioskState, text: &str) {
    for c in text.chars() {
        let key = if c == ' ' { Key::Space } else { Key::Char(c) };
        s.handle(Event::Key(key), 4.0);
    }
}

#[test]
fn a_whole_signup_with_a_validation_round() {
    let mut s = at_form(true);
    assert_eq!(s.form.focus, Some(TextField::Name));
    // Capitals come by themselves at the start of each word of a name.
    type_keys(&mut s, "åse østergård");
    assert_eq!(s.form.form.name, "Åse Østergård");
    assert_eq!(s.handle(Event::Submit, 5.0), None);
    assert!(s.form.problems.contains(&FormProblem::ContactMissing));
    assert!(s.form.problems.contains(&FormProblem::AgeNotConfirmed));
    assert!(s.form.problems.contains(&FormProblem::ConsentMissing));
    assert_eq!(
        s.form.focus,
        Some(TextField::Phone),
        "keyboard moves to the problem"
    );
    type_keys(&mut s, "+4512345678");
    s.handle(Event::ToggleAge, 6.0);
    s.handle(Event::ToggleConsent, 6.0);
    let cmd = s.handle(Event::Submit, 7.0);
    let Some(Command::Submit {
        form,
        shift_id,
        check_in,
        ..
    }) = cmd
    else {
        panic!("expected a submit, got {cmd:?}")
    };
    assert!(!check_in, "a visitor's own signup is no check-in");
    assert_eq!(form.phone, "+4512345678");
    assert_eq!(shift_id.as_deref(), Some("s1"));
    // A second tap while saving does nothing.
    assert_eq!(s.handle(Event::Submit, 7.1), None);
    s.handle(
        Event::Saved {
            signup_id: "abc".into(),
            receipt_url: "http://x/kvittering/abc/t".into(),
            checked_in: None,
        },
        8.0,
    );
    let Screen::Confirmation(c) = &s.screen else {
        panic!("{:?}", s.screen)
    };
    assert_eq!(c.first_name, "Åse");
    assert_eq!(
        s.form,
        FormState::default(),
        "typed data is dropped once saved"
    );
    s.handle(Event::Tick, 8.0 + CONFIRMATION_SECS - 1.0);
    assert!(matches!(s.screen, Screen::Confirmation(_)));
    s.handle(Event::Tick, 8.0 + CONFIRMATION_SECS);
    assert_eq!(s.screen, Screen::Start);
}

#[test]
fn a_failed_save_keeps_the_form() {
    let mut s = at_form(false);
    type_keys(&mut s, "bo");
    s.handle(Event::Focus(TextField::Email), 4.0);
    type_keys(&mut s, "bo@x.dk");
    s.handle(Event::ToggleConsent, 4.0);
    assert!(s.handle(Event::Submit, 5.0).is_some());
    s.handle(Event::SaveFailed("disk".into()), 5.0);
    assert!(!s.form.saving);
    assert_eq!(s.form.save_error.as_deref(), Some("disk"));
    assert_eq!(s.form.form.email, "bo@x.dk");
    assert!(s.handle(Event::Submit, 6.0).is_some(), "can try again");
}

#[test]
fn idle_warns_then_wipes_everything() {
    let mut s = at_form(false);
    s.handle(Event::SetLanguage(Lang::En), 3.0);
    s.handle(Event::Touch, 10.0);
    type_keys(&mut s, "half a name");
    assert_eq!(s.idle(10.0 + IDLE_WARN_SECS - 0.5), Idle::Active);
    assert_eq!(
        s.idle(10.0 + IDLE_WARN_SECS),
        Idle::Warning {
            seconds_left: IDLE_COUNTDOWN_SECS as u32
        }
    );
    s.handle(Event::Tick, 10.0 + IDLE_WARN_SECS + 1.0);
    assert!(matches!(s.screen, Screen::Form { .. }), "a warning first");
    // "Still here" restarts the timer.
    s.handle(Event::StillHere, 80.0);
    s.handle(
        Event::Tick,
        80.0 + IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS - 0.1,
    );
    assert!(matches!(s.screen, Screen::Form { .. }));
    s.handle(Event::Tick, 80.0 + IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS);
    assert_eq!(s.screen, Screen::Start);
    assert_eq!(s.form, FormState::default());
    assert_eq!(s.lang, Lang::Da);
    assert_eq!(s.idle(1000.0), Idle::Active, "nothing to wipe at the start");
}

#[test]
fn leaving_the_form_drops_it_and_there_is_no_way_back_into_a_saved_signup() {
    let mut s = at_form(false);
    type_keys(&mut s, "x");
    s.handle(Event::Back, 4.0);
    assert!(matches!(s.screen, Screen::Detail { .. }));
    assert_eq!(s.form.form.name, "");
    s.handle(
        Event::ChooseShift {
            shift_id: None,
            needs_age: false,
        },
        5.0,
    );
    s.handle(Event::Focus(TextField::Phone), 5.0);
    type_keys(&mut s, "12345678");
    type_keys(&mut s, "");
    s.handle(Event::Focus(TextField::Name), 5.0);
    type_keys(&mut s, "ib");
    s.handle(Event::ToggleConsent, 5.0);
    assert!(s.handle(Event::Submit, 6.0).is_some());
    s.handle(
        Event::Saved {
            signup_id: "a".into(),
            receipt_url: "u".into(),
            checked_in: None,
        },
        6.0,
    );
    s.handle(Event::Back, 7.0);
    assert_eq!(s.screen, Screen::Start);
}

#[test]
fn staff_mode_needs_the_gesture_and_the_pin_and_locks_after_wrong_pins() {
    let mut s = KioskState::new("2600", 0.0);
    for i in 0..STAFF_TAPS - 1 {
        s.handle(Event::SecretTap, i as f64 * 2.0);
    }
    assert_eq!(s.screen, Screen::Start, "taps too slow");
    for i in 0..STAFF_TAPS {
        s.handle(Event::SecretTap, 20.0 + i as f64 * 0.3);
    }
    assert_eq!(s.screen, Screen::StaffPin);
    for _ in 0..PIN_ATTEMPTS {
        for d in "1111".chars() {
            s.handle(Event::PinDigit(d), 30.0);
        }
        assert!(s.pin_wrong);
    }
    assert!(s.pin_locked(31.0));
    for d in "2600".chars() {
        s.handle(Event::PinDigit(d), 31.0);
    }
    assert_eq!(s.screen, Screen::StaffPin, "locked");
    for d in "2600".chars() {
        s.handle(Event::PinDigit(d), 31.0 + PIN_LOCK_SECS);
    }
    assert_eq!(s.screen, Screen::Staff);
    assert_eq!(s.handle(Event::SyncNow, 400.0), Some(Command::SyncNow));
    s.handle(Event::Tick, 400.0 + IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS);
    assert_eq!(s.screen, Screen::Start, "staff mode locks itself when left");
}

#[test]
fn physical_keyboard_text_goes_to_the_focused_field() {
    let mut s = at_form(false);
    s.handle(Event::TypeText("Kim\n".into()), 4.0);
    assert_eq!(s.form.form.name, "Kim");
    s.handle(Event::Key(Key::Done), 4.0);
    s.handle(Event::TypeText("ignored".into()), 4.0);
    assert_eq!(s.form.form.name, "Kim");
}

/// The check-in screen opens from staff mode only; keys and a physical keyboard type the
/// code; "check in" asks the app once (not again while it answers); a good answer clears
/// the code for the next volunteer, a refusal keeps it to correct; back is staff mode,
/// and the idle wipe leaves nothing of the code.
#[test]
fn the_check_in_screen_types_a_code_and_asks_once() {
    let mut s = KioskState::new("2600", 0.0);
    s.handle(Event::OpenCheckIn, 1.0);
    assert_eq!(s.screen, Screen::Start, "not without staff mode");
    for i in 0..STAFF_TAPS {
        s.handle(Event::SecretTap, 2.0 + i as f64 * 0.3);
    }
    for d in "2600".chars() {
        s.handle(Event::PinDigit(d), 4.0);
    }
    s.handle(Event::OpenCheckIn, 5.0);
    assert_eq!(s.screen, Screen::CheckIn);
    assert_eq!(
        s.handle(Event::CheckIn { out: false }, 5.0),
        None,
        "no code yet"
    );
    for c in "K7QM".chars() {
        s.handle(Event::Key(Key::Char(c)), 6.0);
    }
    s.handle(Event::TypeText("-2xpa\n".into()), 6.0);
    assert_eq!(s.check_in.code, "K7QM-2xpa");
    assert_eq!(
        s.handle(Event::CheckIn { out: false }, 7.0),
        Some(Command::CheckIn {
            code: "K7QM-2xpa".into(),
            out: false
        })
    );
    assert_eq!(s.handle(Event::CheckIn { out: true }, 7.0), None, "busy");
    s.handle(Event::CheckInDone(Err("Koden findes ikke".into())), 8.0);
    assert_eq!(s.check_in.code, "K7QM-2xpa", "kept to correct");
    s.handle(Event::CheckIn { out: true }, 9.0);
    s.handle(Event::CheckInDone(Ok("Tjekket ud".into())), 9.0);
    assert_eq!(s.check_in.code, "");
    assert_eq!(s.check_in.answer, Some(Ok("Tjekket ud".into())));
    s.handle(Event::Key(Key::Char('A')), 10.0);
    s.handle(Event::Back, 10.0);
    assert_eq!(s.screen, Screen::Staff);
    assert_eq!(s.check_in, CheckInState::default());
    s.handle(Event::OpenCheckIn, 11.0);
    s.handle(Event::Key(Key::Char('B')), 11.0);
    s.handle(Event::Tick, 11.0 + IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS);
    assert_eq!(s.screen, Screen::Start);
    assert_eq!(s.check_in, CheckInState::default());
}

/// Staff start a walk-up from the check-in screen: the signup asks to be checked in, the
/// confirmation says it was, and the kiosk comes back to the check-in screen (not the
/// start, where the next visitor's signup would be nobody's check-in). A walk-up given up
/// on leaves nothing behind.
#[test]
fn a_walk_up_is_signed_up_and_checked_in_and_staff_get_the_check_in_screen_back() {
    let mut s = KioskState::new("2600", 0.0);
    s.screen = Screen::CheckIn;
    s.handle(Event::WalkUp, 1.0);
    assert_eq!(s.screen, Screen::Browse);
    s.handle(Event::OpenJob("lektiehjaelp".into()), 2.0);
    s.handle(
        Event::ChooseShift {
            shift_id: Some("s1".into()),
            needs_age: false,
        },
        3.0,
    );
    s.handle(Event::Focus(TextField::Phone), 3.0);
    type_keys(&mut s, "12345678");
    s.handle(Event::Focus(TextField::Name), 3.0);
    type_keys(&mut s, "ib");
    s.handle(Event::ToggleConsent, 4.0);
    let cmd = s.handle(Event::Submit, 5.0);
    assert!(
        matches!(cmd, Some(Command::Submit { check_in: true, .. })),
        "{cmd:?}"
    );
    let said = Some(Ok("Tjekket ind: Lektiehjælp".to_owned()));
    s.handle(
        Event::Saved {
            signup_id: "w".into(),
            receipt_url: "u".into(),
            checked_in: said.clone(),
        },
        6.0,
    );
    let Screen::Confirmation(c) = &s.screen else {
        panic!("{:?}", s.screen)
    };
    assert_eq!(c.checked_in, said);
    s.handle(Event::Tick, 6.0 + CONFIRMATION_SECS);
    assert_eq!(s.screen, Screen::CheckIn);
    assert!(
        !s.check_in.walk_up,
        "the next walk-up is staff's choice again"
    );

    // Given up on: back to the start, and the next signup there is no check-in.
    s.handle(Event::WalkUp, 70.0);
    s.handle(Event::Back, 71.0);
    assert_eq!(s.screen, Screen::Start);
    assert!(!s.check_in.walk_up);
    // And "Done" on a walk-up's confirmation also returns to the check-in screen.
    s.screen = Screen::CheckIn;
    s.handle(Event::WalkUp, 72.0);
    s.screen = Screen::Confirmation(Confirmation {
        first_name: String::new(),
        opportunity_id: "x".into(),
        shift_id: None,
        receipt_url: "u".into(),
        signup_id: "w2".into(),
        checked_in: None,
        shown_at: 72.0,
    });
    s.handle(Event::Home, 73.0);
    assert_eq!(s.screen, Screen::CheckIn);
}
