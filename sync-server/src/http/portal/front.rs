//! The portal's front page: what volunteering is, the newest good stories, the events open
//! for registration, jobs at the place the reader chooses, the ambassadors and how to reach
//! the coordination function. And the stories, a list and a page each.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::domain::{Catalog, Story};
use frivillig_common::text::job_title;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang};
use crate::service::catalog::offered_catalog_and_taken;

use super::events::event_item;
use super::page::{LangQuery, markdown_html, not_found, public_page};

/// How many stories, events and jobs the front page shows of each.
const SHOWN: usize = 3;

/// `?sted=` the site whose jobs the reader wants to see; `?lang=en`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FrontQuery {
    lang: Option<String>,
    sted: Option<String>,
}

/// Stories newest first.
fn newest(catalog: &Catalog) -> Vec<&Story> {
    let mut s: Vec<&Story> = catalog.stories.iter().collect();
    s.sort_by(|a, b| b.published_on.cmp(&a.published_on).then(a.id.cmp(&b.id)));
    s
}

fn story_card(lang: Lang, s: &Story) -> Markup {
    html! {
        article.story {
            @if let Some(p) = &s.photo {
                img src=(format!("/foto/{}/small", p.id)) alt=(p.alt(lang))
                    width=(p.width.min(320)) height=(p.height * p.width.min(320) / p.width.max(1));
            }
            h3 { a href=(format!("/historier/{}{}", s.id, lang.query())) { (s.title(lang)) } }
            p.muted { (s.published_on) }
        }
    }
}

/// The front page.
pub(super) async fn front_page(
    State(state): State<AppState>,
    Query(q): Query<FrontQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::of_code(q.lang.as_deref().unwrap_or_default());
    let (catalog, _) = offered_catalog_and_taken(&state).await?;
    let chosen = q
        .sted
        .as_deref()
        .and_then(|id| catalog.sites.iter().find(|s| s.id == id));
    let jobs: Vec<_> = catalog
        .opportunities
        .iter()
        .filter(|o| o.event.is_none() && chosen.is_none_or(|s| o.site_id == s.id))
        .take(SHOWN)
        .collect();
    let events = catalog.events_by_time();
    let sep = if lang == Lang::En { "&" } else { "?" };
    let lang_q = lang.query();
    let body = html! {
        p.lead { (lang.pick(
            "Frivilligt arbejde er ulønnet, du vælger det selv, og det gør en forskel for andre end dig selv og din familie. I Glostrup er der plads til alle, der vil give en hånd med: en time om ugen eller en aften om året.",
            "Volunteering is unpaid, you choose it yourself, and it makes a difference to others than yourself and your family. In Glostrup there is room for everyone who wants to lend a hand: an hour a week or one evening a year.",
        )) }
        p { a.button href=(format!("/frivilligjob{lang_q}")) { (lang.pick("Find et frivilligjob", "Find a volunteer job")) } }
        section aria-labelledby="stories" {
            h2 #stories { (lang.pick("Gode historier", "Good stories")) }
            @let stories = newest(&catalog);
            @if stories.is_empty() { p { (lang.pick("De første historier kommer snart.", "The first stories are coming soon.")) } }
            @for s in stories.iter().take(SHOWN) { (story_card(lang, s)) }
            @if stories.len() > SHOWN { p { a href=(format!("/historier{lang_q}")) { (lang.pick("Alle historier", "All stories")) } } }
        }
        section aria-labelledby="events" {
            h2 #events { (lang.pick("Kommende arrangementer", "Upcoming events")) }
            @if events.is_empty() { p { (lang.pick("Ingen arrangementer med åben tilmelding lige nu.", "No events open for registration right now.")) } }
            ul { @for o in events.iter().take(SHOWN) { li { (event_item(lang, &catalog, o)) } } }
            p { a href=(format!("/arrangementer{lang_q}")) { (lang.pick("Alle arrangementer", "All events")) } }
        }
        section aria-labelledby="near" {
            h2 #near { (lang.pick("Frivilligjob tæt på dig", "Volunteer jobs near you")) }
            nav aria-label=(lang.pick("Vælg et sted", "Choose a place")) { ul.themes {
                li { a href=(format!("/{lang_q}")) aria-current=[chosen.is_none().then_some("page")] { (lang.pick("Alle steder", "All places")) } }
                @for site in &catalog.sites {
                    li { a href=(format!("/{lang_q}{sep}sted={}", site.id)) aria-current=[chosen.is_some_and(|c| c.id == site.id).then_some("page")] { (site.name) } }
                }
            } }
            ul.jobs { @for o in &jobs { li { a href=(format!("/frivilligjob/{}{lang_q}", o.id)) { (job_title(lang, o)) } } } }
        }
        section aria-labelledby="prize" {
            h2 #prize { (lang.pick("Frivillighedsprisen", "The volunteer prize")) }
            p { (lang.pick("Hvert år hylder kommunen en frivillig, der gør en særlig forskel.", "Each year the municipality honours a volunteer who makes a special difference.")) " "
                a href=(format!("/frivillighedspris{lang_q}")) { (lang.pick("Indstil en frivillig", "Nominate a volunteer")) } }
        }
        section aria-labelledby="contact" {
            h2 #contact { (lang.pick("Hvem kan jeg spørge?", "Whom can I ask?")) }
            p { (lang.pick("Hver institution har en frivillighedsambassadør:", "Each institution has a volunteering ambassador:")) " "
                a href=(format!("/ambassadoerer{lang_q}")) { (lang.pick("se ambassadørerne", "see the ambassadors")) } "." }
            p { (lang.pick("Kommunens frivilligkoordination svarer på alt andet:", "The municipality's volunteer coordination answers everything else:")) " "
                @let address = state.mail.address();
                a href=(format!("mailto:{address}")) { (address) } }
        }
    };
    Ok(public_page(
        lang,
        lang.pick("Frivillig i Glostrup", "Volunteering in Glostrup"),
        "/",
        body,
    ))
}

