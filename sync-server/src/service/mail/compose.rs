//! The messages the server writes to volunteers, in the language each chose at signup, and
//! the shift as a calendar file. Pure: catalog and signup in, [`NewMessage`] out.
//!
//! Every message says who sends it, why the person gets it and how to stop it (GDPR and
//! plain courtesy); a confirmation and the notices about a signup are part of what the
//! person asked for, so they need no further consent.

use frivillig_common::domain::{Catalog, Shift, Status};
use frivillig_common::receipt::{receipt_hash, receipt_url};
use frivillig_common::text::{Lang, job_title, shift_label, site_name};

use super::ics;
use super::templates::{Template, TemplateKind, Templates, render};
use crate::store::SignupRow;
use crate::store::outbox::{Channel, MessageKind, NewMessage};
use crate::store::schedule::ShiftTold;

/// The language the person chose at signup (Danish when they chose none).
pub fn person_lang(row: &SignupRow) -> Lang {
    match row.person.as_ref().and_then(|p| p.lang.as_deref()) {
        Some("en") => Lang::En,
        _ => Lang::Da,
    }
}

/// What a message needs to know about the signup's job, looked up once.
struct About<'a> {
    lang: Lang,
    shift: Option<&'a Shift>,
    title: String,
    place: String,
    when: String,
    contact: Option<String>,
}

fn about<'a>(catalog: &'a Catalog, row: &SignupRow, lang: Lang) -> About<'a> {
    let r = &row.record;
    let job = catalog.opportunity(&r.opportunity_id);
    let shift = job.and_then(|j| {
        j.shifts
            .iter()
            .find(|s| Some(s.id.as_str()) == r.shift_id.as_deref())
    });
    let site = catalog.sites.iter().find(|s| s.id == r.site_id);
    let place = match site {
        Some(s) if !s.address.trim().is_empty() => format!("{}, {}", s.name, s.address),
        _ => site_name(catalog, &r.site_id).to_owned(),
    };
    let contact = job
        .and_then(|j| j.ambassador_id.as_deref())
        .and_then(|id| catalog.ambassadors.iter().find(|a| a.id == id))
        .map(|a| format!("{} ({})", a.name, a.contact));
    About {
        lang,
        shift,
        title: job.map_or_else(
            || r.opportunity_id.clone(),
            |j| job_title(lang, j).to_owned(),
        ),
        place,
        when: shift.map_or_else(
            || {
                lang.pick("Løbende, efter aftale", "Ongoing, by arrangement")
                    .to_owned()
            },
            |s| shift_label(lang, &s.starts, &s.ends),
        ),
        contact,
    }
}

/// The receipt link, if the token the kiosk sealed is the signup's (a kiosk cannot make the
/// server mail a link to someone else's receipt).
fn receipt_link(row: &SignupRow, public_url: &str) -> Option<String> {
    let token = row.person.as_ref()?.receipt_token.as_deref()?;
    (receipt_hash(token) == row.record.receipt_hash)
        .then(|| receipt_url(public_url, &row.record.id, token))
}

/// The closing lines of every message: who writes, and how to stop it.
fn footer(lang: Lang, sender: &str) -> String {
    match lang {
        Lang::Da => format!(
            "\n--\nDenne mail er sendt af {sender} gennem Frivillig, fordi du har meldt dig \
             som frivillig. Vil du ikke have flere mails om tilmeldingen, så træk den tilbage \
             på kvitteringssiden eller svar på denne mail, så sletter vi dine oplysninger.\n"
        ),
        Lang::En => format!(
            "\n--\nThis e-mail was sent by {sender} through Frivillig because you signed up \
             as a volunteer. To get no more e-mails about it, withdraw on your receipt page \
             or reply to this e-mail and we will delete your details.\n"
        ),
    }
}

fn address(row: &SignupRow) -> Option<String> {
    row.person
        .as_ref()?
        .email
        .clone()
        .filter(|e| !e.trim().is_empty())
}

/// What composing needs besides the catalog and the signup.
pub struct Writer<'a> {
    /// Who sends, as the footer names them.
    pub sender: &'a str,
    /// The public address receipts live under.
    pub public_url: &'a str,
    /// The texts, as they were when the message was composed.
    pub templates: std::sync::Arc<Templates>,
}

