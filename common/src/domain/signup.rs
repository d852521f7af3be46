//! A signup as it lives in a journal, the personal data that is sealed, and the validation
//! of the form a visitor fills in.

use serde::{Deserialize, Serialize};

use super::Opportunity;

/// Where a signup came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Source {
    /// A kiosk, by its id.
    Kiosk(String),
    /// The public portal.
    Web,
}

/// Where a signup stands in the coordinators' workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Just arrived.
    New,
    /// A coordinator has been in touch.
    Contacted,
    /// Volunteering.
    Active,
    /// Declined by the municipality.
    Declined,
    /// Withdrawn by the volunteer.
    Withdrawn,
    /// Waiting for a spot.
    Waitlisted,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Contacted,
        Status::Waitlisted,
        Status::Active,
        Status::Declined,
        Status::Withdrawn,
    ];

    /// The stable name used in documents, URLs and index keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Contacted => "contacted",
            Status::Active => "active",
            Status::Declined => "declined",
            Status::Withdrawn => "withdrawn",
            Status::Waitlisted => "waitlisted",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the signup no longer holds a spot (declined or withdrawn).
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Declined | Status::Withdrawn)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status equals its stable name.
impl PartialEq<str> for Status {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// A status equals its stable name.
impl PartialEq<&str> for Status {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One entry in a signup's status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// RFC 3339 time of the change.
    pub at: String,
    /// Who made it (coordinator login or kiosk id).
    pub by: String,
}

/// A volunteer checked in (or out) at a shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckIn {
    /// RFC 3339 kiosk-local time.
    pub at: String,
    /// The kiosk that checked them in.
    pub by: String,
    /// A check-out. Kept in the same list as the check-ins, so a kiosk never has to create
    /// a container in a record it did not make (and an older server, which does not know
    /// the field, reads it as one more check-in, harmlessly).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub out: bool,
}

/// A coordinator's note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// RFC 3339 time.
    pub at: String,
    /// Author.
    pub by: String,
    /// The note.
    pub text: String,
}

/// A signup as it is stored in a journal document. Personal fields are only in `sealed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignupRecord {
    /// Random id, also the key in the journal's `signups` map.
    pub id: String,
    /// The job.
    pub opportunity_id: String,
    /// The shift, if the job has shifts.
    pub shift_id: Option<String>,
    /// The site of the job.
    pub site_id: String,
    /// Kiosk or web.
    pub source: Source,
    /// RFC 3339 local time at the kiosk when the visitor pressed "send".
    pub created_at: String,
    /// Version of the consent text accepted.
    pub consent_version: u32,
    /// RFC 3339 time consent was given.
    pub consent_at: String,
    /// SHA-256 (hex) of the receipt token in the visitor's QR code.
    pub receipt_hash: String,
    /// The personal data sealed to the server's public key (base64).
    pub sealed: String,
    /// Current status (a record whose status is not one of ours does not decode).
    pub status: Status,
    /// Status changes in order.
    pub status_history: Vec<StatusChange>,
    /// Check-ins at shifts.
    pub check_ins: Vec<CheckIn>,
    /// Coordinator notes.
    pub notes: Vec<Note>,
    /// User name of the coordinator the signup is assigned to, if any.
    #[serde(default)]
    pub assignee: Option<String>,
}

impl SignupRecord {
    /// A new signup with a fresh random id for `job` (and `shift_id`), status "new", consent given at `at`: the one
    /// shape kiosks and the portal both write. `sealed` is the personal data sealed to the
    /// server's key; `receipt_hash` the SHA-256 of the receipt token.
    pub fn new_signup(
        job: &Opportunity,
        shift_id: Option<&str>,
        source: Source,
        at: String,
        consent_version: u32,
        receipt_hash: String,
        sealed: String,
    ) -> SignupRecord {
        SignupRecord {
            id: crate::receipt::new_signup_id(),
            opportunity_id: job.id.clone(),
            shift_id: shift_id.map(str::to_owned),
            site_id: job.site_id.clone(),
            source,
            created_at: at.clone(),
            consent_version,
            consent_at: at,
            receipt_hash,
            sealed,
            status: Status::New,
            status_history: Vec::new(),
            check_ins: Vec::new(),
            notes: Vec::new(),
            assignee: None,
        }
    }
}

/// The personal fields of a signup. Never stored in the clear on a kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalData {
    /// Name as given.
    pub name: String,
    /// Phone number, digits and an optional leading `+`.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The visitor confirmed the job's minimum age.
    pub age_confirmed: bool,
    /// Optional note to the coordinator.
    pub note: Option<String>,
    /// The language the person used at signup (`da` or `en`): what the server writes to
    /// them is in it. Kiosks older than this field sealed none: Danish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The receipt token, sealed with the rest so that only the server can put the receipt
    /// link into the person's confirmation (the journal holds only its hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_token: Option<String>,
}

