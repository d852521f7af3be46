//! The volunteer jobs: the list with its theme filter, one page per job (what the posters'
//! QR codes open) with its shifts and spots left, and the signup form that works on a phone.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use frivillig_common::domain::{FormField, FormProblem, Opportunity, SignupForm};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, cookie, same, secure};
use crate::service::catalog::offered_catalog_and_taken;
use crate::service::web_signup::{WebSignupError, web_signup};
use frivillig_common::text::{job_title, shift_label};

use super::page::{LangQuery, markdown_html, message_page, not_found, page};

/// Every volunteer job, grouped by place, with a theme filter that works as plain links.
pub(super) async fn jobs_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let switch_to = format!("/frivilligjob{}", lang.other_query());
    let (catalog, taken) = offered_catalog_and_taken(&state).await?;
    let mut themes: Vec<&str> = Vec::new();
    // Events have their own list.
    for o in catalog.opportunities.iter().filter(|o| o.event.is_none()) {
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
        p { (lang.t(text::VOLUNTEERING_IS_UNPAID_CHOSEN)) }
        nav aria-label=(lang.t(text::THEMES)) {
            ul.themes {
                li { a href=(link(None)) aria-current=[chosen.is_none().then_some("page")] { (lang.t(text::ALL)) } }
                @for t in &themes {
                    li { a href=(link(Some(t))) aria-current=[(chosen == Some(*t)).then_some("page")] { (t) } }
                }
            }
        }
        @for site in &catalog.sites {
            @let jobs: Vec<&Opportunity> = catalog.opportunities.iter()
                .filter(|o| o.event.is_none() && o.site_id == site.id && chosen.is_none_or(|t| o.theme == t)).collect();
            @if !jobs.is_empty() {
                h2 { (site.name) }
                ul.jobs {
                    @for o in jobs {
                        @let left: i64 = o.shifts.iter().map(|s| (i64::from(s.capacity) - i64::from(taken.get(&s.id).copied().unwrap_or(0))).max(0)).sum();
                        li {
                            a href=(format!("/frivilligjob/{}{}", o.id, lang.query())) { (job_title(lang, o)) }
                            " · " (o.theme)
                            @if !o.shifts.is_empty() {
                                " · " (left) " " (lang.t(text::SPOTS_LEFT))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(secure(page(
        lang,
        lang.t(text::VOLUNTEER_JOBS_IN_GLOSTRUP),
        &switch_to,
        body,
    )))
}

/// One job: what, where, when, spots left, what it takes, and whom to contact.
pub(super) async fn job_page(
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
pub(super) async fn render_job(
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
        lang.other_query()
    );
    let (catalog, taken) = offered_catalog_and_taken(state).await?;
    let Some(o) = catalog.opportunity(opportunity_id) else {
        // A poster's QR code outlives its job: say so rather than "not found".
        if crate::service::catalog::catalog(state)
            .await?
            .opportunity(opportunity_id)
            .is_some()
        {
            return Ok(message_page(
                lang,
                axum::http::StatusCode::GONE,
                lang.t(text::NO_LONGER_OPEN),
                lang.t(text::ALL_SHIFTS_HAVE_STARTED),
                &format!("/frivilligjob{}", lang.query()),
            ));
        }
        return Ok(not_found(lang, &switch_to));
    };
    let site = catalog.sites.iter().find(|s| s.id == o.site_id);
    let ambassador = o
        .ambassador_id
        .as_deref()
        .and_then(|id| catalog.ambassadors.iter().find(|a| a.id == id));
    let body = html! {
        @if let Some(p) = &o.photo {
            img.photo src=(format!("/foto/{}/medium", p.id)) alt=(p.alt(lang))
                width=(p.width.min(800)) height=(p.height * p.width.min(800) / p.width.max(1));
        }
        @if let Some(site) = site { p { (site.name) ", " (site.address) } }
        (super::events::event_facts(lang, &catalog, o))
        @let (description, written_in) = o.description(lang);
        @if lang == Lang::En && written_in == Lang::Da { p { em { "The description is in Danish." } } }
        div lang=(written_in.code()) { (markdown_html(description)) }
        @if o.requirements.child_record_check || o.requirements.min_age.is_some() {
            h2 { (lang.t(text::GOOD_TO_KNOW)) }
            ul {
                @if let Some(age) = o.requirements.min_age {
                    li { (match lang { Lang::Da => format!("Du skal være mindst {age} år."), Lang::En => format!("You must be at least {age} years old.") }) }
                }
                @if o.requirements.child_record_check {
                    li { (lang.t(text::THE_JOB_NEEDS_A)) }
                }
            }
        }
        h2 { (lang.t(text::WHEN)) }
        @if o.shifts.is_empty() {
            p { (lang.t(text::ONGOING_WHEN_IT_SUITS)) }
        } @else {
            ul {
                @for s in &o.shifts {
                    @let left = i64::from(s.capacity) - i64::from(taken.get(&s.id).copied().unwrap_or(0));
                    li { (shift_label(lang, &s.starts, &s.ends)) ": "
                        @if left > 0 { (left) " " (lang.t(text::SPOTS_LEFT)) }
                        @else { (lang.t(text::FULL_WAITING_LIST)) }
                    }
                }
            }
        }
        @if let Some(a) = ambassador {
            p { (lang.t(text::QUESTIONS_CONTACT)) (a.name) " (" (a.contact) ")." }
        }
        (signup_form(lang, o, catalog.current_consent(), values, problems, csrf))
        p { a href=(format!("/frivilligjob{}", lang.query())) { (lang.t(text::ALL_VOLUNTEER_JOBS)) } }
    };
    let mut r = secure(page(lang, job_title(lang, o), &switch_to, body));
    if !problems.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub(super) const CSRF_COOKIE: &str = "frivillig_csrf";

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

pub(super) fn field_id(f: FormField) -> &'static str {
    match f {
        FormField::Name => "name",
        FormField::Phone => "phone",
        FormField::Email => "email",
        FormField::Age => "age",
        FormField::Note => "note",
        FormField::Consent => "consent",
    }
}

pub(super) fn problem_text(lang: Lang, p: FormProblem) -> &'static str {
    match lang {
        Lang::Da => p.message_da(),
        Lang::En => p.message_en(),
    }
}

/// The signup form: labels tied to fields, each problem next to its field and announced,
/// the consent text in full, one tap away.
pub(super) fn signup_form(
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
        h2 id="tilmeld" { (lang.t(text::SIGN_UP_HERE)) }
        @if !problems.is_empty() {
            div.error role="alert" { (lang.t(text::PLEASE_CORRECT_WHAT_IS)) }
        }
        form method="post" action=(format!("/frivilligjob/{}/tilmeld", o.id)) novalidate {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(if lang == Lang::En { "en" } else { "" });
            @if !o.shifts.is_empty() {
                fieldset {
                    legend { (lang.t(text::CHOOSE_A_SHIFT)) }
                    @for (i, s) in o.shifts.iter().enumerate() {
                        p { label {
                            input type="radio" name="shift" value=(s.id)
                                checked[v.shift == s.id || (v.shift.is_empty() && i == 0)];
                            " " (shift_label(lang, &s.starts, &s.ends))
                        } }
                    }
                }
            }
            (text_field(FormField::Name, lang.t(text::NAME), "text", &v.name, "name"))
            (text_field(FormField::Phone, lang.t(text::PHONE), "tel", &v.phone, "tel"))
            (text_field(FormField::Email, lang.t(text::E_MAIL), "email", &v.email, "email"))
            (text_field(FormField::Note, lang.t(text::NOTE_TO_THE_COORDINATOR), "text", &v.note, "off"))
            p.hint { (lang.t(text::WE_NEVER_ASK_FOR)) }
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
                    " " (lang.t(text::I_CONSENT_TO_GLOSTRUP)) }
                @if !errs.is_empty() { br; span.error { (errs.join(" ")) } }
            }
            @if let Some(t) = consent_text {
                details { summary { (lang.t(text::READ_THE_FULL_CONSENT)) } p { (t) } }
            }
            p { button type="submit" { (lang.t(text::SEND_SIGNUP)) } }
        }
    }
}

/// A signup from the portal: checked for the CSRF pair and the rate per address, then
/// taken like a kiosk's and answered with the receipt page.
pub(super) async fn job_signup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
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
        .limits
        .web_signups
        .allow_address(client, WEB_SIGNUPS_PER_MINUTE)
    {
        return Ok(message_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            lang.t(text::TOO_MANY_SIGNUPS),
            lang.t(text::MANY_SIGNUPS_WERE_SENT),
            &back,
        ));
    }
    let cookie = cookie(&headers, CSRF_COOKIE);
    if cookie
        .as_deref()
        .is_none_or(|c| !same(c.as_bytes(), v.csrf.as_bytes()))
    {
        return Ok(message_page(
            lang,
            StatusCode::FORBIDDEN,
            lang.t(text::THE_PAGE_IS_OUT),
            lang.t(text::THE_FORM_DID_NOT),
            &back,
        ));
    }
    let form = SignupForm {
        name: v.name.clone(),
        phone: v.phone.clone(),
        email: v.email.clone(),
        age_confirmed: v.age.is_some(),
        note: v.note.clone(),
        consent_given: v.consent.is_some(),
        lang,
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
            lang.t(text::THE_JOB_HAS_CHANGED),
            lang.t(text::THE_JOB_OR_SHIFT),
            &back,
        )),
        Err(WebSignupError::NoLongerOffered) => Ok(message_page(
            lang,
            StatusCode::CONFLICT,
            lang.t(text::NO_LONGER_OPEN),
            lang.t(text::THE_SHIFT_HAS_STARTED),
            &back,
        )),
        Err(WebSignupError::Server(e)) => Err(e.into()),
    }
}

