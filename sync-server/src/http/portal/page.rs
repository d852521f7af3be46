//! What every portal page shares: the layout and menu, the language, the message pages.

use axum::response::Response;

use frivillig_common::domain::Status;
use frivillig_common::markdown::{MdBlock, parse_markdown};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::http::web::{Lang, PageLang, head, secure};

/// `?lang=en` picks English; Danish otherwise. `tema` filters the job list by theme.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    /// `en` for English.
    pub(super) lang: Option<String>,
    /// Set after a withdrawal: the receipt page says it is done.
    pub(super) done: Option<String>,
    /// The theme the job list is filtered by.
    pub(super) tema: Option<String>,
}

impl LangQuery {
    /// The language asked for.
    pub(super) fn lang(&self) -> Lang {
        if self.lang.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Da
        }
    }
}

pub(super) fn status_text(lang: Lang, status: &str) -> &'static str {
    match Status::parse(status) {
        Some(Status::New) => lang.t(text::RECEIVED_A_COORDINATOR_WILL),
        Some(Status::Contacted) => lang.t(text::WE_HAVE_CONTACTED_YOU),
        Some(Status::Active) => lang.t(text::YOU_ARE_AN_ACTIVE),
        Some(Status::Declined) => lang.t(text::THE_SIGNUP_DID_NOT),
        Some(Status::Withdrawn) => lang.t(text::YOU_HAVE_WITHDRAWN_THE),
        Some(Status::Waitlisted) => lang.t(text::YOU_ARE_ON_THE),
        None => lang.t(text::UNKNOWN),
    }
}

pub(super) fn page(lang: Lang, title: &str, switch_to: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(&format!("{title} – Frivillig i Glostrup"), CSS_PATH))
            body {
                header {
                    p.brand { a href=(format!("/{}", lang.query())) { "Glostrup Kommune · Frivillig" } }
                    nav aria-label=(lang.t(text::MAIN_MENU)) {
                        a href=(format!("/frivilligjob{}", lang.query())) { (lang.t(text::VOLUNTEER_JOBS)) }
                        " · " a href=(format!("/arrangementer{}", lang.query())) { (lang.pick("Arrangementer", "Events")) }
                        " · " a href=(format!("/ambassadoerer{}", lang.query())) { (lang.t(text::AMBASSADORS)) }
                        " · " a href=(format!("/haandbog{}", lang.query())) { (lang.t(text::HANDBOOK)) }
                        " · " a href=(format!("/min-side{}", lang.query())) { (lang.t(text::MY_PAGE)) }
                    }
                }
                main { h1 { (title) } (body) }
                footer {
                    a href=(switch_to) lang=(lang.t(text::DA)) { (lang.t(text::DANSK)) }
                    " · " a href=(format!("/tilgaengelighed{}", lang.query())) { (lang.t(text::ACCESSIBILITY)) }
                }
            }
        }
    }
}

/// Large type, contrast of at least 7:1, visible focus: readable on a phone in the street.
/// The portal's style sheet, served as a file (the CSP allows styles from this server only).
pub(super) const CSS: &str = include_str!("portal.css");

/// Where pages link [`CSS`] from; the version makes a browser fetch it anew after an upgrade.
pub(super) const CSS_PATH: &str = concat!("/stil.css?v=", env!("CARGO_PKG_VERSION"));

pub(super) fn not_found(lang: Lang, switch_to: &str) -> Response {
    let body = html! {
        p { (lang.t(text::WE_CANNOT_FIND_THAT)) }
        p { a href=(format!("/frivilligjob{}", lang.query())) { (lang.t(text::SEE_ALL_VOLUNTEER_JOBS)) } }
    };
    let mut r = secure(page(lang, lang.t(text::JOB_NOT_FOUND), switch_to, body));
    *r.status_mut() = axum::http::StatusCode::NOT_FOUND;
    r
}

/// A page at a fixed `path`, whose language link is the same path in the other language.
pub(super) fn public_page(lang: Lang, title: &str, path: &str, body: Markup) -> Response {
    let switch_to = format!("{path}{}", lang.other_query());
    secure(page(lang, title, &switch_to, body))
}

/// Markdown as HTML: headings, paragraphs and bullet lists.
pub(crate) fn markdown_html(md: &str) -> Markup {
    html! {
        @for block in parse_markdown(md) {
            @match block {
                MdBlock::Heading(h) => h2 { (h) },
                MdBlock::Paragraph(p) => p { (p) },
                MdBlock::Bullet(b) => ul { li { (b) } },
            }
        }
    }
}

pub(super) fn message_page(
    lang: Lang,
    status: axum::http::StatusCode,
    title: &str,
    text: &str,
    back: &str,
) -> Response {
    let body = html! { p { (text) } p { a href=(back) { (lang.t(text::BACK)) } } };
    let mut r = secure(page(lang, title, back, body));
    *r.status_mut() = status;
    r
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const MY_PAGE: Text = ("Min side", "My page");

    pub(super) const RECEIVED_A_COORDINATOR_WILL: Text = (
        "Modtaget: en koordinator kontakter dig",
        "Received: a coordinator will contact you",
    );
    pub(super) const WE_HAVE_CONTACTED_YOU: Text =
        ("Vi har kontaktet dig", "We have contacted you");
    pub(super) const YOU_ARE_AN_ACTIVE: Text =
        ("Du er aktiv frivillig", "You are an active volunteer");
    pub(super) const THE_SIGNUP_DID_NOT: Text = (
        "Tilmeldingen er ikke gået igennem",
        "The signup did not go through",
    );
    pub(super) const YOU_HAVE_WITHDRAWN_THE: Text = (
        "Du har trukket tilmeldingen tilbage",
        "You have withdrawn the signup",
    );
    pub(super) const YOU_ARE_ON_THE: Text = ("Du er på venteliste", "You are on the waiting list");
    pub(super) const UNKNOWN: Text = ("Ukendt", "Unknown");
    pub(super) const MAIN_MENU: Text = ("Hovedmenu", "Main menu");
    pub(super) const VOLUNTEER_JOBS: Text = ("Frivilligjob", "Volunteer jobs");
    pub(super) const AMBASSADORS: Text = ("Ambassadører", "Ambassadors");
    pub(super) const HANDBOOK: Text = ("Håndbog", "Handbook");
    pub(super) const DA: Text = ("en", "da");
    pub(super) const DANSK: Text = ("English", "Dansk");
    pub(super) const ACCESSIBILITY: Text = ("Tilgængelighed", "Accessibility");
    pub(super) const WE_CANNOT_FIND_THAT: Text = (
        "Vi kan ikke finde det job. Det kan være slut eller flyttet.",
        "We cannot find that job. It may have ended or moved.",
    );
    pub(super) const SEE_ALL_VOLUNTEER_JOBS: Text =
        ("Se alle frivilligjob", "See all volunteer jobs");
    pub(super) const JOB_NOT_FOUND: Text = ("Jobbet findes ikke", "Job not found");
    pub(super) const BACK: Text = ("Tilbage", "Back");
}