/// A message to the signup's person from `template` filled in; `None` without an address.
#[allow(clippy::too_many_arguments)]
fn templated(
    kind: MessageKind,
    template: &Template,
    row: &SignupRow,
    a: &About<'_>,
    w: &Writer<'_>,
    extra: Vec<(&'static str, String)>,
    ics: Option<String>,
) -> Option<NewMessage> {
    let to = address(row)?;
    let name = row.person.as_ref().map_or("", |p| p.name.as_str());
    let mut vars = vec![
        ("navn", name.to_owned()),
        ("opgave", a.title.clone()),
        ("sted", a.place.clone()),
        ("hvornaar", a.when.clone()),
        ("kontakt", a.contact.clone().unwrap_or_default()),
        (
            "kvittering",
            receipt_link(row, w.public_url).unwrap_or_default(),
        ),
    ];
    vars.extend(extra);
    let subject = render(&template.subject, &vars);
    let body = render(&template.body, &vars);
    Some(NewMessage {
        channel: Channel::Email,
        kind,
        to,
        signup_id: Some(row.record.id.clone()),
        subject,
        body: format!("{}\n{}", body.trim_end(), footer(a.lang, w.sender)),
        ics,
    })
}

/// The confirmation of a signup that reached the server, with the shift as a calendar file.
/// `None` for a person who gave no e-mail address.
pub fn confirmation(catalog: &Catalog, row: &SignupRow, w: &Writer<'_>) -> Option<NewMessage> {
    let a = about(catalog, row, person_lang(row));
    let t = w.templates.get(TemplateKind::Confirmation, a.lang);
    let ics = a.shift.and_then(|s| shift_calendar(&a, s, &row.record.id));
    templated(MessageKind::Confirmation, &t, row, &a, w, Vec::new(), ics)
}

/// What a status means to the person, for the statuses they hear of.
fn status_meaning(lang: Lang, status: Status) -> Option<&'static str> {
    Some(match status {
        Status::Contacted => lang.pick(
            "En koordinator har set din tilmelding og kontakter dig.",
            "A coordinator has seen your signup and will contact you.",
        ),
        Status::Active => lang.pick(
            "Du er nu frivillig på opgaven. Velkommen!",
            "You are now a volunteer on the job. Welcome!",
        ),
        Status::Declined => lang.pick(
            "Vi kan desværre ikke bruge din tilmelding denne gang. Tak fordi du ville hjælpe.",
            "Unfortunately we cannot take up your signup this time. Thank you for offering to help.",
        ),
        Status::Waitlisted => lang.pick(
            "Du står på venteliste; vi skriver, når der bliver plads.",
            "You are on the waiting list; we will write when a place opens.",
        ),
        Status::New | Status::Withdrawn => return None,
    })
}

/// The notice of a status a coordinator set, for the statuses a person needs to hear of.
pub fn status_notice(
    catalog: &Catalog,
    row: &SignupRow,
    status: Status,
    w: &Writer<'_>,
) -> Option<NewMessage> {
    let a = about(catalog, row, person_lang(row));
    let meaning = status_meaning(a.lang, status)?;
    let t = w.templates.get(TemplateKind::StatusChanged, a.lang);
    let extra = vec![("status_besked", meaning.to_owned())];
    templated(MessageKind::StatusChanged, &t, row, &a, w, extra, None)
}

/// The shift as a calendar file with one event (see [`super::ics`]).
fn shift_calendar(a: &About<'_>, shift: &Shift, signup_id: &str) -> Option<String> {
    calendar(a, &shift.starts, &shift.ends, signup_id, false)
}

fn shift_event(
    a: &About<'_>,
    starts: &str,
    ends: &str,
    signup_id: &str,
    cancelled: bool,
) -> Option<icalendar::Event> {
    let mut description = a.title.clone();
    if let Some(c) = &a.contact {
        description += &format!("\n{}: {c}", a.lang.pick("Kontaktperson", "Contact"));
    }
    ics::event(&ics::ShiftEvent {
        signup_id,
        summary: format!("{}: {}", a.lang.pick("Frivillig", "Volunteer"), a.title),
        place: &a.place,
        description,
        starts,
        ends,
        cancelled,
    })
}

fn calendar(
    a: &About<'_>,
    starts: &str,
    ends: &str,
    signup_id: &str,
    cancelled: bool,
) -> Option<String> {
    let event = shift_event(a, starts, ends, signup_id, cancelled)?;
    Some(ics::file(vec![event], cancelled, None))
}

/// The signup's shift as one event (for the person's calendar feed), `None` for a signup
/// without a shift.
pub fn signup_event(catalog: &Catalog, row: &SignupRow) -> Option<icalendar::Event> {
    let a = about(catalog, row, person_lang(row));
    let shift = a.shift?;
    shift_event(&a, &shift.starts, &shift.ends, &row.record.id, false)
}

