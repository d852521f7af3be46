//! The signed-in page of Min side and what its forms do.

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::domain::Catalog;
use frivillig_common::text::{job_title, shift_label, site_name};

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, secure};
use crate::service::ServiceError;
use crate::service::catalog::catalog;
use crate::service::min_side::{self as service, NEWS_CONSENT, NEWS_CONSENT_VERSION};
use crate::store::volunteers::VolunteerSession;

use super::super::page::{LangQuery, message_page, page, status_text};
use super::super::receipt::export_of;
use crate::http::web::private_file;

use super::text;
use super::{ask_form, cookies, form_session, set_cookie, signed_in};

/// The signed-in page, or the form to ask for a link.
pub(super) async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let switch = format!("/min-side{}", lang.other_query());
    let Some((_, s)) = signed_in(&state, &headers).await? else {
        return Ok(secure(page(
            lang,
            lang.t(text::MY_PAGE),
            &switch,
            ask_form(lang, None),
        )));
    };
    let rows = service::signups_of(&state, &s.email).await?;
    let feed = crate::service::calendar::feed_link(&state, &s.email).await?;
    let catalog = catalog(&state).await?;
    let prefs = service::prefs(&state, &s.email).await?;
    let hours = crate::service::hours::hours_of_email(&state, &s.email).await?;
    let phone = rows
        .iter()
        .find_map(|r| r.person.as_ref().and_then(|p| p.phone.clone()))
        .unwrap_or_default();
    let q_done = q.done.clone();
    let q = lang.query();
    let body = html! {
        @if let Some(done) = done_text(q_done.as_deref(), lang) { p.note role="status" { (done) } }
        p { (lang.t(text::SIGNED_IN_AS)) " " strong { (s.email) } }
        h2 { (lang.t(text::YOUR_SIGNUPS)) }
        @if rows.is_empty() { p { (lang.t(text::NO_SIGNUPS)) } }
        ul.signups { @for r in &rows { li { (signup_item(lang, &catalog, r, &s.csrf, q)) } } }
        h2 { (lang.pick("Dine timer", "Your hours")) }
        @if hours.by_year.is_empty() {
            p { (lang.pick("Der er ikke registreret timer endnu. Timer kommer, når du er tjekket ind på en vagt, eller når en koordinator har skrevet dem.", "No hours are recorded yet. Hours come when you are checked in at a shift, or when a coordinator has entered them.")) }
        } @else {
            ul { @for (year, minutes) in &hours.by_year { li { (year) ": " (crate::service::hours::hours_text(lang, *minutes)) } } }
            p { a.button.secondary href=(format!("/min-side/frivilligbevis.pdf{q}")) download { (lang.pick("Hent dit frivilligbevis (PDF)", "Download your volunteer certificate (PDF)")) } }
        }
        h2 { (lang.t(text::CALENDAR)) }
        p { (lang.t(text::CALENDAR_EXPLAINED)) }
        p { a href=(feed) { (lang.t(text::SUBSCRIBE)) } }
        p { code.feed { (feed) } }
        h2 { (lang.t(text::CONTACT)) }
        form method="post" action=(format!("/min-side/kontakt{q}")) {
            input type="hidden" name="csrf" value=(s.csrf);
            p { label for="phone" { (lang.t(text::PHONE)) } br;
                input id="phone" name="phone" type="tel" autocomplete="tel" value=(phone); }
            p { label for="email" { (lang.t(text::E_MAIL)) } br;
                input id="email" name="email" type="email" autocomplete="email" value=(s.email) required; }
            button type="submit" { (lang.t(text::SAVE)) }
        }
        h2 { (lang.t(text::NEWS)) }
        form method="post" action=(format!("/min-side/nyheder{q}")) {
            input type="hidden" name="csrf" value=(s.csrf);
            p { label { input type="checkbox" name="news" value="ja" checked[prefs.news.is_some()]; " "
                (lang.pick(NEWS_CONSENT.0, NEWS_CONSENT.1)) } }
            p.note { (lang.t(text::ONLY_ABOUT_SIGNUPS)) }
            button type="submit" { (lang.t(text::SAVE_CHOICE)) }
        }
        h2 { (lang.t(text::YOUR_DATA)) }
        p { a.button.secondary href="/min-side/data" download { (lang.t(text::DOWNLOAD_ALL)) } }
        h2 { (lang.t(text::DELETE_ME)) }
        form method="post" action=(format!("/min-side/slet{q}")) {
            input type="hidden" name="csrf" value=(s.csrf);
            p { (lang.t(text::DELETE_EXPLAINED)) }
            p { label { input type="checkbox" name="bekraeft" value="ja" required; " " (lang.t(text::I_WANT_TO_BE_DELETED)) } }
            button type="submit" { (lang.t(text::DELETE_ME)) }
        }
        form method="post" action=(format!("/min-side/ud{q}")) {
            input type="hidden" name="csrf" value=(s.csrf);
            p { button.secondary type="submit" { (lang.t(text::SIGN_OUT)) } }
        }
    };
    Ok(secure(page(lang, lang.t(text::MY_PAGE), &switch, body)))
}

