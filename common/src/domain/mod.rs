//! The volunteering domain as plain data: the catalog of volunteer jobs (here), its events,
//! photos and stories (`event`, `content`), and a signup as it lives in a journal with
//! the personal data that is sealed and the validation of the form a visitor fills in
//! (`signup`).

mod content;
mod event;
mod signup;

pub use content::{Photo, Story};
pub use event::{Audience, EventInfo, EventKind};
pub use signup::*;

use serde::{Deserialize, Serialize};

/// Everything a kiosk or the portal shows: one per deployment, written by the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Places where volunteers are needed and where kiosks stand.
    pub sites: Vec<Site>,
    /// Volunteer jobs (frivilligjobs).
    pub opportunities: Vec<Opportunity>,
    /// The named contact per institution (frivillighedsambassadør).
    pub ambassadors: Vec<Ambassador>,
    /// Pages of the digital handbook, in markdown.
    pub handbook: Vec<HandbookPage>,
    /// Consent texts; a new version is added, never edited in place.
    pub consent_texts: Vec<ConsentText>,
    /// Good stories as published (a story leaves the catalog when it is unpublished; the
    /// server keeps drafts and the consents of the people in them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stories: Vec<Story>,
}

/// A library, nursing home, festival or other place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Stable id, e.g. `bibliotek`.
    pub id: String,
    /// Display name in Danish.
    pub name: String,
    /// What kind of place this is.
    pub kind: SiteKind,
    /// Street address.
    pub address: String,
}

/// The kinds of place the municipality runs kiosks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// Bibliotek.
    Library,
    /// Plejecenter.
    NursingHome,
    /// Kulturnat, Frivillig Fredag and the like.
    Festival,
    /// Schools, day care, associations.
    Other,
}

/// A volunteer job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Stable id.
    pub id: String,
    /// The site it belongs to.
    pub site_id: String,
    /// Short title in Danish.
    pub title: String,
    /// Short title in English.
    pub title_en: String,
    /// Theme used for filtering (e.g. `kultur`, `ældre`, `børn`).
    pub theme: String,
    /// Description in markdown (Danish).
    pub description_md: String,
    /// Description in markdown (English), if written; English pages show the Danish one
    /// otherwise, saying so.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_md_en: String,
    /// What a volunteer must meet.
    pub requirements: Requirements,
    /// Shifts; a job without shifts is ongoing.
    pub shifts: Vec<Shift>,
    /// Ambassador to contact.
    pub ambassador_id: Option<String>,
    /// Who to ask about this job, as published (name, e-mail or phone), when it is not the
    /// ambassador.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact: String,
    /// The first day the job is shown (`YYYY-MM-DD`, local), if not at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_from: Option<String>,
    /// The last day the job is shown (`YYYY-MM-DD`, local), if it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_until: Option<String>,
    /// A photo of the place or the people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
    /// Set when this is an event (a theme meeting, the volunteer party) rather than a job:
    /// its shifts are its times and capacity, and registering is signing up, so a kiosk
    /// takes registrations offline and they reach the server like any signup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventInfo>,
}

impl Opportunity {
    /// The description in `lang` and the language it is in: the English one when asked for
    /// and written, else the Danish.
    pub fn description(&self, lang: crate::text::Lang) -> (&str, crate::text::Lang) {
        match lang {
            crate::text::Lang::En if !self.description_md_en.trim().is_empty() => {
                (&self.description_md_en, crate::text::Lang::En)
            }
            _ => (&self.description_md, crate::text::Lang::Da),
        }
    }

    /// Whether a signup for `shift_id` fits this job: one of its shifts, or none for a job
    /// without shifts.
    pub fn takes_shift(&self, shift_id: Option<&str>) -> bool {
        match shift_id {
            Some(s) => self.shifts.iter().any(|x| x.id == s),
            None => self.shifts.is_empty(),
        }
    }
}

/// What a volunteer must meet before starting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Requirements {
    /// A child-protection record check (børneattest) is needed.
    pub child_record_check: bool,
    /// Minimum age in years.
    pub min_age: Option<u8>,
}

/// A time slot of a job with a capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// Stable id within the catalog.
    pub id: String,
    /// Start, RFC 3339 with offset.
    pub starts: String,
    /// End, RFC 3339 with offset.
    pub ends: String,
    /// How many volunteers are needed.
    pub capacity: u32,
}

/// A named contact per institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ambassador {
    /// Stable id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Site they represent.
    pub site_id: String,
    /// Work e-mail or phone, as published.
    pub contact: String,
    /// Their photo, if they want one shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
}

/// A page of the digital handbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandbookPage {
    /// Stable id (slug).
    pub id: String,
    /// Title.
    pub title: String,
    /// Body in markdown.
    pub body_md: String,
}

/// A version of the consent text a visitor accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentText {
    /// Increasing version number.
    pub version: u32,
    /// The text in Danish.
    pub text_da: String,
    /// The text in English.
    pub text_en: String,
}

impl Catalog {
    /// The consent text in force: the highest version.
    pub fn current_consent(&self) -> Option<&ConsentText> {
        self.consent_texts.iter().max_by_key(|c| c.version)
    }

    /// The events among the catalog's entries.
    pub fn events(&self) -> impl Iterator<Item = &Opportunity> {
        self.opportunities.iter().filter(|o| o.event.is_some())
    }

    /// The events, soonest first (by their first time; those without one last).
    pub fn events_by_time(&self) -> Vec<&Opportunity> {
        let mut events: Vec<&Opportunity> = self.events().collect();
        events.sort_by_key(|o| {
            let first = o.shifts.iter().map(|s| s.starts.as_str()).min();
            (first.is_none(), first.unwrap_or_default().to_owned())
        });
        events
    }

    /// The opportunity with this id.
    pub fn opportunity(&self, id: &str) -> Option<&Opportunity> {
        self.opportunities.iter().find(|o| o.id == id)
    }
}
