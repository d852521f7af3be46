//! Writing to volunteers: to one signup's person, or to everyone in the signup list's
//! current filter. The page shows who will get it (and who has no e-mail address and needs
//! a call), a preview of the message as the first recipient gets it, and sends only on a
//! second, explicit step. Recipients are worked out again on the server at each step.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::web::{Lang, secure};
use crate::service::letters::{self, Letter, MAX_SUBJECT_CHARS, MAX_TEXT_CHARS, Recipients};
use crate::store::listing::ListQuery;
use crate::store::outbox::NewMessage;

use super::page::{layout, list_query, message};
use super::staff::{Staff, StaffForm};

/// How many recipients the page names (the count is always whole).
const NAMED: usize = 100;

/// `?signup=ID`: write to that signup's person only.
#[derive(Debug, Default, Deserialize)]
pub(super) struct OneSignup {
    #[serde(default)]
    signup: String,
}

/// The letter as posted, with the filter it goes to.
#[derive(Debug, Default, Deserialize)]
pub struct LetterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
    /// `preview` or `send`.
    #[serde(default)]
    step: String,
    #[serde(default)]
    signup: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    opportunity: String,
    #[serde(default)]
    shift: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

session_form!(LetterForm);

impl LetterForm {
    fn query(&self) -> ListQuery {
        ListQuery {
            q: self.q.clone(),
            status: self.status.clone(),
            opportunity: self.opportunity.clone(),
            shift: self.shift.clone(),
            site: self.site.clone(),
            source: self.source.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            ..ListQuery::default()
        }
    }
}

/// The page to write a letter, for the filter in the query string.
pub(super) async fn letter_page(
    State(state): State<AppState>,
    s: Staff,
    query: Result<Query<ListQuery>, QueryRejection>,
    one: Result<Query<OneSignup>, QueryRejection>,
) -> Response {
    let q = list_query(query);
    let only = one.map(|Query(o)| o.signup).unwrap_or_default();
    let form = LetterForm {
        signup: only,
        q: q.q,
        status: q.status,
        opportunity: q.opportunity,
        shift: q.shift,
        site: q.site,
        source: q.source,
        from: q.from,
        to: q.to,
        ..LetterForm::default()
    };
    render(&state, &s, &form, None, None)
}

/// A letter posted: shown as a preview, or sent.
pub(super) async fn post_letter(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<LetterForm>,
) -> Response {
    let lang = s.lang;
    let letter = match Letter::new(&f.subject, &f.text) {
        Ok(l) => l,
        Err(e) => return render(&state, &s, &f, None, Some(&e.to_string())),
    };
    let only = Some(f.signup.as_str()).filter(|x| !x.is_empty());
    let to = letters::recipients(&state, &f.query(), only, s.sites());
    let writer = s.account.display_name.clone();
    if f.step != "send" {
        let preview = match to.by_mail.first() {
            Some(r) => match letters::preview(&state, &r.id, &letter, &writer).await {
                Ok(p) => p,
                Err(e) => return super::page::error_page(&s, e),
            },
            None => None,
        };
        return render(&state, &s, &f, preview.as_ref(), None);
    }
    let ids = to.by_mail.iter().map(|r| r.id.clone()).collect();
    match letters::send(&state, ids, letter, &s.username, &writer).await {
        Ok(n) => {
            let text = format!("{n} {}", lang.t(text::QUEUED_FOR));
            message(lang, StatusCode::OK, lang.t(text::SENT), &text, Some(&s))
        }
        Err(e) => super::page::error_page(&s, e),
    }
}