/// What a visitor typed, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignupForm {
    /// Name field.
    pub name: String,
    /// Phone field (may be empty).
    pub phone: String,
    /// E-mail field (may be empty).
    pub email: String,
    /// Age confirmation checkbox.
    pub age_confirmed: bool,
    /// Note field (may be empty).
    pub note: String,
    /// Consent checkbox.
    pub consent_given: bool,
    /// The language of the screen or page the form was filled in on.
    pub lang: crate::text::Lang,
}

/// A field of the signup form, for tying an error to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormField {
    /// Name.
    Name,
    /// Phone.
    Phone,
    /// E-mail.
    Email,
    /// Age confirmation.
    Age,
    /// Note.
    Note,
    /// Consent.
    Consent,
}

/// Why a form is not accepted, one per field problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormProblem {
    /// No name given.
    NameMissing,
    /// Name longer than we keep.
    NameTooLong,
    /// Neither phone nor e-mail.
    ContactMissing,
    /// The phone number has a shape we cannot call.
    PhoneInvalid,
    /// The e-mail address has a shape we cannot write to.
    EmailInvalid,
    /// The job has a minimum age and it was not confirmed.
    AgeNotConfirmed,
    /// The note is too long.
    NoteTooLong,
    /// Something looks like a CPR number; we never collect those.
    CprNotAllowed,
    /// Consent not given.
    ConsentMissing,
}

impl FormProblem {
    /// The field the problem belongs to.
    pub fn field(self) -> FormField {
        match self {
            FormProblem::NameMissing | FormProblem::NameTooLong => FormField::Name,
            FormProblem::ContactMissing | FormProblem::PhoneInvalid => FormField::Phone,
            FormProblem::EmailInvalid => FormField::Email,
            FormProblem::AgeNotConfirmed => FormField::Age,
            FormProblem::NoteTooLong | FormProblem::CprNotAllowed => FormField::Note,
            FormProblem::ConsentMissing => FormField::Consent,
        }
    }

    /// Message in Danish.
    pub fn message_da(self) -> &'static str {
        match self {
            FormProblem::NameMissing => "Skriv dit navn.",
            FormProblem::NameTooLong => "Navnet er for langt (højst 100 tegn).",
            FormProblem::ContactMissing => {
                "Skriv et telefonnummer eller en e-mailadresse, så vi kan kontakte dig."
            }
            FormProblem::PhoneInvalid => {
                "Telefonnummeret skal have 8 cifre (eller +landekode og nummer)."
            }
            FormProblem::EmailInvalid => {
                "E-mailadressen ser ikke rigtig ud, f.eks. navn@eksempel.dk."
            }
            FormProblem::AgeNotConfirmed => "Bekræft, at du opfylder aldersgrænsen for dette job.",
            FormProblem::NoteTooLong => "Beskeden er for lang (højst 500 tegn).",
            FormProblem::CprNotAllowed => "Skriv ikke dit CPR-nummer. Vi har ikke brug for det.",
            FormProblem::ConsentMissing => {
                "Du skal give samtykke, før vi kan gemme din tilmelding."
            }
        }
    }

    /// Message in English.
    pub fn message_en(self) -> &'static str {
        match self {
            FormProblem::NameMissing => "Please enter your name.",
            FormProblem::NameTooLong => "The name is too long (100 characters at most).",
            FormProblem::ContactMissing => {
                "Enter a phone number or an e-mail address so we can reach you."
            }
            FormProblem::PhoneInvalid => {
                "The phone number needs 8 digits (or +country code and number)."
            }
            FormProblem::EmailInvalid => {
                "That e-mail address does not look right, e.g. name@example.dk."
            }
            FormProblem::AgeNotConfirmed => {
                "Please confirm that you meet the age limit for this job."
            }
            FormProblem::NoteTooLong => "The note is too long (500 characters at most).",
            FormProblem::CprNotAllowed => "Please do not enter your CPR number. We do not need it.",
            FormProblem::ConsentMissing => "We need your consent before we can save your signup.",
        }
    }
}

