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
        Some(Status::New) => lang.pick(
            "Modtaget: en koordinator kontakter dig",
            "Received: a coordinator will contact you",
        ),
        Some(Status::Contacted) => lang.pick("Vi har kontaktet dig", "We have contacted you"),
        Some(Status::Active) => lang.pick("Du er aktiv frivillig", "You are an active volunteer"),
        Some(Status::Declined) => lang.pick(
            "Tilmeldingen er ikke gået igennem",
            "The signup did not go through",
        ),
        Some(Status::Withdrawn) => lang.pick(
            "Du har trukket tilmeldingen tilbage",
            "You have withdrawn the signup",
        ),
        Some(Status::Waitlisted) => lang.pick("Du er på venteliste", "You are on the waiting list"),
        None => lang.pick("Ukendt", "Unknown"),
    }
}

pub(super) fn page(lang: Lang, title: &str, switch_to: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(&format!("{title} – Frivillig i Glostrup"), CSS_PATH))
            body {
                header {
                    p.brand { "Glostrup Kommune · Frivillig" }
                    nav aria-label=(lang.pick("Hovedmenu", "Main menu")) {
                        a href=(format!("/frivilligjob{}", lang.query())) { (lang.pick("Frivilligjob", "Volunteer jobs")) }
                        " · " a href=(format!("/ambassadoerer{}", lang.query())) { (lang.pick("Ambassadører", "Ambassadors")) }
                        " · " a href=(format!("/haandbog{}", lang.query())) { (lang.pick("Håndbog", "Handbook")) }
                    }
                }
                main { h1 { (title) } (body) }
                footer {
                    a href=(switch_to) lang=(lang.pick("en", "da")) { (lang.pick("English", "Dansk")) }
                    " · " a href=(format!("/tilgaengelighed{}", lang.query())) { (lang.pick("Tilgængelighed", "Accessibility")) }
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
        p { (lang.pick("Vi kan ikke finde det job. Det kan være slut eller flyttet.", "We cannot find that job. It may have ended or moved.")) }
        p { a href=(format!("/frivilligjob{}", lang.query())) { (lang.pick("Se alle frivilligjob", "See all volunteer jobs")) } }
    };
    let mut r = secure(page(
        lang,
        lang.pick("Jobbet findes ikke", "Job not found"),
        switch_to,
        body,
    ));
    *r.status_mut() = axum::http::StatusCode::NOT_FOUND;
    r
}

/// A page at a fixed `path`, whose language link is the same path in the other language.
pub(super) fn public_page(lang: Lang, title: &str, path: &str, body: Markup) -> Response {
    let switch_to = format!("{path}{}", lang.pick("?lang=en", ""));
    secure(page(lang, title, &switch_to, body))
}

/// Markdown as HTML: headings, paragraphs and bullet lists.
pub(super) fn markdown_html(md: &str) -> Markup {
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
    let body = html! { p { (text) } p { a href=(back) { (lang.pick("Tilbage", "Back")) } } };
    let mut r = secure(page(lang, title, back, body));
    *r.status_mut() = status;
    r
}
