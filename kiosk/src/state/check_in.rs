//! The check-in screen's data (staff mode): the short code typed so far, whether the
//! kiosk is looking it up, and the last answer in words.

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
}