/// Validate a form. `needs_age` says whether the job has a minimum age. All problems are
/// returned at once so the screen can mark every field.
pub fn validate_form(form: &SignupForm, needs_age: bool) -> Result<PersonalData, Vec<FormProblem>> {
    let mut problems = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        problems.push(FormProblem::NameMissing);
    } else if name.chars().count() > 100 {
        problems.push(FormProblem::NameTooLong);
    }
    let phone = normalize_phone(&form.phone);
    let email = form.email.trim();
    if phone.is_empty() && email.is_empty() {
        problems.push(FormProblem::ContactMissing);
    }
    if !phone.is_empty() && !phone_is_valid(&phone) {
        problems.push(FormProblem::PhoneInvalid);
    }
    if !email.is_empty() && !email_is_valid(email) {
        problems.push(FormProblem::EmailInvalid);
    }
    if needs_age && !form.age_confirmed {
        problems.push(FormProblem::AgeNotConfirmed);
    }
    let note = form.note.trim();
    if note.chars().count() > 500 {
        problems.push(FormProblem::NoteTooLong);
    }
    if looks_like_cpr(note) || looks_like_cpr(name) {
        problems.push(FormProblem::CprNotAllowed);
    }
    if !form.consent_given {
        problems.push(FormProblem::ConsentMissing);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PersonalData {
        name: name.to_owned(),
        phone: (!phone.is_empty()).then_some(phone),
        email: (!email.is_empty()).then(|| email.to_owned()),
        age_confirmed: form.age_confirmed,
        note: (!note.is_empty()).then(|| note.to_owned()),
        lang: Some(form.lang.code().to_owned()),
        receipt_token: None,
    })
}

/// Strip the spaces and dashes people type in phone numbers.
pub fn normalize_phone(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .collect()
}

/// Danish numbers have 8 digits; a foreign one is `+` and 7 to 15 digits.
pub fn phone_is_valid(phone: &str) -> bool {
    if let Some(rest) = phone.strip_prefix('+') {
        (7..=15).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit())
    } else {
        phone.len() == 8 && phone.chars().all(|c| c.is_ascii_digit())
    }
}

/// A deliberately plain check: one `@`, something before it, a dotted domain after it, no
/// spaces. Deliverability is for the coordinator to find out.
pub fn email_is_valid(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Six digits, an optional dash or space, four digits: the shape of a CPR number.
fn looks_like_cpr(text: &str) -> bool {
    let digits_and_seps: Vec<char> = text.chars().collect();
    for start in 0..digits_and_seps.len() {
        let window: String = digits_and_seps[start..].iter().take(11).collect();
        let w: Vec<char> = window.chars().collect();
        let boundary_before = start == 0 || !digits_and_seps[start - 1].is_ascii_digit();
        if !boundary_before || w.len() < 10 {
            continue;
        }
        let six = w[..6].iter().all(char::is_ascii_digit);
        if !six {
            continue;
        }
        let (rest, len) = if matches!(w[6], '-' | ' ') {
            (&w[7..], 11)
        } else {
            (&w[6..], 10)
        };
        if rest.len() >= 4
            && rest[..4].iter().all(char::is_ascii_digit)
            && digits_and_seps
                .get(start + len)
                .is_none_or(|c| !c.is_ascii_digit())
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SignupForm {
        SignupForm {
            name: "Åse Øberg".into(),
            phone: "12 34 56 78".into(),
            email: String::new(),
            age_confirmed: true,
            note: String::new(),
            consent_given: true,
            lang: crate::text::Lang::Da,
        }
    }

    #[test]
    fn a_good_form_passes_and_phone_is_normalized() {
        let pd = validate_form(&form(), true).expect("valid");
        assert_eq!(pd.phone.as_deref(), Some("12345678"));
        assert_eq!(pd.email, None);
    }

    #[test]
    fn each_problem_is_named() {
        let bad = SignupForm {
            name: " ".into(),
            phone: "12".into(),
            email: "a@b".into(),
            ..Default::default()
        };
        let problems = validate_form(&bad, true).expect_err("invalid");
        assert_eq!(
            problems,
            vec![
                FormProblem::NameMissing,
                FormProblem::PhoneInvalid,
                FormProblem::EmailInvalid,
                FormProblem::AgeNotConfirmed,
                FormProblem::ConsentMissing
            ]
        );
        let none = SignupForm {
            name: "A".into(),
            consent_given: true,
            ..Default::default()
        };
        assert_eq!(
            validate_form(&none, false),
            Err(vec![FormProblem::ContactMissing])
        );
    }

    #[test]
    fn cpr_numbers_are_refused() {
        let f = SignupForm {
            note: "mit cpr er 010203-1234".into(),
            ..form()
        };
        assert_eq!(
            validate_form(&f, false),
            Err(vec![FormProblem::CprNotAllowed])
        );
        let f = SignupForm {
            note: "0102031234".into(),
            ..form()
        };
        assert!(validate_form(&f, false).is_err());
        let f = SignupForm {
            note: "ring 12345678 efter kl 16".into(),
            ..form()
        };
        assert!(validate_form(&f, false).is_ok());
    }

    #[test]
    fn emails() {
        assert!(email_is_valid("anne@glostrup.dk"));
        assert!(!email_is_valid("anne@glostrup"));
        assert!(!email_is_valid("an ne@glostrup.dk"));
        assert!(!email_is_valid("@glostrup.dk"));
        assert!(phone_is_valid("+4512345678"));
    }
}