/// Web signups one address may send in a minute.
pub(super) const WEB_SIGNUPS_PER_MINUTE: u32 = 10;

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const VOLUNTEERING_IS_UNPAID_CHOSEN: Text = (
        "Frivilligt arbejde er ulønnet, du vælger det selv, og det er for andre end din familie. \
             Find et job, der passer dig.",
        "Volunteering is unpaid, chosen freely, and for others than your family. Find a job that suits you.",
    );
    pub(super) const THEMES: Text = ("Temaer", "Themes");
    pub(super) const ALL: Text = ("Alle", "All");
    pub(super) const SPOTS_LEFT: Text = ("ledige pladser", "spots left");
    pub(super) const VOLUNTEER_JOBS_IN_GLOSTRUP: Text =
        ("Frivilligjob i Glostrup", "Volunteer jobs in Glostrup");
    pub(super) const GOOD_TO_KNOW: Text = ("Det skal du vide", "Good to know");
    pub(super) const THE_JOB_NEEDS_A: Text = (
        "Jobbet kræver en børneattest; kommunen indhenter den med dit samtykke.",
        "The job needs a child-protection record check; the municipality obtains it with your consent.",
    );
    pub(super) const WHEN: Text = ("Hvornår", "When");
    pub(super) const ONGOING_WHEN_IT_SUITS: Text = (
        "Løbende, når det passer dig.",
        "Ongoing, when it suits you.",
    );
    pub(super) const FULL_WAITING_LIST: Text = ("fuldt, venteliste", "full, waiting list");
    pub(super) const QUESTIONS_CONTACT: Text = ("Spørgsmål? Skriv til ", "Questions? Contact ");
    pub(super) const ALL_VOLUNTEER_JOBS: Text = ("Alle frivilligjob", "All volunteer jobs");
    pub(super) const SIGN_UP_HERE: Text = ("Tilmeld dig her", "Sign up here");
    pub(super) const PLEASE_CORRECT_WHAT_IS: Text = (
        "Ret det markerede, og send igen.",
        "Please correct what is marked and send again.",
    );
    pub(super) const CHOOSE_A_SHIFT: Text = ("Vælg en vagt", "Choose a shift");
    pub(super) const NAME: Text = ("Navn", "Name");
    pub(super) const PHONE: Text = ("Telefon", "Phone");
    pub(super) const E_MAIL: Text = ("E-mail", "E-mail");
    pub(super) const NOTE_TO_THE_COORDINATOR: Text = (
        "Besked til koordinatoren (frivilligt)",
        "Note to the coordinator (optional)",
    );
    pub(super) const WE_NEVER_ASK_FOR: Text = (
        "Vi beder aldrig om dit CPR-nummer.",
        "We never ask for your CPR number.",
    );
    pub(super) const I_CONSENT_TO_GLOSTRUP: Text = (
        "Jeg giver samtykke til, at Glostrup Kommune gemmer mine oplysninger for at kontakte mig om frivilligt arbejde.",
        "I consent to Glostrup Kommune keeping my details to contact me about volunteering.",
    );
    pub(super) const READ_THE_FULL_CONSENT: Text =
        ("Læs hele samtykketeksten", "Read the full consent text");
    pub(super) const SEND_SIGNUP: Text = ("Send tilmelding", "Send signup");
    pub(super) const TOO_MANY_SIGNUPS: Text = ("For mange tilmeldinger", "Too many signups");
    pub(super) const MANY_SIGNUPS_WERE_SENT: Text = (
        "Der er sendt mange tilmeldinger herfra på kort tid. Vent et minut, og prøv igen.",
        "Many signups were sent from here in a short time. Wait a minute and try again.",
    );
    pub(super) const THE_PAGE_IS_OUT: Text = ("Siden er for gammel", "The page is out of date");
    pub(super) const THE_FORM_DID_NOT: Text = (
        "Formularen kom ikke fra vores side, eller siden er for gammel. Åbn jobbet igen, og send tilmeldingen derfra.",
        "The form did not come from our page, or the page is too old. Open the job again and send the signup from there.",
    );
    pub(super) const NO_LONGER_OPEN: Text = (
        "Ikke længere åben for tilmelding",
        "No longer open for signups",
    );
    pub(super) const THE_SHIFT_HAS_STARTED: Text = (
        "Vagten er begyndt, så du kan ikke længere tilmelde dig den. Din tilmelding er ikke gemt. Vælg en anden vagt.",
        "The shift has started, so you can no longer sign up for it. Your signup was not saved. Choose another shift.",
    );
    pub(super) const ALL_SHIFTS_HAVE_STARTED: Text = (
        "Jobbets vagter er begyndt, eller jobbet vises ikke længere. Se de andre frivilligjob.",
        "The job's shifts have started, or the job is no longer shown. See the other volunteer jobs.",
    );
    pub(super) const THE_JOB_HAS_CHANGED: Text = ("Jobbet er ændret", "The job has changed");
    pub(super) const THE_JOB_OR_SHIFT: Text = (
        "Jobbet eller vagten findes ikke længere. Åbn jobbet igen, og vælg en vagt.",
        "The job or shift no longer exists. Open the job again and choose a shift.",
    );
}
