//! The check-in screen's data (staff mode): the short code typed so far, whether the
//! kiosk is looking it up, the last answer in words, and whether staff are signing up a
//! volunteer who came without a signup.

/// The longest code the field takes: eight characters, a dash, and a little slack.
pub const CODE_MAX: usize = 12;

/// What the check-in screen shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckInState {
    /// The code as typed.
    pub code: String,
    /// A check-in is being recorded.
    pub busy: bool,
    /// The last answer: `Ok` in green, `Err` in red, in the screen's language.
    pub answer: Option<Result<String, String>>,
    /// A walk-up: staff started a signup from the check-in screen for a volunteer who came
    /// to the shift without one; the signup is checked in as soon as it is saved, and the
    /// kiosk comes back to this screen after the confirmation.
    pub walk_up: bool,
}
