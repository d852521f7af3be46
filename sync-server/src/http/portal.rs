//! The public portal: the volunteer jobs (`/frivilligjob`, one page per job, which the
//! posters' QR codes open) and the receipt page, what a kiosk's QR code opens. The link carries the
//! signup id and a random token whose SHA-256 the signup record holds, so the link is the
//! key: whoever holds it sees the signup's status and job, can withdraw it, and can download
//! the data held about it. Pages are rendered on the server (maud), in Danish or English,
//! and work without JavaScript.
//!
//! A wrong token and a signup that has not arrived yet look the same: "on its way". That
//! tells a stranger with a guessed link nothing, and a visitor who scans the code before the
//! kiosk has synced is told kindly to look again later.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use frivillig_common::domain::{FormField, FormProblem, Opportunity, SignupForm, Status};
use frivillig_common::markdown::{MdBlock, parse_markdown};
use frivillig_common::receipt::receipt_hash;
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::http::web::{Lang, cookie, head, job_title, same, secure, stylesheet, when};
use crate::service::catalog::{catalog as need_catalog, catalog_and_taken};
use crate::service::signups::change_status;
use crate::service::web_signup::{WebSignupError, web_signup};
use crate::store::SignupRow;

/// The portal's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/frivilligjob") }))
        .route("/frivilligjob", get(jobs_page))
        .route("/frivilligjob/{opportunity_id}", get(job_page))
        .route("/frivilligjob/{opportunity_id}/tilmeld", post(job_signup))
        .route("/ambassadoerer", get(ambassadors_page))
        .route("/haandbog", get(handbook_page))
        .route("/haandbog/{page_id}", get(handbook_page_one))
        .route("/tilgaengelighed", get(accessibility_page))
        .route("/kvittering/{signup_id}/{token}", get(receipt_page))
        .route(
            "/kvittering/{signup_id}/{token}/tilbagetraek",
            post(withdraw),
        )
        .route("/kvittering/{signup_id}/{token}/data", get(download))
        .route("/stil.css", get(|| async { stylesheet(CSS) }))
}

/// `?lang=en` picks English; Danish otherwise. `tema` filters the job list by theme.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
    done: Option<String>,
    tema: Option<String>,
}

impl LangQuery {
    fn lang(&self) -> Lang {
        if self.lang.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Da
        }
    }
}

/// The signup, if the token is its receipt token. Ids and tokens are checked for shape
/// first, so odd input never reaches the store.
async fn lookup(
    state: &AppState,
    signup_id: &str,
    token: &str,
) -> Result<Option<SignupRow>, ApiError> {
    let plausible = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !plausible(signup_id) || !plausible(token) {
        return Ok(None);
    }
    let st = state.clone();
    let id = signup_id.to_owned();
    let row = blocking(move || Ok(st.store.signup(&id)?)).await?;
    let expected = receipt_hash(token);
    Ok(row.filter(|r| same(r.record.receipt_hash.as_bytes(), expected.as_bytes())))
}

fn status_text(lang: Lang, status: &str) -> &'static str {
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