/// Every published story, newest first.
pub(super) async fn stories_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let (catalog, _) = offered_catalog_and_taken(&state).await?;
    let body = html! {
        @let stories = newest(&catalog);
        @if stories.is_empty() { p { (lang.pick("Ingen historier endnu.", "No stories yet.")) } }
        @for s in stories { (story_card(lang, s)) }
    };
    Ok(public_page(
        lang,
        lang.pick("Gode historier", "Good stories"),
        "/historier",
        body,
    ))
}

/// One story.
pub(super) async fn story_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let (catalog, _) = offered_catalog_and_taken(&state).await?;
    let path = format!(
        "/historier/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    );
    let Some(s) = catalog.stories.iter().find(|s| s.id == id) else {
        return Ok(not_found(lang, &format!("{path}{}", lang.other_query())));
    };
    let site = catalog.sites.iter().find(|x| x.id == s.site_id);
    let job = s
        .opportunity_id
        .as_deref()
        .and_then(|j| catalog.opportunity(j));
    let (text, written_in) = s.body(lang);
    let body = html! {
        @if let Some(p) = &s.photo {
            img.photo src=(format!("/foto/{}/medium", p.id)) alt=(p.alt(lang))
                width=(p.width.min(800)) height=(p.height * p.width.min(800) / p.width.max(1));
        }
        p.muted { (s.published_on) @if let Some(site) = site { " · " (site.name) } }
        @if lang == Lang::En && written_in == Lang::Da { p { em { "The story is in Danish." } } }
        div lang=(written_in.code()) { (markdown_html(text)) }
        @if let Some(o) = job {
            p { (lang.pick("Vil du også være med?", "Would you like to join too?")) " "
                a href=(format!("/frivilligjob/{}{}", o.id, lang.query())) { (job_title(lang, o)) } }
        }
        p { a href=(format!("/historier{}", lang.query())) { (lang.pick("Alle historier", "All stories")) } }
    };
    Ok(public_page(lang, s.title(lang), &path, body))
}
