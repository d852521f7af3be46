//! The ambassadors per institution, the handbook and the accessibility statement.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use maud::html;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, secure};
use crate::service::catalog::catalog as need_catalog;

use super::page::{LangQuery, markdown_html, message_page, page, public_page};

/// The named contact at each institution, so volunteers know whom to ask.
pub(super) async fn ambassadors_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let catalog = need_catalog(&state).await?;
    let body = html! {
        p { (lang.t(text::EACH_INSTITUTION_HAS_A)) }
        @for site in &catalog.sites {
            @let people: Vec<_> = catalog.ambassadors.iter().filter(|a| a.site_id == site.id).collect();
            @if !people.is_empty() {
                h2 { (site.name) }
                ul { @for a in people { li {
                    @if let Some(p) = &a.photo {
                        img src=(format!("/foto/{}/small", p.id)) alt=(p.alt(lang))
                            width=(p.width.min(320) / 2) height=(p.height * (p.width.min(320) / 2) / p.width.max(1));
                        " "
                    }
                    (a.name) " – " (a.contact)
                } } }
            }
        }
    };
    Ok(public_page(
        lang,
        lang.t(text::VOLUNTEERING_AMBASSADORS),
        "/ambassadoerer",
        body,
    ))
}

/// The digital handbook: what volunteering means here, and how volunteers and staff work
/// together.
pub(super) async fn handbook_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let catalog = need_catalog(&state).await?;
    let body = html! {
        @if lang == Lang::En { p { em { "The handbook is in Danish." } } }
        ul { @for p in &catalog.handbook { li { a href=(format!("/haandbog/{}{}", p.id, lang.query())) { (p.title) } } } }
    };
    Ok(public_page(
        lang,
        lang.t(text::HANDBOOK_FOR_VOLUNTEERS),
        "/haandbog",
        body,
    ))
}

pub(super) async fn handbook_page_one(
    State(state): State<AppState>,
    Path(page_id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let catalog = need_catalog(&state).await?;
    let here = format!(
        "/haandbog/{}{}",
        url::form_urlencoded::byte_serialize(page_id.as_bytes()).collect::<String>(),
        lang.other_query()
    );
    let Some(p) = catalog.handbook.iter().find(|p| p.id == page_id) else {
        return Ok(message_page(
            lang,
            axum::http::StatusCode::NOT_FOUND,
            lang.t(text::PAGE_NOT_FOUND),
            lang.t(text::THAT_PAGE_IS_NOT),
            &format!("/haandbog{}", lang.query()),
        ));
    };
    let body = html! {
        div lang="da" { (markdown_html(&p.body_md)) }
        p { a href=(format!("/haandbog{}", lang.query())) { (lang.t(text::THE_WHOLE_HANDBOOK)) } }
    };
    Ok(secure(page(lang, &p.title, &here, body)))
}

/// The accessibility statement (tilgængelighedserklæring) that public Danish sites publish.
pub(super) async fn accessibility_page(Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang();
    let body = html! {
        p { (lang.t(text::GLOSTRUP_KOMMUNE_WANTS_EVERYONE)) }
        h2 { (lang.t(text::KNOWN_GAPS)) }
        p { (lang.t(text::THE_JOB_DESCRIPTIONS_AND)) }
        h2 { (lang.t(text::FOUND_A_PROBLEM)) }
        p { (lang.t(text::WRITE_TO_THE_MUNICIPALITY)) }
    };
    public_page(
        lang,
        lang.t(text::ACCESSIBILITY_STATEMENT),
        "/tilgaengelighed",
        body,
    )
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const EACH_INSTITUTION_HAS_A: Text = (
        "Hver institution har en frivillighedsambassadør: den, du kan spørge om alt, der har med frivilligt arbejde at gøre.",
        "Each institution has a volunteering ambassador: the person to ask about anything to do with volunteering.",
    );
    pub(super) const VOLUNTEERING_AMBASSADORS: Text =
        ("Frivillighedsambassadører", "Volunteering ambassadors");
    pub(super) const HANDBOOK_FOR_VOLUNTEERS: Text =
        ("Håndbog for frivillige", "Handbook for volunteers");
    pub(super) const PAGE_NOT_FOUND: Text = ("Siden findes ikke", "Page not found");
    pub(super) const THAT_PAGE_IS_NOT: Text = (
        "Den side er ikke i håndbogen.",
        "That page is not in the handbook.",
    );
    pub(super) const THE_WHOLE_HANDBOOK: Text = ("Hele håndbogen", "The whole handbook");
    pub(super) const GLOSTRUP_KOMMUNE_WANTS_EVERYONE: Text = (
        "Glostrup Kommune ønsker, at alle kan bruge frivillig-portalen. Siderne er lavet efter WCAG 2.1 niveau AA: \
             de virker uden JavaScript, med tastatur og skærmlæser, med stor tekst og på en telefon; felter har \
             etiketter, fejl står ved det felt, de gælder, og kontrasten er mindst 7:1.",
        "Glostrup Kommune wants everyone to be able to use the volunteer portal. The pages follow WCAG 2.1 level AA: \
             they work without JavaScript, with a keyboard and a screen reader, with large text and on a phone; fields \
             have labels, errors are shown by the field they concern, and contrast is at least 7:1.",
    );
    pub(super) const KNOWN_GAPS: Text = ("Kendte mangler", "Known gaps");
    pub(super) const THE_JOB_DESCRIPTIONS_AND: Text = (
        "Beskrivelserne af jobbene og håndbogen findes kun på dansk.",
        "The job descriptions and the handbook exist in Danish only.",
    );
    pub(super) const FOUND_A_PROBLEM: Text = ("Fandt du en fejl?", "Found a problem?");
    pub(super) const WRITE_TO_THE_MUNICIPALITY: Text = (
        "Skriv til kommunen, så retter vi den. Du kan også klage til Digitaliseringsstyrelsen.",
        "Write to the municipality and we will fix it. You can also complain to the Danish Agency for Digital Government.",
    );
    pub(super) const ACCESSIBILITY_STATEMENT: Text =
        ("Tilgængelighedserklæring", "Accessibility statement");
}