/// What the last change was (`?done=` after its redirect), in words.
pub(super) fn done_text(done: Option<&str>, lang: Lang) -> Option<&'static str> {
    let (da, en) = match done? {
        "withdrawn" => text::WITHDRAWN,
        "contact" => text::CONTACT_SAVED,
        "news" => text::CHOICE_SAVED,
        _ => return None,
    };
    Some(lang.pick(da, en))
}

pub(super) fn signup_item(
    lang: Lang,
    catalog: &Catalog,
    r: &crate::store::SignupRow,
    csrf: &str,
    q: &str,
) -> Markup {
    let rec = &r.record;
    let job = catalog.opportunity(&rec.opportunity_id);
    let title = job.map_or(rec.opportunity_id.as_str(), |o| job_title(lang, o));
    let shift = job
        .zip(rec.shift_id.as_deref())
        .and_then(|(o, id)| o.shifts.iter().find(|s| s.id == id));
    let open = !rec.status.is_closed();
    html! {
        strong { (title) } ", " (site_name(catalog, &rec.site_id))
        @if let Some(s) = shift { br; (shift_label(lang, &s.starts, &s.ends)) }
        br; (lang.t(text::STATUS)) ": " (status_text(lang, rec.status.as_str()))
        @if open {
            form method="post" action=(format!("/min-side/tilbagetraek{q}")) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="signup" value=(rec.id);
                button.secondary type="submit" aria-label=(format!("{} {title}", lang.t(text::WITHDRAW))) { (lang.t(text::WITHDRAW)) }
            }
        }
    }
}

/// Back to the page after a change, which it names.
pub(super) fn done(lang: Lang, what: &str) -> Response {
    let sep = lang.pick("?", "?lang=en&");
    Redirect::to(&format!("/min-side{sep}done={what}")).into_response()
}

/// Every form of the signed-in page: its token and what it asks.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    signup: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    news: String,
    #[serde(default)]
    bekraeft: String,
}

/// A form of the signed-in page with its session checked (cookie and CSRF token), and the
/// page's language; the answer to give instead when the session is gone.
pub(super) struct SignedInForm {
    pub(super) lang: Lang,
    pub(super) session: VolunteerSession,
    pub(super) form: PageForm,
}

impl FromRequest<AppState> for SignedInForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let lang = Query::<LangQuery>::from_request_parts(&mut parts, state)
            .await
            .map(|Query(q)| q.lang())
            .unwrap_or(Lang::Da);
        let headers = parts.headers.clone();
        let form = Form::<PageForm>::from_request(Request::from_parts(parts, body), state)
            .await
            .map(|Form(f)| f)
            .unwrap_or_default();
        let session = form_session(state, &headers, &form.csrf, lang).await?;
        Ok(SignedInForm {
            lang,
            session,
            form,
        })
    }
}

impl SignedInForm {
    /// Back to the page naming what was done, or the problem.
    fn finish<T>(&self, result: Result<T, ServiceError>, what: &str) -> Response {
        match result {
            Ok(_) => done(self.lang, what),
            Err(e) => problem(self.lang, e),
        }
    }
}

pub(super) fn problem(lang: Lang, e: ServiceError) -> Response {
    let back = format!("/min-side{}", lang.query());
    match e {
        ServiceError::Invalid(m) => message_page(
            lang,
            StatusCode::BAD_REQUEST,
            lang.t(text::NOT_SAVED),
            &m,
            &back,
        ),
        ServiceError::NotFound => message_page(
            lang,
            StatusCode::NOT_FOUND,
            lang.t(text::NOT_SAVED),
            lang.t(text::NOT_YOURS),
            &back,
        ),
        e => ApiError::from(e).into_response(),
    }
}

