//! Why the server refused a record a kiosk wrote, as the server stores it, the admin page
//! shows it and the kiosk's staff screen tells it: one list of reasons, one text for each.

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// Why a kiosk's record was refused. The serialised name is stable (it is stored and sent).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, thiserror::Error,
)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The record names a site other than its job's.
    #[error("the record names another site than its job's")]
    ForeignSite,
    /// The job is not in the catalog.
    #[error("the job is not in the catalog")]
    UnknownJob,
    /// The shift is not one of the job's (or is missing where the job has shifts).
    #[error("the shift is not one of the job's")]
    UnknownShift,
    /// The consent version is not one the catalog holds.
    #[error("the consent version is unknown")]
    UnknownConsent,
    /// A field is too long or not of its form (id, receipt hash, sealed data, check-ins).
    #[error("a field is too long or malformed")]
    Malformed,
    /// A time is unreadable, too far in the past or ahead of the server's clock.
    #[error("a time is implausible against the server's clock")]
    ImplausibleTime,
    /// The opened personal data does not pass the signup form's rules.
    #[error("the personal data does not pass the form's rules")]
    InvalidPerson,
    /// The record carries a coordinator's work (status, history, notes, assignee) or a
    /// check-in by someone else: only the server writes those.
    #[error("the record carries fields only coordinators write")]
    CoordinatorField,
    /// A field fixed at signup changed after the server took the record.
    #[error("a field fixed at signup was changed")]
    ChangedAfterSignup,
}

impl Refusal {
    /// Every reason.
    pub const ALL: [Refusal; 9] = [
        Refusal::ForeignSite,
        Refusal::UnknownJob,
        Refusal::UnknownShift,
        Refusal::UnknownConsent,
        Refusal::Malformed,
        Refusal::ImplausibleTime,
        Refusal::InvalidPerson,
        Refusal::CoordinatorField,
        Refusal::ChangedAfterSignup,
    ];

    /// What it means, for the people who see it (admins, kiosk staff).
    pub fn text(self) -> Text {
        match self {
            Refusal::ForeignSite => (
                "Tilmeldingen nævner et andet sted end jobbets",
                "The signup names another place than its job's",
            ),
            Refusal::UnknownJob => (
                "Jobbet findes ikke i kataloget",
                "The job is not in the catalogue",
            ),
            Refusal::UnknownShift => (
                "Vagten hører ikke til jobbet",
                "The shift is not one of the job's",
            ),
            Refusal::UnknownConsent => (
                "Samtykketeksten har en ukendt version",
                "The consent text has an unknown version",
            ),
            Refusal::Malformed => (
                "Et felt er for langt eller har forkert form",
                "A field is too long or of the wrong form",
            ),
            Refusal::ImplausibleTime => (
                "Et tidspunkt passer ikke med serverens ur",
                "A time does not fit the server's clock",
            ),
            Refusal::InvalidPerson => (
                "Kontaktoplysningerne overholder ikke formularens regler",
                "The contact details break the form's rules",
            ),
            Refusal::CoordinatorField => (
                "Kiosken har skrevet noget, kun koordinatorer må skrive",
                "The kiosk wrote something only coordinators may write",
            ),
            Refusal::ChangedAfterSignup => (
                "Tilmeldingen er ændret, efter serveren modtog den",
                "The signup was changed after the server received it",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_has_its_own_text_and_a_stable_name() {
        let mut seen = std::collections::HashSet::new();
        for r in Refusal::ALL {
            let (da, en) = r.text();
            assert!(seen.insert(da) && seen.insert(en), "{r:?} shares a text");
            let name = serde_json::to_string(&r).expect("serialise");
            let back: Refusal = serde_json::from_str(&name).expect("read back");
            assert_eq!(back, r);
        }
        assert_eq!(
            serde_json::to_string(&Refusal::CoordinatorField).expect("serialise"),
            "\"coordinator_field\""
        );
    }
}