/// The signup's shift as a calendar file (the receipt page's and the feed's), `None` for a
/// signup without a shift.
pub fn signup_calendar(catalog: &Catalog, row: &SignupRow) -> Option<String> {
    let a = about(catalog, row, person_lang(row));
    shift_calendar(&a, a.shift?, &row.record.id)
}

/// Whether a signup's holder still expects its shift (notices of a move or cancellation).
pub fn holds_shift(row: &SignupRow) -> bool {
    matches!(
        row.record.status,
        Status::New | Status::Contacted | Status::Active | Status::Waitlisted
    )
}

/// Whether a signup's holder is to be reminded of its shift (not from the waiting list).
pub fn reminds(row: &SignupRow) -> bool {
    matches!(
        row.record.status,
        Status::New | Status::Contacted | Status::Active
    )
}

/// The reminder of a shift coming up.
pub fn reminder(catalog: &Catalog, row: &SignupRow, w: &Writer<'_>) -> Option<NewMessage> {
    let a = about(catalog, row, person_lang(row));
    let shift = a.shift?;
    let t = w.templates.get(TemplateKind::Reminder, a.lang);
    let ics = shift_calendar(&a, shift, &row.record.id);
    templated(MessageKind::Reminder, &t, row, &a, w, Vec::new(), ics)
}

/// A coordinator's letter to one signup's person: their words, then what the signup is
/// about, who wrote, and the usual footer.
pub fn from_coordinator(
    catalog: &Catalog,
    row: &SignupRow,
    letter: &crate::service::letters::Letter,
    writer: &str,
    sender: &str,
) -> Option<NewMessage> {
    let to = address(row)?;
    let lang = person_lang(row);
    let a = about(catalog, row, lang);
    let body = format!(
        "{}\n\n{writer}\n\n{}: {}\n{}: {}\n{}",
        letter.text,
        lang.pick("Om din tilmelding til", "About your signup for"),
        a.title,
        lang.pick("Hvornår", "When"),
        a.when,
        footer(lang, sender)
    );
    Some(NewMessage {
        channel: Channel::Email,
        kind: MessageKind::Coordinator,
        to,
        signup_id: Some(row.record.id.clone()),
        subject: letter.subject.clone(),
        body,
        ics: None,
    })
}

/// The sign-in link to Min side, valid `minutes`, to `to` in `lang`. Filed under
/// `signup_id` (one of theirs), so an erasure takes it with the rest.
pub fn sign_in_link(
    to: &str,
    lang: Lang,
    link: &str,
    minutes: u64,
    signup_id: &str,
    sender: &str,
) -> NewMessage {
    let body = match lang {
        Lang::Da => format!(
            "Her er dit link til Min side, hvor du kan se, ændre og slette dine tilmeldinger \
             som frivillig:\n\n{link}\n\nLinket virker én gang og i {minutes} minutter. Har du \
             ikke bedt om det, kan du se bort fra denne mail.\n"
        ),
        Lang::En => format!(
            "Here is your link to My page, where you can see, change and delete your signups \
             as a volunteer:\n\n{link}\n\nThe link works once and for {minutes} minutes. If you \
             did not ask for it, you can ignore this e-mail.\n"
        ),
    };
    NewMessage {
        channel: Channel::Email,
        kind: MessageKind::SignInLink,
        to: to.to_owned(),
        signup_id: Some(signup_id.to_owned()),
        subject: lang
            .pick("Dit link til Min side", "Your link to My page")
            .to_owned(),
        body: body + &footer(lang, sender),
        ics: None,
    }
}

/// The notice that the person's shift moved from `before` to its time in `catalog`, with the
/// updated calendar event.
pub fn shift_moved(
    catalog: &Catalog,
    row: &SignupRow,
    before: &ShiftTold,
    w: &Writer<'_>,
) -> Option<NewMessage> {
    let a = about(catalog, row, person_lang(row));
    let shift = a.shift?;
    let t = w.templates.get(TemplateKind::ShiftMoved, a.lang);
    let extra = vec![("foer", shift_label(a.lang, &before.starts, &before.ends))];
    let ics = shift_calendar(&a, shift, &row.record.id);
    templated(MessageKind::ShiftMoved, &t, row, &a, w, extra, ics)
}

/// The notice that the person's shift (as last told: `before`) was cancelled, with a
/// calendar update that removes the event.
pub fn shift_cancelled(
    catalog: &Catalog,
    row: &SignupRow,
    before: &ShiftTold,
    w: &Writer<'_>,
) -> Option<NewMessage> {
    let mut a = about(catalog, row, person_lang(row));
    a.when = shift_label(a.lang, &before.starts, &before.ends);
    let t = w.templates.get(TemplateKind::ShiftCancelled, a.lang);
    let ics = calendar(&a, &before.starts, &before.ends, &row.record.id, true);
    templated(MessageKind::ShiftCancelled, &t, row, &a, w, Vec::new(), ics)
}

