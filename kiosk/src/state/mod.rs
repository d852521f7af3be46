//! The kiosk's screens as a state machine without egui types: which screen is shown, what
//! the visitor has typed, the idle timer and the language. The `ui` module draws this state
//! and turns touches into [`Event`]s; [`KioskState::handle`] answers with an optional
//! [`Command`] that the app carries out (saving a signup, syncing now, leaving kiosk mode).
//!
//! Time is passed in as seconds on egui's clock, so tests move it by hand.

pub mod check_in;
mod form;
pub mod keyboard;
pub mod peers;
/// Job descriptions, read the same way as on the portal.
pub use frivillig_common::markdown;
pub mod setup;

use frivillig_common::domain::{SignupForm, validate_form};

use keyboard::{Key, apply_key};

/// Seconds without a touch before the kiosk asks whether the visitor is still there.
pub const IDLE_WARN_SECS: f64 = 60.0;
/// Seconds of warning before everything typed is wiped.
pub const IDLE_COUNTDOWN_SECS: f64 = 15.0;
/// Seconds the confirmation with the QR code stays up.
pub const CONFIRMATION_SECS: f64 = 45.0;
/// Taps on the hidden corner within [`STAFF_TAP_WINDOW_SECS`] that open the PIN pad.
pub const STAFF_TAPS: usize = 5;
/// Window for the staff gesture.
pub const STAFF_TAP_WINDOW_SECS: f64 = 4.0;
/// Wrong PINs before the PIN pad locks.
pub const PIN_ATTEMPTS: u32 = 5;
/// How long the PIN pad stays locked.
pub const PIN_LOCK_SECS: f64 = 300.0;

pub use check_in::CheckInState;
pub use form::{FormState, TextField};
pub use peers::PeersState;

/// The language of the screens (shared with the portal).
pub use frivillig_common::text::Lang;

/// What the visitor sees after saving.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    /// First name, for the thanks.
    pub first_name: String,
    /// The job signed up for.
    pub opportunity_id: String,
    /// The shift, if any.
    pub shift_id: Option<String>,
    /// The receipt link in the QR code.
    pub receipt_url: String,
    /// The saved signup's id (never shown, kept for staff tools and tests).
    pub signup_id: String,
    /// A walk-up's check-in, in words (`Err` if it could not be recorded).
    pub checked_in: Option<Result<String, String>>,
    /// When it was shown, on egui's clock.
    pub shown_at: f64,
}

/// The screen on show.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The invitation.
    Start,
    /// The list of jobs.
    Browse,
    /// One job.
    Detail {
        /// The job.
        opportunity_id: String,
    },
    /// The signup form for a job (and shift).
    Form {
        /// The job.
        opportunity_id: String,
        /// The chosen shift; `None` for a job without shifts.
        shift_id: Option<String>,
    },
    /// Thanks and the receipt QR code.
    Confirmation(Confirmation),
    /// The handbook's pages and this site's ambassador: what a volunteer may ask and whom.
    Handbook,
    /// One page of the handbook.
    HandbookPage {
        /// The page.
        page_id: String,
    },
    /// The PIN pad in front of staff mode.
    StaffPin,
    /// Staff mode.
    Staff,
    /// Staff mode's check-in: a volunteer's receipt code typed in.
    CheckIn,
    /// Staff mode's list of peer addresses (festival mode).
    Peers,
}