fn render(
    state: &AppState,
    s: &Staff,
    f: &LetterForm,
    preview: Option<&NewMessage>,
    problem: Option<&str>,
) -> Response {
    let lang = s.lang;
    let only = Some(f.signup.as_str()).filter(|x| !x.is_empty());
    let to = letters::recipients(state, &f.query(), only, s.sites());
    let body = html! {
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        (recipients(lang, &to))
        @if let Some(m) = preview {
            section aria-labelledby="preview" {
                h2 id="preview" { (lang.t(text::PREVIEW)) }
                p { (lang.t(text::AS_RECEIVED_BY)) " " (m.to) }
                p { strong { (m.subject) } }
                pre.mail { (m.body) }
            }
        }
        @if !to.by_mail.is_empty() {
            form method="post" action="/admin/besked" {
                input type="hidden" name="csrf" value=(s.session.csrf);
                @for (name, value) in hidden(f) { input type="hidden" name=(name) value=(value); }
                p { label for="subject" { (lang.t(text::SUBJECT)) } br;
                    input id="subject" name="subject" value=(f.subject) maxlength=(MAX_SUBJECT_CHARS) size="60" required; }
                p { label for="text" { (lang.t(text::TEXT)) } br;
                    textarea id="text" name="text" rows="10" cols="70" maxlength=(MAX_TEXT_CHARS) required { (f.text) } }
                p { (lang.t(text::FOOTER_NOTE)) }
                button type="submit" name="step" value="preview" { (lang.t(text::SHOW_PREVIEW)) }
                @if preview.is_some() {
                    " " button type="submit" name="step" value="send" {
                        (lang.t(text::SEND_TO)) " " (to.by_mail.len()) " " (lang.t(text::PEOPLE)) }
                }
            }
        }
    };
    let mut r = secure(layout(
        lang,
        Some(s),
        lang.t(text::WRITE_TO_VOLUNTEERS),
        body,
    ));
    if problem.is_some() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r.into_response()
}

fn recipients(lang: Lang, to: &Recipients) -> Markup {
    html! {
        section aria-labelledby="recipients" {
            h2 id="recipients" { (to.by_mail.len()) " " (lang.t(text::GET_IT_BY_MAIL)) }
            @if to.by_mail.is_empty() { p { (lang.t(text::NOBODY_TO_WRITE_TO)) } }
            ul { @for r in to.by_mail.iter().take(NAMED) { li { (r.name) " <" (r.email) ">" } } }
            @if to.by_mail.len() > NAMED { p { "… " (to.by_mail.len() - NAMED) " " (lang.t(text::MORE)) } }
        }
        @if !to.by_phone.is_empty() {
            section aria-labelledby="phone-only" {
                h2 id="phone-only" { (to.by_phone.len()) " " (lang.t(text::HAVE_NO_E_MAIL)) }
                ul { @for r in &to.by_phone { li { (r.name) ", " (r.phone) } } }
            }
        }
    }
}

/// The filter and the one signup, carried from step to step.
fn hidden(f: &LetterForm) -> Vec<(&'static str, &str)> {
    [
        ("signup", &f.signup),
        ("q", &f.q),
        ("status", &f.status),
        ("opportunity", &f.opportunity),
        ("shift", &f.shift),
        ("site", &f.site),
        ("source", &f.source),
        ("from", &f.from),
        ("to", &f.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.as_str()))
    .collect()
}

/// The texts of this page, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const WRITE_TO_VOLUNTEERS: Text = ("Skriv til frivillige", "Write to volunteers");
    pub(super) const GET_IT_BY_MAIL: Text = ("får beskeden på e-mail", "get it by e-mail");
    pub(super) const NOBODY_TO_WRITE_TO: Text = (
        "Ingen i udvalget har en e-mailadresse (eller de har trukket tilmeldingen tilbage).",
        "Nobody in the selection has an e-mail address (or they withdrew).",
    );
    pub(super) const MORE: Text = ("flere", "more");
    pub(super) const HAVE_NO_E_MAIL: Text = (
        "har kun telefon – ring til dem",
        "have only a phone – call them",
    );
    pub(super) const SUBJECT: Text = ("Emne", "Subject");
    pub(super) const TEXT: Text = ("Tekst", "Text");
    pub(super) const FOOTER_NOTE: Text = (
        "Under din tekst tilføjes dit navn, hvad tilmeldingen gælder, og hvem der sender.",
        "Below your text come your name, what the signup is for, and who sends it.",
    );
    pub(super) const SHOW_PREVIEW: Text = ("Se forhåndsvisning", "Show preview");
    pub(super) const PREVIEW: Text = ("Forhåndsvisning", "Preview");
    pub(super) const AS_RECEIVED_BY: Text = ("Som den modtages af", "As received by");
    pub(super) const SEND_TO: Text = ("Send til", "Send to");
    pub(super) const PEOPLE: Text = ("personer", "people");
    pub(super) const SENT: Text = ("Beskeden er sendt", "The message is sent");
    pub(super) const QUEUED_FOR: Text = (
        "beskeder er lagt i udbakken og sendes nu.",
        "messages are in the outbox and are being sent.",
    );
}
