//! The volunteer prize's nominations: a citizen's form checked and stored with the consent
//! they gave, and the admins' review (read, deleted) with an audit entry each.

use chrono::{SecondsFormat, Utc};

use crate::AppState;
use crate::service::audit::append_audit;
use crate::service::{ServiceError, blocking};
use crate::store::nominations::Nomination;

/// The consent a nominator gives, in Danish and English, and its version.
pub const NOMINATION_CONSENT: (&str, &str) = (
    "Jeg giver Glostrup Kommune lov til at gemme min indstilling med mit navn og min kontakt, så prisudvalget kan læse den og kontakte mig. Den slettes, når prisen er uddelt.",
    "I allow Glostrup Municipality to keep my nomination with my name and contact, so the prize committee can read it and contact me. It is deleted once the prize is awarded.",
);
/// The version of [`NOMINATION_CONSENT`].
pub const NOMINATION_CONSENT_VERSION: u32 = 1;

/// Longest text a field takes.
const MAX_CHARS: usize = 3000;

/// What the form sent.
#[derive(Debug, Default, Clone)]
pub struct NominationForm {
    /// The volunteer nominated.
    pub nominee: String,
    /// Where they volunteer.
    pub place: String,
    /// Why.
    pub why: String,
    /// The nominator.
    pub by_name: String,
    /// Their e-mail or phone.
    pub by_contact: String,
    /// The consent box was ticked.
    pub consent: bool,
}

/// The problems of the form, each with the field's name and the text in Danish and English.
pub fn problems(f: &NominationForm) -> Vec<(&'static str, (&'static str, &'static str))> {
    let mut out = Vec::new();
    let required = [
        (
            "nominee",
            &f.nominee,
            ("Skriv, hvem du indstiller.", "Write whom you nominate."),
        ),
        (
            "why",
            &f.why,
            (
                "Skriv, hvorfor de fortjener prisen.",
                "Write why they deserve the prize.",
            ),
        ),
        (
            "by_name",
            &f.by_name,
            ("Skriv dit navn.", "Write your name."),
        ),
        (
            "by_contact",
            &f.by_contact,
            (
                "Skriv din e-mail eller dit telefonnummer.",
                "Write your e-mail or phone number.",
            ),
        ),
    ];
    for (field, value, text) in required {
        if value.trim().is_empty() {
            out.push((field, text));
        }
    }
    let long = [&f.nominee, &f.place, &f.why, &f.by_name, &f.by_contact]
        .iter()
        .any(|v| v.chars().count() > MAX_CHARS);
    if long {
        out.push(("why", ("Teksten er for lang.", "The text is too long.")));
    }
    if !f.consent {
        out.push((
            "consent",
            (
                "Sæt kryds, hvis du giver lov til, at vi gemmer indstillingen.",
                "Tick the box if you allow us to keep the nomination.",
            ),
        ));
    }
    out
}

/// Store a checked nomination. Its id.
pub async fn nominate(state: &AppState, f: NominationForm) -> Result<String, ServiceError> {
    if !problems(&f).is_empty() {
        return Err(ServiceError::Invalid(
            "the nomination form has problems".into(),
        ));
    }
    let n = Nomination {
        id: frivillig_common::receipt::new_signup_id(),
        at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        nominee: f.nominee.trim().to_owned(),
        place: f.place.trim().to_owned(),
        why: f.why.replace("\r\n", "\n").trim().to_owned(),
        by_name: f.by_name.trim().to_owned(),
        by_contact: f.by_contact.trim().to_owned(),
        consent_version: NOMINATION_CONSENT_VERSION,
        state: "new".into(),
    };
    let st = state.clone();
    let id = n.id.clone();
    blocking(move || Ok(st.store.add_nomination(&n)?)).await?;
    Ok(id)
}

/// Every nomination.
pub async fn nominations(state: &AppState) -> Result<Vec<Nomination>, ServiceError> {
    let st = state.clone();
    blocking(move || Ok(st.store.nominations()?)).await
}

/// Mark a nomination read, or delete it (`read` false).
pub async fn review(
    state: &AppState,
    by: &str,
    id: &str,
    delete: bool,
) -> Result<(), ServiceError> {
    let st = state.clone();
    let (by, id) = (by.to_owned(), id.to_owned());
    blocking(move || {
        let (new_state, detail) = if delete {
            (None, "deleted")
        } else {
            (Some("read"), "read")
        };
        let found = st.store.change_nomination(&id, new_state, |tx| {
            append_audit(tx, &by, "nomination", &id, detail)
        })?;
        if found {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    })
    .await
}