/// Something the visitor or the clock did.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Any touch or key: resets the idle timer. Sent by the app before other events.
    Touch,
    /// A frame passed: the idle timer and the confirmation's timeout are checked.
    Tick,
    /// "Bliv frivillig" on the start screen.
    StartBrowsing,
    /// The language switch.
    SetLanguage(Lang),
    /// A theme chip in the list (`None`: all themes).
    FilterTheme(Option<String>),
    /// A job card.
    OpenJob(String),
    /// "Håndbog og kontakt" on the start screen.
    OpenHandbook,
    /// A page in the handbook's list.
    OpenPage(String),
    /// "Sign up" on a job, for a shift or for a job without shifts.
    ChooseShift {
        /// The shift, `None` for a job without shifts.
        shift_id: Option<String>,
        /// The job has a minimum age, so the form asks to confirm it.
        needs_age: bool,
    },
    /// Back one screen.
    Back,
    /// To the start screen (wipes the form).
    Home,
    /// A text field was tapped.
    Focus(TextField),
    /// An on-screen key.
    Key(Key),
    /// Text from a physical keyboard, for the focused field.
    TypeText(String),
    /// The age checkbox.
    ToggleAge,
    /// The consent checkbox.
    ToggleConsent,
    /// Open or close the full consent text.
    ShowConsent(bool),
    /// "Send".
    Submit,
    /// The app saved the signup durably.
    Saved {
        /// The signup's id.
        signup_id: String,
        /// The receipt link.
        receipt_url: String,
        /// A walk-up's check-in, in words, if one was asked for.
        checked_in: Option<Result<String, String>>,
    },
    /// The app could not save; the message says why.
    SaveFailed(String),
    /// "I'm still here" on the idle warning.
    StillHere,
    /// A tap on the hidden staff corner.
    SecretTap,
    /// A digit on the PIN pad.
    PinDigit(char),
    /// Clear the PIN typed so far.
    PinClear,
    /// "Sync now" in staff mode.
    SyncNow,
    /// "Leave kiosk mode" in staff mode.
    LeaveKioskMode,
    /// Toggle large text.
    ToggleLargeText,
    /// "Check volunteers in" in staff mode.
    OpenCheckIn,
    /// "Walk-up volunteer" on the check-in screen: sign someone up and check them in.
    WalkUp,
    /// "Scan receipt" on the check-in screen: check in whoever's QR code the camera sees.
    ScanReceipt,
    /// "Nearby kiosks" in staff mode.
    OpenPeers,
    /// "Add" on the peer list: the address typed.
    AddPeer,
    /// "Scan address" on the peer list: another kiosk's address QR code to the camera.
    ScanPeer,
    /// "Remove" next to an address on the peer list.
    RemovePeer(String),
    /// The core's answer to a change of the peer list, in words.
    PeersDone(Result<String, String>),
    /// "Check in" (`out == false`) or "Check out" on the check-in screen.
    CheckIn {
        /// A check-out.
        out: bool,
    },
    /// The app's answer to a check-in, in words (`Ok`: done; `Err`: why not).
    CheckInDone(Result<String, String>),
}

/// Work for the app, returned by [`KioskState::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Save this signup; answer with [`Event::Saved`] or [`Event::SaveFailed`].
    Submit {
        /// The job.
        opportunity_id: String,
        /// The shift.
        shift_id: Option<String>,
        /// What the visitor typed.
        form: SignupForm,
        /// Check the signup in once it is saved (a walk-up).
        check_in: bool,
    },
    /// Look for a receipt's QR code with the kiosk's camera and check its volunteer in;
    /// answered by [`Event::CheckInDone`].
    ScanReceipt,
    /// Add an address to staff's peer list; answered by [`Event::PeersDone`].
    AddPeer(String),
    /// Add the address another kiosk's QR code shows the camera; answered by
    /// [`Event::PeersDone`].
    ScanPeer,
    /// Take an address off staff's peer list; answered by [`Event::PeersDone`].
    RemovePeer(String),
    /// Try to reach the server now.
    SyncNow,
    /// Leave full screen and show the window normally.
    LeaveKioskMode,
    /// Check in or out the volunteer with this receipt code; answer with
    /// [`Event::CheckInDone`].
    CheckIn {
        /// The code as typed.
        code: String,
        /// A check-out.
        out: bool,
    },
}

