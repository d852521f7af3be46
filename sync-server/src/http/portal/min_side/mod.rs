//! Min side in the browser: ask for a link, sign in with it, and the signed-in page with its
//! forms. A link opens a page with a button rather than signing in at once, because mail
//! programs and virus scanners fetch links in mails; the button's form carries a nonce that
//! is also in a cookie, so no other site can sign a browser in to somebody's page. The
//! session cookie is HttpOnly and SameSite=Strict, scoped to `/min-side`; every form carries
//! the session's CSRF token.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::sync::new_secret;

use crate::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, cookie, same, secure};
use crate::service::ServiceError;
use crate::service::min_side as service;
use crate::store::volunteers::VolunteerSession;

use super::jobs::WEB_SIGNUPS_PER_MINUTE;
use super::page::{LangQuery, message_page, page};

mod page;
mod text;

use page::{PageForm, change_contact, download, erase, home, news, withdraw};
/// Min side's routes.
pub(super) fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/min-side", get(home))
        .route("/min-side/link", post(ask_for_link))
        .route("/min-side/ind/{token}", get(link_page).post(use_link))
        .route("/min-side/tilbagetraek", post(withdraw))
        .route("/min-side/kontakt", post(change_contact))
        .route("/min-side/nyheder", post(news))
        .route("/min-side/data", get(download))
        .route("/min-side/frivilligbevis.pdf", get(page::certificate))
        .route("/min-side/slet", post(erase))
        .route("/min-side/ud", post(sign_out))
        .route("/kalender/{file}", get(page::calendar_feed))
}

struct Cookies {
    session: &'static str,
    nonce: &'static str,
    scope: &'static str,
}

/// Over https the cookies take the `__Host-` prefix (this host only, TLS only), as the
/// admin app's do.
fn cookies(state: &AppState) -> Cookies {
    if state.config.public_url.starts_with("https://") {
        Cookies {
            session: "__Host-frivillig_min_side",
            nonce: "__Host-frivillig_min_side_ind",
            scope: "Path=/; Secure",
        }
    } else {
        Cookies {
            session: "frivillig_min_side",
            nonce: "frivillig_min_side_ind",
            scope: "Path=/min-side",
        }
    }
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The signed-in person, if any.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, VolunteerSession)>, ApiError> {
    let Some(token) = cookie(headers, cookies(state).session) else {
        return Ok(None);
    };
    Ok(service::session(state, &token).await?.map(|s| (token, s)))
}

/// A form of the signed-in page, checked: the session and its CSRF token.
async fn form_session(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
    lang: Lang,
) -> Result<VolunteerSession, Response> {
    match signed_in(state, headers).await {
        Ok(Some((_, s))) if same(s.csrf.as_bytes(), csrf.as_bytes()) => Ok(s),
        Ok(_) => Err(message_page(
            lang,
            StatusCode::UNAUTHORIZED,
            lang.t(text::SIGNED_OUT),
            lang.t(text::ASK_FOR_A_NEW_LINK),
            &format!("/min-side{}", lang.query()),
        )),
        Err(e) => Err(e.into_response()),
    }
}

fn ask_form(lang: Lang, problem: Option<&str>) -> Markup {
    html! {
        p { (lang.t(text::WHAT_MY_PAGE_IS)) }
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        form method="post" action=(format!("/min-side/link{}", lang.query())) {
            p { label for="ask-email" { (lang.t(text::E_MAIL)) } br;
                input id="ask-email" name="email" type="email" autocomplete="email" required; }
            button type="submit" { (lang.t(text::SEND_ME_A_LINK)) }
        }
        p.note { (lang.t(text::PHONE_ONLY)) }
    }
}

#[derive(Debug, Default, Deserialize)]
struct AskForm {
    #[serde(default)]
    email: String,
}