fn page(lang: Lang, title: &str, switch_to: &str, body: Markup) -> Markup {
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
const CSS: &str = include_str!("portal.css");

/// Where pages link [`CSS`] from; the version makes a browser fetch it anew after an upgrade.
const CSS_PATH: &str = concat!("/stil.css?v=", env!("CARGO_PKG_VERSION"));

fn not_found(lang: Lang, switch_to: &str) -> Response {
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

/// Every volunteer job, grouped by place, with a theme filter that works as plain links.
async fn jobs_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let switch_to = format!("/frivilligjob{}", lang.pick("?lang=en", ""));
    let (catalog, taken) = catalog_and_taken(&state).await?;
    let mut themes: Vec<&str> = Vec::new();
    for o in &catalog.opportunities {
        if !themes.contains(&o.theme.as_str()) {
            themes.push(&o.theme);
        }
    }
    let chosen = q.tema.as_deref().filter(|t| themes.contains(t));
    let link = |theme: Option<&str>| -> String {
        let mut params = Vec::new();
        if lang == Lang::En {
            params.push("lang=en".to_owned());
        }
        if let Some(t) = theme {
            params.push(format!(
                "tema={}",
                url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
            ));
        }
        if params.is_empty() {
            "/frivilligjob".into()
        } else {
            format!("/frivilligjob?{}", params.join("&"))
        }
    };
    let body = html! {
        p { (lang.pick(
            "Frivilligt arbejde er ulønnet, du vælger det selv, og det er for andre end din familie. \
             Find et job, der passer dig.",
            "Volunteering is unpaid, chosen freely, and for others than your family. Find a job that suits you.")) }
        nav aria-label=(lang.pick("Temaer", "Themes")) {
            ul.themes {
                li { a href=(link(None)) aria-current=[chosen.is_none().then_some("page")] { (lang.pick("Alle", "All")) } }
                @for t in &themes {
                    li { a href=(link(Some(t))) aria-current=[(chosen == Some(*t)).then_some("page")] { (t) } }
                }
            }
        }
        @for site in &catalog.sites {
            @let jobs: Vec<&Opportunity> = catalog.opportunities.iter()
                .filter(|o| o.site_id == site.id && chosen.is_none_or(|t| o.theme == t)).collect();
            @if !jobs.is_empty() {
                h2 { (site.name) }
                ul.jobs {
                    @for o in jobs {
                        @let left: i64 = o.shifts.iter().map(|s| (i64::from(s.capacity) - i64::from(taken.get(&s.id).copied().unwrap_or(0))).max(0)).sum();
                        li {
                            a href=(format!("/frivilligjob/{}{}", o.id, lang.query())) { (job_title(lang, o)) }
                            " · " (o.theme)
                            @if !o.shifts.is_empty() {
                                " · " (left) " " (lang.pick("ledige pladser", "spots left"))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(secure(page(
        lang,
        lang.pick("Frivilligjob i Glostrup", "Volunteer jobs in Glostrup"),
        &switch_to,
        body,
    )))
}

/// A page at a fixed `path`, whose language link is the same path in the other language.
fn public_page(lang: Lang, title: &str, path: &str, body: Markup) -> Response {
    let switch_to = format!("{path}{}", lang.pick("?lang=en", ""));
    secure(page(lang, title, &switch_to, body))
}

/// Markdown as HTML: headings, paragraphs and bullet lists.
fn markdown_html(md: &str) -> Markup {
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

/// The named contact at each institution, so volunteers know whom to ask.
async fn ambassadors_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let catalog = need_catalog(&state).await?;
    let body = html! {
        p { (lang.pick(
            "Hver institution har en frivillighedsambassadør: den, du kan spørge om alt, der har med frivilligt arbejde at gøre.",
            "Each institution has a volunteering ambassador: the person to ask about anything to do with volunteering.")) }
        @for site in &catalog.sites {
            @let people: Vec<_> = catalog.ambassadors.iter().filter(|a| a.site_id == site.id).collect();
            @if !people.is_empty() {
                h2 { (site.name) }
                ul { @for a in people { li { (a.name) " – " (a.contact) } } }
            }
        }
    };
    Ok(public_page(
        lang,
        lang.pick("Frivillighedsambassadører", "Volunteering ambassadors"),
        "/ambassadoerer",
        body,
    ))
}

/// The digital handbook: what volunteering means here, and how volunteers and staff work
/// together.
async fn handbook_page(
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
        lang.pick("Håndbog for frivillige", "Handbook for volunteers"),
        "/haandbog",
        body,
    ))
}

async fn handbook_page_one(
    State(state): State<AppState>,
    Path(page_id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let catalog = need_catalog(&state).await?;
    let here = format!(
        "/haandbog/{}{}",
        url::form_urlencoded::byte_serialize(page_id.as_bytes()).collect::<String>(),
        lang.pick("?lang=en", "")
    );
    let Some(p) = catalog.handbook.iter().find(|p| p.id == page_id) else {
        return Ok(message_page(
            lang,
            axum::http::StatusCode::NOT_FOUND,
            lang.pick("Siden findes ikke", "Page not found"),
            lang.pick(
                "Den side er ikke i håndbogen.",
                "That page is not in the handbook.",
            ),
            &format!("/haandbog{}", lang.query()),
        ));
    };
    let body = html! {
        div lang="da" { (markdown_html(&p.body_md)) }
        p { a href=(format!("/haandbog{}", lang.query())) { (lang.pick("Hele håndbogen", "The whole handbook")) } }
    };
    Ok(secure(page(lang, &p.title, &here, body)))
}

/// The accessibility statement (tilgængelighedserklæring) that public Danish sites publish.
async fn accessibility_page(Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang();
    let body = html! {
        p { (lang.pick(
            "Glostrup Kommune ønsker, at alle kan bruge frivillig-portalen. Siderne er lavet efter WCAG 2.1 niveau AA: \
             de virker uden JavaScript, med tastatur og skærmlæser, med stor tekst og på en telefon; felter har \
             etiketter, fejl står ved det felt, de gælder, og kontrasten er mindst 7:1.",
            "Glostrup Kommune wants everyone to be able to use the volunteer portal. The pages follow WCAG 2.1 level AA: \
             they work without JavaScript, with a keyboard and a screen reader, with large text and on a phone; fields \
             have labels, errors are shown by the field they concern, and contrast is at least 7:1.")) }
        h2 { (lang.pick("Kendte mangler", "Known gaps")) }
        p { (lang.pick(
            "Beskrivelserne af jobbene og håndbogen findes kun på dansk.",
            "The job descriptions and the handbook exist in Danish only.")) }
        h2 { (lang.pick("Fandt du en fejl?", "Found a problem?")) }
        p { (lang.pick(
            "Skriv til kommunen, så retter vi den. Du kan også klage til Digitaliseringsstyrelsen.",
            "Write to the municipality and we will fix it. You can also complain to the Danish Agency for Digital Government.")) }
    };
    public_page(
        lang,
        lang.pick("Tilgængelighedserklæring", "Accessibility statement"),
        "/tilgaengelighed",
        body,
    )
}

/// One job: what, where, when, spots left, what it takes, and whom to contact.
async fn job_page(
    State(state): State<AppState>,
    Path(opportunity_id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let (csrf, fresh) = match cookie(&headers, CSRF_COOKIE) {
        Some(c) => (c, false),
        None => (hex::encode(rand::random::<[u8; 16]>()), true),
    };
    let values = WebForm {
        lang: q.lang.clone().unwrap_or_default(),
        ..WebForm::default()
    };
    let mut r = render_job(&state, lang, &opportunity_id, &values, &[], &csrf).await?;
    if fresh && r.status().is_success() {
        // SameSite=Strict and HttpOnly: another site's page can neither send nor read it.
        let cookie = format!(
            "{CSRF_COOKIE}={csrf}; Path=/frivilligjob; HttpOnly; SameSite=Strict; Max-Age=86400"
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// A job's page, with the signup form holding `values` and the `problems` found in them.
async fn render_job(
    state: &AppState,
    lang: Lang,
    opportunity_id: &str,
    values: &WebForm,
    problems: &[FormProblem],
    csrf: &str,
) -> Result<Response, ApiError> {
    let switch_to = format!(
        "/frivilligjob/{}{}",
        url::form_urlencoded::byte_serialize(opportunity_id.as_bytes()).collect::<String>(),
        lang.pick("?lang=en", "")
    );
    let (catalog, taken) = catalog_and_taken(state).await?;
    let Some(o) = catalog.opportunity(opportunity_id) else {
        return Ok(not_found(lang, &switch_to));
    };
    let site = catalog.sites.iter().find(|s| s.id == o.site_id);
    let ambassador = o
        .ambassador_id
        .as_deref()
        .and_then(|id| catalog.ambassadors.iter().find(|a| a.id == id));
    let body = html! {
        @if let Some(site) = site { p { (site.name) ", " (site.address) } }
        @if lang == Lang::En { p { em { "The description is in Danish." } } }
        div lang="da" { (markdown_html(&o.description_md)) }
        @if o.requirements.child_record_check || o.requirements.min_age.is_some() {
            h2 { (lang.pick("Det skal du vide", "Good to know")) }
            ul {
                @if let Some(age) = o.requirements.min_age {
                    li { (match lang { Lang::Da => format!("Du skal være mindst {age} år."), Lang::En => format!("You must be at least {age} years old.") }) }
                }
                @if o.requirements.child_record_check {
                    li { (lang.pick("Jobbet kræver en børneattest; kommunen indhenter den med dit samtykke.", "The job needs a child-protection record check; the municipality obtains it with your consent.")) }
                }
            }
        }
        h2 { (lang.pick("Hvornår", "When")) }
        @if o.shifts.is_empty() {
            p { (lang.pick("Løbende, når det passer dig.", "Ongoing, when it suits you.")) }
        } @else {
            ul {
                @for s in &o.shifts {
                    @let left = i64::from(s.capacity) - i64::from(taken.get(&s.id).copied().unwrap_or(0));
                    li { (when(lang, &s.starts, &s.ends)) ": "
                        @if left > 0 { (left) " " (lang.pick("ledige pladser", "spots left")) }
                        @else { (lang.pick("fuldt, venteliste", "full, waiting list")) }
                    }
                }
            }
        }
        @if let Some(a) = ambassador {
            p { (lang.pick("Spørgsmål? Skriv til ", "Questions? Contact ")) (a.name) " (" (a.contact) ")." }
        }
        (signup_form(lang, o, catalog.current_consent(), values, problems, csrf))
        p { a href=(format!("/frivilligjob{}", lang.query())) { (lang.pick("Alle frivilligjob", "All volunteer jobs")) } }
    };
    let mut r = secure(page(lang, job_title(lang, o), &switch_to, body));
    if !problems.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn receipt_page(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let here = format!("/kvittering/{signup_id}/{token}");
    let switch_to = format!("{here}{}", lang.pick("?lang=en", ""));
    let Some(row) = lookup(&state, &signup_id, &token).await? else {
        let body = html! {
            p.note { (lang.pick(
                "Din tilmelding er gemt på kiosken og er på vej til kommunen. Kiosken sender den, \
                 så snart den har forbindelse; det tager som regel kun et øjeblik, men på en festival \
                 kan det vare nogle timer. Kig ind igen senere via samme QR-kode.",
                "Your signup is saved on the kiosk and on its way to the municipality. The kiosk \
                 sends it as soon as it has a connection; usually that takes a moment, at a festival \
                 it can take a few hours. Look again later with the same QR code.")) }
        };
        return Ok(secure(page(
            lang,
            lang.pick("Din tilmelding er på vej", "Your signup is on its way"),
            &switch_to,
            body,
        )));
    };
    let catalog = catalog_and_taken(&state).await.ok().map(|(c, _)| c);
    let r = &row.record;
    let job = catalog
        .as_ref()
        .and_then(|c| c.opportunity(&r.opportunity_id));
    let title = job.map_or(r.opportunity_id.as_str(), |o| match lang {
        Lang::En if !o.title_en.is_empty() => o.title_en.as_str(),
        _ => o.title.as_str(),
    });
    let shift = job
        .zip(r.shift_id.as_deref())
        .and_then(|(o, s)| o.shifts.iter().find(|x| x.id == s));
    let site = catalog
        .as_ref()
        .and_then(|c| c.sites.iter().find(|s| s.id == r.site_id))
        .map_or(r.site_id.clone(), |s| s.name.clone());
    let open = !matches!(
        Status::parse(&r.status),
        Some(Status::Withdrawn | Status::Declined)
    );
    let body = html! {
        @if q.done.as_deref() == Some("withdrawn") {
            p.note role="status" { (lang.pick("Tilmeldingen er trukket tilbage. Tak for din interesse.", "The signup is withdrawn. Thank you for your interest.")) }
        }
        dl {
            dt { (lang.pick("Job", "Job")) } dd { (title) }
            dt { (lang.pick("Sted", "Place")) } dd { (site) }
            @if let Some(s) = shift {
                dt { (lang.pick("Vagt", "Shift")) } dd { (s.starts.get(..16).unwrap_or(&s.starts).replace('T', " ")) " – " (s.ends.get(11..16).unwrap_or(&s.ends)) }
            }
            dt { (lang.pick("Status", "Status")) } dd { (status_text(lang, &r.status)) }
            dt { (lang.pick("Tilmeldt", "Signed up")) } dd { (r.created_at.get(..16).unwrap_or(&r.created_at).replace('T', " ")) }
        }
        @if open {
            h2 { (lang.pick("Fortryder du?", "Changed your mind?")) }
            form method="post" action=(format!("{here}/tilbagetraek{}", lang.query())) {
                button type="submit" { (lang.pick("Træk min tilmelding tilbage", "Withdraw my signup")) }
            }
        }
        h2 { (lang.pick("Dine oplysninger", "Your data")) }
        p { (lang.pick(
            "Hent alt, hvad kommunen har gemt om denne tilmelding, som en fil.",
            "Download everything the municipality holds about this signup, as a file.")) }
        p { a.button.secondary href=(format!("{here}/data")) download { (lang.pick("Hent mine oplysninger", "Download my data")) } }
    };
    Ok(secure(page(
        lang,
        lang.pick("Din tilmelding", "Your signup"),
        &switch_to,
        body,
    )))
}

async fn withdraw(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let here = format!("/kvittering/{signup_id}/{token}");
    let Some(row) = lookup(&state, &signup_id, &token).await? else {
        // Nothing to withdraw yet: back to the page, which says the signup is on its way.
        return Ok(Redirect::to(&format!("{here}{}", q.lang().query())).into_response());
    };
    if Status::parse(&row.record.status) != Some(Status::Withdrawn) {
        change_status(
            &state,
            &signup_id,
            Status::Withdrawn,
            "borger via kvittering",
        )
        .await?;
        tracing::info!(signup = %signup_id, "withdrawn by the volunteer from the receipt page");
    }
    let sep = if q.lang() == Lang::En {
        "?lang=en&"
    } else {
        "?"
    };
    Ok(Redirect::to(&format!("{here}{sep}done=withdrawn")).into_response())
}

const CSRF_COOKIE: &str = "frivillig_csrf";

/// The portal's signup form as posted. Every field is optional here, so that a form with a
/// field missing is answered with messages in the page, not a bare rejection.
#[derive(Debug, Default, Deserialize)]
pub struct WebForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    shift: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    age: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    consent: Option<String>,
}

fn field_id(f: FormField) -> &'static str {
    match f {
        FormField::Name => "name",
        FormField::Phone => "phone",
        FormField::Email => "email",
        FormField::Age => "age",
        FormField::Note => "note",
        FormField::Consent => "consent",
    }
}

fn problem_text(lang: Lang, p: FormProblem) -> &'static str {
    match lang {
        Lang::Da => p.message_da(),
        Lang::En => p.message_en(),
    }
}

/// The signup form: labels tied to fields, each problem next to its field and announced,
/// the consent text in full, one tap away.
fn signup_form(
    lang: Lang,
    o: &Opportunity,
    consent: Option<&frivillig_common::domain::ConsentText>,
    v: &WebForm,
    problems: &[FormProblem],
    csrf: &str,
) -> Markup {
    let errors = |f: FormField| -> Vec<&'static str> {
        problems
            .iter()
            .filter(|p| p.field() == f)
            .map(|p| problem_text(lang, *p))
            .collect()
    };
    let text_field = |f: FormField, label: &str, kind: &str, value: &str, autocomplete: &str| {
        let id = field_id(f);
        let errs = errors(f);
        html! {
            p {
                label for=(id) { (label) } br;
                input id=(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete)
                    aria-invalid=[(!errs.is_empty()).then_some("true")]
                    aria-describedby=[(!errs.is_empty()).then(|| format!("{id}-error"))];
                @if !errs.is_empty() { br; span.error id=(format!("{id}-error")) { (errs.join(" ")) } }
            }
        }
    };
    let consent_text = consent.map(|c| match lang {
        Lang::Da => c.text_da.as_str(),
        Lang::En => c.text_en.as_str(),
    });
    html! {
        h2 id="tilmeld" { (lang.pick("Tilmeld dig her", "Sign up here")) }
        @if !problems.is_empty() {
            div.error role="alert" { (lang.pick("Ret det markerede, og send igen.", "Please correct what is marked and send again.")) }
        }
        form method="post" action=(format!("/frivilligjob/{}/tilmeld", o.id)) novalidate {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(if lang == Lang::En { "en" } else { "" });
            @if !o.shifts.is_empty() {
                fieldset {
                    legend { (lang.pick("Vælg en vagt", "Choose a shift")) }
                    @for (i, s) in o.shifts.iter().enumerate() {
                        p { label {
                            input type="radio" name="shift" value=(s.id)
                                checked[v.shift == s.id || (v.shift.is_empty() && i == 0)];
                            " " (when(lang, &s.starts, &s.ends))
                        } }
                    }
                }
            }
            (text_field(FormField::Name, lang.pick("Navn", "Name"), "text", &v.name, "name"))
            (text_field(FormField::Phone, lang.pick("Telefon", "Phone"), "tel", &v.phone, "tel"))
            (text_field(FormField::Email, lang.pick("E-mail", "E-mail"), "email", &v.email, "email"))
            (text_field(FormField::Note, lang.pick("Besked til koordinatoren (frivilligt)", "Note to the coordinator (optional)"), "text", &v.note, "off"))
            p.hint { (lang.pick("Vi beder aldrig om dit CPR-nummer.", "We never ask for your CPR number.")) }
            @if let Some(age) = o.requirements.min_age {
                @let errs = errors(FormField::Age);
                p {
                    label { input id="age" type="checkbox" name="age" value="ja" checked[v.age.is_some()];
                        " " (match lang { Lang::Da => format!("Jeg er mindst {age} år"), Lang::En => format!("I am at least {age} years old") }) }
                    @if !errs.is_empty() { br; span.error { (errs.join(" ")) } }
                }
            }
            @let errs = errors(FormField::Consent);
            p {
                label { input id="consent" type="checkbox" name="consent" value="ja" checked[v.consent.is_some()];
                    " " (lang.pick("Jeg giver samtykke til, at Glostrup Kommune gemmer mine oplysninger for at kontakte mig om frivilligt arbejde.",
                                   "I consent to Glostrup Kommune keeping my details to contact me about volunteering.")) }
                @if !errs.is_empty() { br; span.error { (errs.join(" ")) } }
            }
            @if let Some(t) = consent_text {
                details { summary { (lang.pick("Læs hele samtykketeksten", "Read the full consent text")) } p { (t) } }
            }
            p { button type="submit" { (lang.pick("Send tilmelding", "Send signup")) } }
        }
    }
}

fn message_page(
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

/// A signup from the portal: checked for the CSRF pair and the rate per address, then
/// taken like a kiosk's and answered with the receipt page.
async fn job_signup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(opportunity_id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<WebForm>, FormRejection>,
) -> Result<Response, ApiError> {
    use axum::http::StatusCode;
    let back = format!(
        "/frivilligjob/{}",
        url::form_urlencoded::byte_serialize(opportunity_id.as_bytes()).collect::<String>()
    );
    let Ok(Form(v)) = form else {
        return Ok(message_page(
            Lang::Da,
            StatusCode::BAD_REQUEST,
            "Formularen kunne ikke læses / The form could not be read",
            "Prøv at udfylde den igen. / Please fill it in again.",
            &back,
        ));
    };
    let lang = if v.lang == "en" { Lang::En } else { Lang::Da };
    if !state
        .web_signup_attempts
        .allow_address(peer.ip(), WEB_SIGNUPS_PER_MINUTE)
    {
        return Ok(message_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            lang.pick("For mange tilmeldinger", "Too many signups"),
            lang.pick(
                "Der er sendt mange tilmeldinger herfra på kort tid. Vent et minut, og prøv igen.",
                "Many signups were sent from here in a short time. Wait a minute and try again.",
            ),
            &back,
        ));
    }
    let cookie = cookie(&headers, CSRF_COOKIE);
    if cookie
        .as_deref()
        .is_none_or(|c| !same(c.as_bytes(), v.csrf.as_bytes()))
    {
        return Ok(message_page(lang, StatusCode::FORBIDDEN, lang.pick("Siden er for gammel", "The page is out of date"),
            lang.pick("Formularen kom ikke fra vores side, eller siden er for gammel. Åbn jobbet igen, og send tilmeldingen derfra.",
                      "The form did not come from our page, or the page is too old. Open the job again and send the signup from there."), &back));
    }
    let form = SignupForm {
        name: v.name.clone(),
        phone: v.phone.clone(),
        email: v.email.clone(),
        age_confirmed: v.age.is_some(),
        note: v.note.clone(),
        consent_given: v.consent.is_some(),
    };
    let shift = Some(v.shift.as_str()).filter(|s| !s.is_empty());
    match web_signup(&state, &opportunity_id, shift, &form).await {
        Ok(receipt) => Ok(Redirect::to(&format!(
            "/kvittering/{}/{}{}",
            receipt.signup_id,
            receipt.token,
            lang.query()
        ))
        .into_response()),
        Err(WebSignupError::Invalid(problems)) => {
            render_job(&state, lang, &opportunity_id, &v, &problems, &v.csrf).await
        }
        Err(WebSignupError::UnknownJob) => Ok(message_page(
            lang,
            StatusCode::CONFLICT,
            lang.pick("Jobbet er ændret", "The job has changed"),
            lang.pick(
                "Jobbet eller vagten findes ikke længere. Åbn jobbet igen, og vælg en vagt.",
                "The job or shift no longer exists. Open the job again and choose a shift.",
            ),
            &back,
        )),
        Err(WebSignupError::Server(e)) => Err(e.into()),
    }
}

/// Web signups one address may send in a minute.
const WEB_SIGNUPS_PER_MINUTE: u32 = 10;

/// The data held about one signup, for the person it is about (GDPR access).
#[derive(Serialize)]
struct DataExport {
    about: &'static str,
    signup_id: String,
    opportunity_id: String,
    shift_id: Option<String>,
    site_id: String,
    source: frivillig_common::domain::Source,
    created_at: String,
    received_at: String,
    consent_version: u32,
    consent_at: String,
    status: String,
    status_history: Vec<frivillig_common::domain::StatusChange>,
    check_ins: Vec<frivillig_common::domain::CheckIn>,
    person: Option<frivillig_common::domain::PersonalData>,
}

async fn download(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let row = lookup(&state, &signup_id, &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let r = row.record;
    let export = DataExport {
        about: "Oplysninger Glostrup Kommune har om denne frivillig-tilmelding / data Glostrup Kommune holds about this volunteer signup",
        signup_id: r.id,
        opportunity_id: r.opportunity_id,
        shift_id: r.shift_id,
        site_id: r.site_id,
        source: r.source,
        created_at: r.created_at,
        received_at: row.received_at,
        consent_version: r.consent_version,
        consent_at: r.consent_at,
        status: r.status,
        status_history: r.status_history,
        check_ins: r.check_ins,
        person: row.person,
    };
    let body = serde_json::to_vec_pretty(&export).map_err(ApiError::internal)?;
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"frivillig-tilmelding-{signup_id}.json\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