/// The idle timer, as the screen shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Idle {
    /// Nothing to do.
    Active,
    /// "Are you still there?" with whole seconds left before the wipe.
    Warning {
        /// Seconds until the form is wiped.
        seconds_left: u32,
    },
}

/// Everything the screens show, and nothing of egui.
#[derive(Debug, Clone)]
pub struct KioskState {
    /// The screen on show.
    pub screen: Screen,
    /// The language.
    pub lang: Lang,
    /// The theme filter in the list.
    pub theme: Option<String>,
    /// The signup form.
    pub form: FormState,
    /// The check-in screen (staff mode).
    pub check_in: CheckInState,
    /// The peer list screen (staff mode).
    pub peers: PeersState,
    /// Larger text for those who need it.
    pub large_text: bool,
    /// The digits typed on the PIN pad.
    pub pin_entry: String,
    /// Last PIN was wrong.
    pub pin_wrong: bool,
    staff_pin: String,
    pin_failures: u32,
    pin_locked_until: f64,
    last_touch: f64,
    secret_taps: Vec<f64>,
}

impl KioskState {
    /// A kiosk at its start screen. `staff_pin` comes from the kiosk's config.
    pub fn new(staff_pin: &str, now: f64) -> KioskState {
        KioskState {
            screen: Screen::Start,
            lang: Lang::Da,
            theme: None,
            form: FormState::default(),
            check_in: CheckInState::default(),
            peers: PeersState::default(),
            large_text: false,
            pin_entry: String::new(),
            pin_wrong: false,
            staff_pin: staff_pin.to_owned(),
            pin_failures: 0,
            pin_locked_until: f64::NEG_INFINITY,
            last_touch: now,
            secret_taps: Vec::new(),
        }
    }

    /// Where the idle timer stands.
    pub fn idle(&self, now: f64) -> Idle {
        if !self.idle_applies() {
            return Idle::Active;
        }
        let quiet = now - self.last_touch;
        if quiet < IDLE_WARN_SECS {
            Idle::Active
        } else {
            let left = (IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS - quiet).max(0.0);
            Idle::Warning {
                seconds_left: left.ceil() as u32,
            }
        }
    }

    /// Whether the PIN pad refuses input for now.
    pub fn pin_locked(&self, now: f64) -> bool {
        now < self.pin_locked_until
    }

    /// Seconds until the next thing the clock does (idle warning, wipe, confirmation
    /// timeout), so the app can ask egui for a repaint then and not spin.
    pub fn next_deadline(&self, now: f64) -> Option<f64> {
        if let Screen::Confirmation(c) = &self.screen {
            return Some((c.shown_at + CONFIRMATION_SECS - now).max(0.0));
        }
        match self.idle(now) {
            _ if !self.idle_applies() => None,
            Idle::Active => Some((self.last_touch + IDLE_WARN_SECS - now).max(0.0)),
            // Once a second, so the countdown moves.
            Idle::Warning { .. } => Some(1.0),
        }
    }

    fn idle_applies(&self) -> bool {
        // The start screen holds nothing of anyone, except a language choice.
        !matches!(self.screen, Screen::Start) || self.lang != Lang::Da || self.large_text
    }

