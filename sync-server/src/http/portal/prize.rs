//! The volunteer prize (Frivillighedsprisen): the public nomination form, with the same
//! protection as the signup form (a CSRF cookie of its own, a rate limit per address) and
//! the nominator's consent recorded with its version.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, cookie, same};
use crate::service::nominations::{self, NOMINATION_CONSENT, NominationForm, problems};

use super::page::{LangQuery, message_page, public_page};

const CSRF_COOKIE: &str = "frivillig_prize_csrf";
/// Nominations one address may send in a minute.
const PER_MINUTE: u32 = 5;

/// The form as posted; every field optional so a missing one is answered in the page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PrizeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    nominee: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    by_name: String,
    #[serde(default)]
    by_contact: String,
    #[serde(default)]
    consent: Option<String>,
}

impl PrizeForm {
    fn checked(&self) -> NominationForm {
        NominationForm {
            nominee: self.nominee.clone(),
            place: self.place.clone(),
            why: self.why.clone(),
            by_name: self.by_name.clone(),
            by_contact: self.by_contact.clone(),
            consent: self.consent.is_some(),
        }
    }
}

fn input(
    lang: Lang,
    name: &str,
    label: (&str, &str),
    value: &str,
    area: bool,
    errors: &[(&str, (&str, &str))],
) -> Markup {
    let id = format!("f-{name}");
    let error = errors
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, t)| lang.pick(t.0, t.1));
    let described = error.map(|_| format!("{id}-error"));
    html! {
        p {
            label for=(id) { (lang.pick(label.0, label.1)) }
            @if let Some(e) = error { br; span.error id=(format!("{id}-error")) { (e) } }
            br;
            @if area {
                textarea id=(id) name=(name) rows="6" aria-describedby=[described.as_deref()] aria-invalid=[error.map(|_| "true")] { (value) }
            } @else {
                input id=(id) name=(name) type="text" value=(value) aria-describedby=[described.as_deref()] aria-invalid=[error.map(|_| "true")];
            }
        }
    }
}

fn form(lang: Lang, v: &PrizeForm, errors: &[(&str, (&str, &str))], csrf: &str) -> Markup {
    html! {
        p { (lang.pick(
            "Kender du en frivillig, der gør en særlig forskel? Indstil dem til Glostrup Kommunes frivillighedspris. Prisudvalget læser alle indstillinger.",
            "Do you know a volunteer who makes a special difference? Nominate them for Glostrup Municipality's volunteer prize. The prize committee reads every nomination.",
        )) }
        @if !errors.is_empty() { p.error role="alert" { (lang.pick("Formularen mangler noget. Se herunder.", "Something is missing in the form. See below.")) } }
        form method="post" action="/frivillighedspris" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            (input(lang, "nominee", ("Hvem indstiller du?", "Whom do you nominate?"), &v.nominee, false, errors))
            (input(lang, "place", ("Hvor er de frivillige? (valgfrit)", "Where do they volunteer? (optional)"), &v.place, false, errors))
            (input(lang, "why", ("Hvorfor skal de have prisen?", "Why should they get the prize?"), &v.why, true, errors))
            (input(lang, "by_name", ("Dit navn", "Your name"), &v.by_name, false, errors))
            (input(lang, "by_contact", ("Din e-mail eller dit telefonnummer", "Your e-mail or phone number"), &v.by_contact, false, errors))
            @let consent_error = errors.iter().find(|(f, _)| *f == "consent").map(|(_, t)| lang.pick(t.0, t.1));
            @if let Some(e) = consent_error { p.error id="f-consent-error" { (e) } }
            p { label { input type="checkbox" name="consent" value="ja" checked[v.consent.is_some()] aria-describedby=[consent_error.map(|_| "f-consent-error")]; " " (lang.pick(NOMINATION_CONSENT.0, NOMINATION_CONSENT.1)) } }
            button type="submit" { (lang.pick("Send indstillingen", "Send the nomination")) }
        }
    }
}

/// The nomination form.
pub(super) async fn prize_page(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang();
    let (csrf, fresh) = match cookie(&headers, CSRF_COOKIE) {
        Some(c) => (c, false),
        None => (hex::encode(rand::random::<[u8; 16]>()), true),
    };
    let mut r = public_page(
        lang,
        lang.pick("Frivillighedsprisen", "The volunteer prize"),
        "/frivillighedspris",
        form(lang, &PrizeForm::default(), &[], &csrf),
    );
    if fresh {
        let c = format!(
            "{CSRF_COOKIE}={csrf}; Path=/frivillighedspris; HttpOnly; SameSite=Strict; Max-Age=86400"
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    r
}

/// A nomination sent: stored, or the form again with its problems.
pub(super) async fn post_prize(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    form_sent: Result<Form<PrizeForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let back = "/frivillighedspris";
    let Ok(Form(v)) = form_sent else {
        return Ok(message_page(
            Lang::Da,
            StatusCode::BAD_REQUEST,
            "Formularen kunne ikke læses / The form could not be read",
            "Prøv at udfylde den igen. / Please fill it in again.",
            back,
        ));
    };
    let lang = Lang::of_code(&v.lang);
    if !state.limits.web_signups.allow_address(client, PER_MINUTE) {
        return Ok(message_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            lang.pick("For mange på én gang", "Too many at once"),
            lang.pick(
                "Der er sendt mange formularer herfra. Vent et minut, og prøv igen.",
                "Many forms were sent from here. Wait a minute and try again.",
            ),
            back,
        ));
    }
    let ok_cookie =
        cookie(&headers, CSRF_COOKIE).is_some_and(|c| same(c.as_bytes(), v.csrf.as_bytes()));
    if !ok_cookie {
        return Ok(message_page(
            lang,
            StatusCode::FORBIDDEN,
            lang.pick("Siden er for gammel", "The page is out of date"),
            lang.pick(
                "Formularen kom ikke fra vores side. Åbn siden igen, og send derfra.",
                "The form did not come from our page. Open the page again and send it from there.",
            ),
            back,
        ));
    }
    let checked = v.checked();
    let found = problems(&checked);
    if !found.is_empty() {
        let mut r = public_page(
            lang,
            lang.pick("Frivillighedsprisen", "The volunteer prize"),
            back,
            form(lang, &v, &found, &v.csrf),
        );
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    nominations::nominate(&state, checked).await?;
    Ok(message_page(
        lang,
        StatusCode::OK,
        lang.pick("Tak for din indstilling", "Thank you for your nomination"),
        lang.pick(
            "Prisudvalget læser den og kontakter dig, hvis de har spørgsmål.",
            "The prize committee reads it and contacts you if they have questions.",
        ),
        &format!("/{}", lang.query()),
    ))
}
