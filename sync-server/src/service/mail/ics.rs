//! Shifts as iCalendar (RFC 5545) events and files, through the icalendar crate (which
//! escapes and folds lines as the standard asks). An event's UID is its signup's, so a
//! calendar that imports a later version (a moved or cancelled shift) replaces the event
//! instead of adding one; its SEQUENCE (seconds since 2026) grows with every version for
//! the same reason.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike};

/// What an event says about a shift.
pub struct ShiftEvent<'a> {
    /// The signup it belongs to.
    pub signup_id: &'a str,
    /// The event's title.
    pub summary: String,
    /// Where.
    pub place: &'a str,
    /// The text under it.
    pub description: String,
    /// RFC 3339.
    pub starts: &'a str,
    /// RFC 3339.
    pub ends: &'a str,
    /// Whether the shift was cancelled.
    pub cancelled: bool,
}

/// The event, `None` if the shift's times do not parse.
pub fn event(e: &ShiftEvent<'_>) -> Option<icalendar::Event> {
    let at = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let (starts, ends) = (at(e.starts)?, at(e.ends)?);
    let sequence = (Utc::now().timestamp() - 1_767_225_600).max(0);
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("{}@frivillig", e.signup_id))
        .summary(&e.summary)
        .location(e.place)
        .description(&e.description)
        .starts(starts)
        .ends(ends)
        .add_property("SEQUENCE", sequence.to_string());
    if e.cancelled {
        event.status(icalendar::EventStatus::Cancelled);
    }
    Some(event.done())
}

/// A calendar file of `events`; `cancel` marks it as a cancellation (METHOD:CANCEL), which
/// mail programs offer to remove from the calendar. `name` names a subscribed calendar.
pub fn file(events: Vec<icalendar::Event>, cancel: bool, name: Option<&str>) -> String {
    let mut cal = Calendar::new();
    if cancel {
        cal.append_property(icalendar::Property::new("METHOD", "CANCEL"));
    }
    if let Some(name) = name {
        cal.name(name);
    }
    for e in events {
        cal.push(e);
    }
    cal.done().to_string()
}
