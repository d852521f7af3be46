//! The volunteering domain as plain data: the catalog of volunteer jobs, a signup record as
//! it lives in a journal, the personal data that is sealed, and the validation of the form a
//! visitor fills in.

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

/// A good story about volunteering, as the portal and the kiosks' start screen show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    /// Stable id (slug).
    pub id: String,
    /// The site it belongs to.
    pub site_id: String,
    /// The job it belongs to, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<String>,
    /// Title in Danish.
    pub title: String,
    /// Title in English, if written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    /// The story in markdown (Danish).
    pub body_md: String,
    /// The story in markdown (English), if written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body_md_en: String,
    /// A photo, with its alternative text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
    /// The day it was published (`YYYY-MM-DD`): newest first on the portal.
    pub published_on: String,
}

impl Story {
    /// The title in `lang`: the English one when asked for and written.
    pub fn title(&self, lang: crate::text::Lang) -> &str {
        match lang {
            crate::text::Lang::En if !self.title_en.trim().is_empty() => &self.title_en,
            _ => &self.title,
        }
    }

    /// The text in `lang` and the language it is in.
    pub fn body(&self, lang: crate::text::Lang) -> (&str, crate::text::Lang) {
        match lang {
            crate::text::Lang::En if !self.body_md_en.trim().is_empty() => {
                (&self.body_md_en, crate::text::Lang::En)
            }
            _ => (&self.body_md, crate::text::Lang::Da),
        }
    }
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

    /// What it is called, in Danish and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            EventKind::ThemeMeeting => ("Temamøde", "Theme meeting"),
            EventKind::Party => ("Frivilligfest", "Volunteer party"),
            EventKind::Introduction => ("Introduktionsmøde", "Introduction meeting"),
            EventKind::Network => ("Netværksmøde", "Network meeting"),
        }
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

/// A photo the catalog names: stored by the server by its content hash beside the catalog
/// (never inside the document), in the sizes kiosk and portal need, and fetched by kiosks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// The SHA-256 of its largest size, in hex: its name, the same for the same picture.
    pub id: String,
    /// What it shows, in Danish (required: read aloud to those who cannot see it).
    pub alt_da: String,
    /// What it shows, in English.
    #[serde(default)]
    pub alt_en: String,
    /// Width of the largest size, in pixels.
    pub width: u32,
    /// Height of the largest size, in pixels.
    pub height: u32,
}

impl Photo {
    /// The id of a photo whose largest size is `bytes`: the SHA-256 of them, in hex. A kiosk
    /// checks what it fetched against the id the signed catalog names.
    pub fn id_of(bytes: &[u8]) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(bytes))
    }

    /// All photos the catalog names (jobs', ambassadors' and stories'), each once.
    pub fn named_by(c: &Catalog) -> Vec<&Photo> {
        let mut out: Vec<&Photo> = Vec::new();
        let all = c.opportunities.iter().filter_map(|o| o.photo.as_ref());
        let all = all
            .chain(c.ambassadors.iter().filter_map(|a| a.photo.as_ref()))
            .chain(c.stories.iter().filter_map(|s| s.photo.as_ref()));
        for p in all {
            if !out.iter().any(|q| q.id == p.id) {
                out.push(p);
            }
        }
        out
    }

    /// Whether `id` has the shape of a photo's id (64 lower-case hex digits).
    pub fn valid_id(id: &str) -> bool {
        id.len() == 64
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
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