    /// Apply an event at time `now` (seconds on egui's clock).
    pub fn handle(&mut self, event: Event, now: f64) -> Option<Command> {
        match event {
            Event::Touch => self.last_touch = now,
            Event::Tick => self.tick(now),
            Event::StartBrowsing => self.screen = Screen::Browse,
            Event::SetLanguage(lang) => self.lang = lang,
            Event::FilterTheme(theme) => self.theme = theme,
            Event::OpenJob(id) => {
                self.screen = Screen::Detail { opportunity_id: id };
            }
            Event::OpenHandbook => self.screen = Screen::Handbook,
            Event::OpenPage(page_id) => self.screen = Screen::HandbookPage { page_id },
            Event::ChooseShift {
                shift_id,
                needs_age,
            } => {
                if let Screen::Detail { opportunity_id } = &self.screen {
                    self.form = FormState {
                        focus: Some(TextField::Name),
                        shift: true,
                        needs_age,
                        ..FormState::default()
                    };
                    self.screen = Screen::Form {
                        opportunity_id: opportunity_id.clone(),
                        shift_id,
                    };
                }
            }
            Event::Back => self.back(),
            Event::Home => self.done(),
            Event::Focus(field) => {
                if self.on_form() {
                    self.form.focus = Some(field);
                    self.form.shift = field == TextField::Name && self.form.form.name.is_empty();
                }
            }
            Event::Key(key) => self.key(key),
            Event::TypeText(text) if self.screen == Screen::CheckIn => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    apply_key(&mut self.check_in.code, &Key::Char(c), check_in::CODE_MAX);
                }
            }
            Event::TypeText(text) if self.screen == Screen::Peers => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    apply_key(&mut self.peers.address, &Key::Char(c), peers::ADDRESS_MAX);
                }
            }
            Event::TypeText(text) => {
                if let (true, Some(field)) = (self.on_form(), self.form.focus) {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        apply_key(self.form.text_mut(field), &Key::Char(c), field.max_chars());
                    }
                }
            }
            Event::ToggleAge => {
                if self.on_form() {
                    self.form.form.age_confirmed = !self.form.form.age_confirmed;
                }
            }
            Event::ToggleConsent => {
                if self.on_form() {
                    self.form.form.consent_given = !self.form.form.consent_given;
                }
            }
            Event::ShowConsent(open) => self.form.consent_open = open && self.on_form(),
            Event::Submit => return self.submit(),
            Event::Saved {
                signup_id,
                receipt_url,
                checked_in,
            } => self.saved(signup_id, receipt_url, checked_in, now),
            Event::SaveFailed(message) => {
                self.form.saving = false;
                self.form.save_error = Some(message);
            }
            Event::StillHere => self.last_touch = now,
            Event::SecretTap => {
                self.secret_taps
                    .retain(|t| now - t <= STAFF_TAP_WINDOW_SECS);
                self.secret_taps.push(now);
                if self.secret_taps.len() >= STAFF_TAPS && !self.on_form() {
                    self.secret_taps.clear();
                    self.pin_entry.clear();
                    self.pin_wrong = false;
                    self.screen = Screen::StaffPin;
                }
            }
            Event::PinDigit(d) => self.pin_digit(d, now),
            Event::PinClear => self.pin_entry.clear(),
            Event::SyncNow => {
                if self.screen == Screen::Staff {
                    return Some(Command::SyncNow);
                }
            }
            Event::LeaveKioskMode => {
                if self.screen == Screen::Staff {
                    return Some(Command::LeaveKioskMode);
                }
            }
            Event::ToggleLargeText => self.large_text = !self.large_text,
            Event::OpenCheckIn => {
                if self.screen == Screen::Staff {
                    self.check_in = CheckInState::default();
                    self.screen = Screen::CheckIn;
                }
            }
            Event::OpenPeers => {
                if self.screen == Screen::Staff {
                    self.peers = PeersState::default();
                    self.screen = Screen::Peers;
                }
            }
            Event::AddPeer => {
                if self.screen == Screen::Peers && !self.peers.address.trim().is_empty() {
                    return Some(Command::AddPeer(self.peers.address.clone()));
                }
            }
            Event::ScanPeer => {
                if self.screen == Screen::Peers {
                    self.peers.answer = None;
                    return Some(Command::ScanPeer);
                }
            }
            Event::RemovePeer(address) => {
                if self.screen == Screen::Peers {
                    return Some(Command::RemovePeer(address));
                }
            }
            Event::PeersDone(answer) => {
                if answer.is_ok() {
                    self.peers.address.clear();
                }
                self.peers.answer = Some(answer);
            }
            Event::WalkUp => {
                if self.screen == Screen::CheckIn {
                    self.check_in = CheckInState {
                        walk_up: true,
                        ..CheckInState::default()
                    };
                    self.screen = Screen::Browse;
                }
            }
            Event::ScanReceipt => {
                if self.screen == Screen::CheckIn && !self.check_in.busy {
                    self.check_in.busy = true;
                    self.check_in.answer = None;
                    return Some(Command::ScanReceipt);
                }
            }
            Event::CheckIn { out } => {
                let c = &mut self.check_in;
                if self.screen == Screen::CheckIn && !c.busy && !c.code.trim().is_empty() {
                    c.busy = true;
                    c.answer = None;
                    return Some(Command::CheckIn {
                        code: c.code.clone(),
                        out,
                    });
                }
            }
            Event::CheckInDone(answer) => {
                self.check_in.busy = false;
                // The next volunteer types their own code.
                if answer.is_ok() {
                    self.check_in.code.clear();
                }
                self.check_in.answer = Some(answer);
            }
        }
        None
    }

    fn on_form(&self) -> bool {
        matches!(self.screen, Screen::Form { .. }) && !self.form.saving
    }

    fn tick(&mut self, now: f64) {
        if let Screen::Confirmation(c) = &self.screen
            && now - c.shown_at >= CONFIRMATION_SECS
        {
            self.done();
            return;
        }
        if self.idle_applies() && now - self.last_touch >= IDLE_WARN_SECS + IDLE_COUNTDOWN_SECS {
            // A save in flight finishes on its own; only then may the screen move on.
            if !self.form.saving {
                self.reset();
            }
        }
    }

    /// Back to the start, with nothing of the visitor kept: the form, the language, the
    /// filter and the PIN typed so far are all cleared.
    fn reset(&mut self) {
        if self.form.saving {
            return;
        }
        self.screen = Screen::Start;
        self.form = FormState::default();
        self.lang = Lang::Da;
        self.theme = None;
        self.large_text = false;
        self.pin_entry.clear();
        self.pin_wrong = false;
        self.check_in = CheckInState::default();
        self.peers = PeersState::default();
    }

    /// Done with the visitor: back to the start with nothing kept, or after a walk-up's
    /// confirmation back to staff's check-in screen for the next volunteer.
    fn done(&mut self) {
        let walk_up = self.check_in.walk_up && matches!(self.screen, Screen::Confirmation(_));
        self.reset();
        if walk_up {
            self.screen = Screen::CheckIn;
        }
    }

    fn back(&mut self) {
        self.screen = match std::mem::replace(&mut self.screen, Screen::Start) {
            Screen::Browse | Screen::Start | Screen::Handbook => {
                // A walk-up given up on: the next signup at the start is nobody's check-in.
                self.check_in.walk_up = false;
                Screen::Start
            }
            Screen::HandbookPage { .. } => Screen::Handbook,
            Screen::Detail { .. } => Screen::Browse,
            Screen::Form { opportunity_id, .. } if !self.form.saving => {
                // Leaving the form drops what was typed: no way back into it.
                self.form = FormState::default();
                Screen::Detail { opportunity_id }
            }
            form @ Screen::Form { .. } => form,
            Screen::CheckIn => {
                self.check_in = CheckInState::default();
                Screen::Staff
            }
            Screen::Peers => {
                self.peers = PeersState::default();
                Screen::Staff
            }
            // A finished signup is never shown again: back from it means start (or, after
            // a walk-up, staff's check-in screen).
            confirmation @ Screen::Confirmation(_) => {
                self.screen = confirmation;
                self.done();
                std::mem::replace(&mut self.screen, Screen::Start)
            }
            Screen::StaffPin | Screen::Staff => {
                self.reset();
                Screen::Start
            }
        };
    }

    fn key(&mut self, key: Key) {
        let field = match self.screen {
            Screen::CheckIn => Some((&mut self.check_in.code, check_in::CODE_MAX)),
            Screen::Peers => Some((&mut self.peers.address, peers::ADDRESS_MAX)),
            _ => None,
        };
        if let Some((text, max)) = field {
            if !matches!(key, Key::Shift | Key::Next | Key::Done) {
                apply_key(text, &key, max);
            }
            return;
        }
        if !self.on_form() {
            return;
        }
        let Some(field) = self.form.focus else { return };
        match key {
            Key::Shift => self.form.shift = !self.form.shift,
            Key::Next => {
                let i = TextField::ORDER
                    .iter()
                    .position(|f| *f == field)
                    .unwrap_or(0);
                self.form.focus = TextField::ORDER.get(i + 1).copied();
                self.form.shift = false;
            }
            Key::Done => self.form.focus = None,
            key => {
                let key = match (key, self.form.shift) {
                    (Key::Char(c), true) => Key::Char(c.to_uppercase().next().unwrap_or(c)),
                    (k, _) => k,
                };
                let typed_space = key == Key::Space;
                if apply_key(self.form.text_mut(field), &key, field.max_chars()) {
                    // Capitals at the start of each word of a name; once otherwise.
                    self.form.shift = typed_space && field == TextField::Name;
                }
            }
        }
    }

    fn submit(&mut self) -> Option<Command> {
        let Screen::Form {
            opportunity_id,
            shift_id,
        } = &self.screen
        else {
            return None;
        };
        if self.form.saving {
            return None;
        }
        self.form.save_error = None;
        // The core checks again against the catalog; this check is for the messages.
        match validate_form(&self.form.form, self.form.needs_age) {
            Ok(_) => {
                self.form.problems.clear();
                self.form.saving = true;
                self.form.focus = None;
                Some(Command::Submit {
                    opportunity_id: opportunity_id.clone(),
                    shift_id: shift_id.clone(),
                    // What the server writes to the visitor is in the screen's language.
                    form: SignupForm {
                        lang: self.lang,
                        ..self.form.form.clone()
                    },
                    check_in: self.check_in.walk_up,
                })
            }
            Err(problems) => {
                // Put the keyboard on the first field that needs fixing.
                self.form.focus = TextField::ORDER
                    .iter()
                    .copied()
                    .find(|f| problems.iter().any(|p| p.field() == f.form_field()));
                self.form.problems = problems;
                None
            }
        }
    }

    fn saved(
        &mut self,
        signup_id: String,
        receipt_url: String,
        checked_in: Option<Result<String, String>>,
        now: f64,
    ) {
        let Screen::Form {
            opportunity_id,
            shift_id,
        } = &self.screen
        else {
            return;
        };
        let first_name = self
            .form
            .form
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        self.screen = Screen::Confirmation(Confirmation {
            first_name,
            opportunity_id: opportunity_id.clone(),
            shift_id: shift_id.clone(),
            receipt_url,
            signup_id,
            checked_in,
            shown_at: now,
        });
        // The typed data leaves memory as soon as it is saved.
        self.form = FormState::default();
        self.last_touch = now;
    }

    fn pin_digit(&mut self, d: char, now: f64) {
        if self.screen != Screen::StaffPin || self.pin_locked(now) || !d.is_ascii_digit() {
            return;
        }
        self.pin_wrong = false;
        self.pin_entry.push(d);
        if self.pin_entry.len() < self.staff_pin.len() {
            return;
        }
        if self.pin_entry == self.staff_pin {
            self.pin_failures = 0;
            self.screen = Screen::Staff;
        } else {
            self.pin_failures += 1;
            self.pin_wrong = true;
            if self.pin_failures >= PIN_ATTEMPTS {
                self.pin_failures = 0;
                self.pin_locked_until = now + PIN_LOCK_SECS;
            }
        }
        self.pin_entry.clear();
    }
}

#[cfg(test)]
mod tests;