async fn ask_for_link(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(q): Query<LangQuery>,
    form: Result<Form<AskForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let switch = format!("/min-side{}", lang.other_query());
    let email = form.ok().map(|Form(f)| f.email).unwrap_or_default();
    if !state
        .limits
        .web_signups
        .allow_address(client, WEB_SIGNUPS_PER_MINUTE)
    {
        let text = lang.t(text::TOO_MANY);
        let mut r = secure(page(
            lang,
            lang.t(text::MY_PAGE),
            &switch,
            ask_form(lang, Some(text)),
        ));
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(r);
    }
    match service::request_link(&state, &email).await {
        Ok(()) => {
            let body = html! { p role="status" { (lang.t(text::LINK_SENT)) } };
            Ok(secure(page(
                lang,
                lang.t(text::CHECK_YOUR_MAIL),
                &switch,
                body,
            )))
        }
        Err(ServiceError::Invalid(m) | ServiceError::NotYet(m)) => {
            let mut r = secure(page(
                lang,
                lang.t(text::MY_PAGE),
                &switch,
                ask_form(lang, Some(&m)),
            ));
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// The page a link opens: a button that signs in, or why the link no longer works.
async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let here = format!("/min-side/ind/{token}");
    let switch = format!("{here}{}", lang.other_query());
    if !plausible(&token) || !service::link_is_good(&state, &token).await? {
        return Ok(refused(lang, &switch));
    }
    let nonce = new_secret();
    let body = html! {
        form method="post" action=(format!("{here}{}", lang.query())) {
            input type="hidden" name="nonce" value=(nonce);
            button type="submit" { (lang.t(text::SIGN_IN)) }
        }
    };
    let mut r = secure(page(lang, lang.t(text::MY_PAGE), &switch, body));
    let c = cookies(&state);
    set_cookie(
        &mut r,
        &format!(
            "{}={nonce}; {}; HttpOnly; SameSite=Strict; Max-Age=1800",
            c.nonce, c.scope
        ),
    );
    Ok(r)
}

fn refused(lang: Lang, switch: &str) -> Response {
    let body = html! { (ask_form(lang, Some(lang.t(text::LINK_REFUSED)))) };
    let mut r = secure(page(lang, lang.t(text::MY_PAGE), switch, body));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r
}

/// Tokens are ours: hex or base64url, not long.
fn plausible(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 128
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[derive(Debug, Default, Deserialize)]
struct NonceForm {
    #[serde(default)]
    nonce: String,
}

async fn use_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    form: Result<Form<NonceForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let switch = format!("/min-side/ind/{token}{}", lang.other_query());
    let c = cookies(&state);
    let nonce = form.ok().map(|Form(f)| f.nonce).unwrap_or_default();
    let cookie_nonce = cookie(&headers, c.nonce).unwrap_or_default();
    if nonce.is_empty() || !same(nonce.as_bytes(), cookie_nonce.as_bytes()) || !plausible(&token) {
        return Ok(refused(lang, &switch));
    }
    let (session_token, _) = match service::sign_in(&state, &token).await {
        Ok(s) => s,
        Err(ServiceError::Unauthorized) => return Ok(refused(lang, &switch)),
        Err(e) => return Err(e.into()),
    };
    let mut r = Redirect::to(&format!("/min-side{}", lang.query())).into_response();
    let max_age = service::SESSION_HOURS * 3600;
    set_cookie(
        &mut r,
        &format!(
            "{}={session_token}; {}; HttpOnly; SameSite=Strict; Max-Age={max_age}",
            c.session, c.scope
        ),
    );
    set_cookie(&mut r, &format!("{}=; {}; Max-Age=0", c.nonce, c.scope));
    Ok(r)
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    form: Result<Form<PageForm>, FormRejection>,
) -> Response {
    let lang = q.lang();
    let f = form.ok().map(|Form(f)| f).unwrap_or_default();
    if let Ok(Some((token, s))) = signed_in(&state, &headers).await
        && same(s.csrf.as_bytes(), f.csrf.as_bytes())
        && let Err(e) = service::sign_out(&state, &token).await
    {
        return ApiError::from(e).into_response();
    }
    let mut r = Redirect::to(&format!("/min-side{}", lang.query())).into_response();
    let c = cookies(&state);
    set_cookie(&mut r, &format!("{}=; {}; Max-Age=0", c.session, c.scope));
    r
}