pub(super) async fn withdraw(State(state): State<AppState>, f: SignedInForm) -> Response {
    let result = service::withdraw(&state, &f.session.email, &f.form.signup).await;
    f.finish(result, "withdrawn")
}

pub(super) async fn change_contact(State(state): State<AppState>, f: SignedInForm) -> Response {
    let (email, form) = (&f.session.email, &f.form);
    let result = service::change_contact(&state, email, &form.phone, &form.email).await;
    f.finish(result, "contact")
}

pub(super) async fn news(State(state): State<AppState>, f: SignedInForm) -> Response {
    let result = service::set_news(&state, &f.session.email, f.form.news == "ja").await;
    f.finish(result, "news")
}

/// A person's calendar feed, `/kalender/{token}.ics`.
pub(super) async fn calendar_feed(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    if !super::plausible(token) {
        return Err(ApiError::NotFound);
    }
    let ics = crate::service::calendar::feed(&state, token)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(private_file(
        ics,
        "text/calendar; charset=utf-8",
        "frivillig.ics",
    ))
}

/// The volunteer certificate of the signed-in person, as PDF.
pub(super) async fn certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let Some((_, s)) = signed_in(&state, &headers).await? else {
        return Err(ApiError::NotFound);
    };
    let rows = service::signups_of(&state, &s.email).await?;
    let name = rows
        .iter()
        .find_map(|r| r.person.as_ref().map(|p| p.name.clone()))
        .unwrap_or_default();
    let hours = crate::service::hours::hours_of_email(&state, &s.email).await?;
    let catalog = catalog(&state).await?;
    let c = crate::service::certificate::Certificate {
        lang: q.lang(),
        name: &name,
        issuer: &state.mail.sender_name,
        issued_on: frivillig_common::offer::glostrup_now().date_naive(),
    };
    let pdf = crate::service::certificate::certificate_pdf(&c, &catalog, &hours);
    Ok(private_file(pdf, "application/pdf", "frivilligbevis.pdf"))
}

/// Everything held under the address, as one file.
pub(super) async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some((_, s)) = signed_in(&state, &headers).await? else {
        return Err(ApiError::NotFound);
    };
    let rows = service::signups_of(&state, &s.email).await?;
    let prefs = service::prefs(&state, &s.email).await?;
    let hours = crate::service::hours::hours_of_email(&state, &s.email).await?;
    let invitations = state
        .store
        .invitations_to(&s.email)
        .map_err(ApiError::internal)?;
    let export = serde_json::json!({
        "about": "Oplysninger Glostrup Kommune har om dig som frivillig / data Glostrup Kommune holds about you as a volunteer",
        "email": s.email,
        "news_opt_in": prefs.news,
        "news_consent_version_now": NEWS_CONSENT_VERSION,
        "signups": rows.into_iter().map(export_of).collect::<Vec<_>>(),
        "minutes_per_year": hours.by_year,
        "invitations": invitations.iter().map(|i| serde_json::json!({
            "event": i.event_id,
            "invited_at": i.invited_at,
            "answer": i.answer.as_ref().map(|a| if a.coming { "yes" } else { "no" }),
        })).collect::<Vec<_>>(),
        "no_invitations_since": prefs.no_invitations,
    });
    let body = serde_json::to_vec_pretty(&export).map_err(ApiError::internal)?;
    Ok(private_file(
        body,
        "application/json; charset=utf-8",
        "frivillig-mine-oplysninger.json",
    ))
}

pub(super) async fn erase(State(state): State<AppState>, f: SignedInForm) -> Response {
    let (lang, s, f) = (f.lang, f.session, f.form);
    let back = format!("/frivilligjob{}", lang.query());
    if f.bekraeft != "ja" {
        let text = lang.t(text::TICK_TO_CONFIRM);
        return message_page(
            lang,
            StatusCode::BAD_REQUEST,
            lang.t(text::NOT_SAVED),
            text,
            &format!("/min-side{}", lang.query()),
        );
    }
    match service::erase_self(&state, &s.email).await {
        Ok(_) => {
            let mut r = message_page(
                lang,
                StatusCode::OK,
                lang.t(text::DELETED),
                lang.t(text::DELETED_TEXT),
                &back,
            );
            let c = cookies(&state);
            set_cookie(&mut r, &format!("{}=; {}; Max-Age=0", c.session, c.scope));
            r
        }
        Err(e) => problem(lang, e),
    }
}
