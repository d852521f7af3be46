//! What makes a catalog entry an event, and who may come to it.

use serde::{Deserialize, Serialize};

/// What makes a catalog entry an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInfo {
    /// What kind of event.
    pub kind: EventKind,
    /// Where, when not simply the site's address (a room, a park, another address).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    /// Who may come.
    pub audience: Audience,
    /// The last day to register (`YYYY-MM-DD`, local), when it is before the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_until: Option<String>,
}

/// The kinds of event the strategy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Temamøde: volunteers, staff and local businesses together (samskabelse).
    ThemeMeeting,
    /// The yearly volunteer party (frivilligfest), e.g. on Frivillig Fredag.
    Party,
    /// Introduktionsmøde for new volunteers.
    Introduction,
    /// Netværksmøde.
    Network,
}

impl EventKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [EventKind; 4] = [
        EventKind::ThemeMeeting,
        EventKind::Party,
        EventKind::Introduction,
        EventKind::Network,
    ];

    /// The stable name used in forms and files.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ThemeMeeting => "theme_meeting",
            EventKind::Party => "party",
            EventKind::Introduction => "introduction",
            EventKind::Network => "network",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What it is called in `lang`.
    pub fn name(self, lang: crate::text::Lang) -> &'static str {
        let (da, en) = match self {
            EventKind::ThemeMeeting => ("Temamøde", "Theme meeting"),
            EventKind::Party => ("Frivilligfest", "Volunteer party"),
            EventKind::Introduction => ("Introduktionsmøde", "Introduction meeting"),
            EventKind::Network => ("Netværksmøde", "Network meeting"),
        };
        lang.pick(da, en)
    }
}

/// Who may come to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone: shown on the portal and the kiosks, registration like a job's.
    Open,
    /// Only those invited: not shown publicly; the invited answer through their links.
    Invited,
}