/// `template` of `kind` filled in for a made-up signup to the first job with a shift, as
/// the admin's template page previews it: (subject, body).
pub fn preview(
    catalog: &Catalog,
    kind: TemplateKind,
    lang: Lang,
    template: &Template,
    w: &Writer<'_>,
) -> Option<(String, String)> {
    let job = catalog
        .opportunities
        .iter()
        .find(|o| !o.shifts.is_empty())
        .or(catalog.opportunities.first())?;
    let shift = job.shifts.first();
    let record = frivillig_common::domain::SignupRecord {
        id: "eksempel".into(),
        opportunity_id: job.id.clone(),
        shift_id: shift.map(|s| s.id.clone()),
        site_id: job.site_id.clone(),
        source: frivillig_common::domain::Source::Web,
        created_at: String::new(),
        consent_version: 1,
        consent_at: String::new(),
        receipt_hash: receipt_hash("eksempel"),
        sealed: String::new(),
        status: Status::New,
        status_history: Vec::new(),
        check_ins: Vec::new(),
        notes: Vec::new(),
        assignee: None,
    };
    let row = SignupRow {
        record,
        person: Some(frivillig_common::domain::PersonalData {
            name: "Åse Eksempel".into(),
            phone: None,
            email: Some("aase@example.dk".into()),
            age_confirmed: true,
            note: None,
            lang: Some(lang.code().into()),
            receipt_token: Some("eksempel".into()),
        }),
        journal_doc_id: String::new(),
        received_at: String::new(),
    };
    let a = about(catalog, &row, lang);
    let before = shift.map_or_else(String::new, |s| shift_label(lang, &s.starts, &s.ends));
    let extra = vec![
        ("foer", before),
        (
            "status_besked",
            status_meaning(lang, Status::Active)
                .unwrap_or_default()
                .to_owned(),
        ),
    ];
    let mk = match kind {
        TemplateKind::Confirmation => MessageKind::Confirmation,
        TemplateKind::StatusChanged => MessageKind::StatusChanged,
        TemplateKind::Reminder => MessageKind::Reminder,
        TemplateKind::ShiftMoved => MessageKind::ShiftMoved,
        TemplateKind::ShiftCancelled => MessageKind::ShiftCancelled,
    };
    templated(mk, template, &row, &a, w, extra, None).map(|m| (m.subject, m.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::domain::PersonalData;

    #[test]
    fn a_confirmation_carries_the_shift_and_a_receipt_link_only_for_the_right_token() {
        let catalog = frivillig_common::catalog::demo_catalog();
        let job = catalog
            .opportunities
            .iter()
            .find(|o| !o.shifts.is_empty())
            .expect("a job with shifts");
        let mut record = crate::store::test_record(
            "s1",
            Status::New,
            &job.id,
            &job.site_id,
            "2026-11-27T10:00:00+01:00",
        );
        record.shift_id = Some(job.shifts[0].id.clone());
        record.receipt_hash = receipt_hash("tok");
        let person = PersonalData {
            name: "Ada".into(),
            phone: None,
            email: Some("ada@example.dk".into()),
            age_confirmed: false,
            note: None,
            lang: Some("en".into()),
            receipt_token: Some("tok".into()),
        };
        let mut row = SignupRow {
            record,
            person: Some(person),
            journal_doc_id: "j".into(),
            received_at: String::new(),
        };
        let w = Writer {
            sender: "Glostrup",
            public_url: "https://x.dk",
            templates: std::sync::Arc::default(),
        };
        let m = confirmation(&catalog, &row, &w).expect("a mail");
        assert!(m.subject.starts_with("Thank you"), "{}", m.subject);
        assert!(
            m.body.contains("https://x.dk/kvittering/s1/tok"),
            "{}",
            m.body
        );
        let ics = m.ics.expect("a calendar file");
        assert!(ics.contains("UID:s1@frivillig"), "{ics}");
        // A token that is not the signup's gives no link.
        if let Some(p) = row.person.as_mut() {
            p.receipt_token = Some("other".into());
            p.lang = None;
        }
        let m = confirmation(&catalog, &row, &w).expect("a mail");
        assert!(m.subject.starts_with("Tak"), "{}", m.subject);
        assert!(!m.body.contains("kvittering/s1"), "{}", m.body);
        if let Some(p) = row.person.as_mut() {
            p.email = None;
        }
        assert!(confirmation(&catalog, &row, &w).is_none());
    }
}
