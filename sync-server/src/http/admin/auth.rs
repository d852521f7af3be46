//! Logging in and out.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::blocking;
use crate::http::client_ip::ClientIp;
use crate::http::web::{Lang, PageLang, cookie, same, secure};

use super::page::{cookies, layout, message, set_cookie};
use super::staff::{CsrfForm, Staff, StaffForm};

/// Login attempts per address per minute; enough for typos, too few to guess passwords.
pub(super) const LOGINS_PER_MINUTE: u32 = 10;

/// `/admin`: the signup list for a logged-in person (the extractor sends anyone else to
/// the login page).
pub(super) async fn home(_: Staff) -> Response {
    Redirect::to("/admin/tilmeldinger").into_response()
}

pub(super) fn login_form(lang: Lang, csrf: &str, username: &str, problem: Option<&str>) -> Markup {
    html! {
        @if let Some(p) = problem { p.error id="login-error" role="alert" { (p) } }
        form method="post" action="/admin/login" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="username" { (lang.t(text::USER_NAME)) } br;
                input id="username" name="username" type="text" autocomplete="username" required value=(username)
                    aria-describedby=[problem.map(|_| "login-error")]; }
            p { label for="password" { (lang.t(text::PASSWORD)) } br;
                input id="password" name="password" type="password" autocomplete="current-password" required; }
            p { label for="code" { (lang.t(text::CODE)) } br;
                input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                    aria-describedby="code-help";
                br; span id="code-help" { (lang.t(text::CODE_HELP)) } }
            p { button type="submit" { (lang.t(text::LOG_IN)) } }
        }
    }
}

pub(super) async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let names = cookies(&state);
    let csrf = cookie(&headers, names.login)
        .unwrap_or_else(|| frivillig_common::sync::new_secret()[..32].to_owned());
    let mut r = secure(layout(
        lang,
        None,
        lang.t(text::LOG_IN),
        login_form(lang, &csrf, "", None),
    ));
    set_cookie(
        &mut r,
        &format!(
            "{}={csrf}; {}; HttpOnly; SameSite=Strict; Max-Age=3600",
            names.login, names.scope
        ),
    );
    r
}

/// The login form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// The authenticator app's code or a recovery code, for accounts with one.
    #[serde(default)]
    code: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let title = lang.t(text::LOG_IN);
    let f = match form {
        Ok(Form(f)) => f,
        Err(rejection) => {
            return message(
                lang,
                rejection.status(),
                title,
                lang.t(text::THE_FORM_COULD_NOT),
                None,
            );
        }
    };
    if !state.limits.logins.allow_address(client, LOGINS_PER_MINUTE) {
        return message(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            title,
            lang.t(text::TOO_MANY_ATTEMPTS_FROM),
            None,
        );
    }
    let names = cookies(&state);
    let expected = cookie(&headers, names.login);
    if expected
        .as_deref()
        .is_none_or(|c| !same(c.as_bytes(), f.csrf.as_bytes()))
    {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            title,
            lang.t(text::THE_PAGE_IS_OUT),
            None,
        );
    }
    // Argon2 takes 19 MiB and tens of milliseconds per try: a bounded number at once, so a
    // burst of logins cannot take the server's memory or every blocking thread.
    let Ok(Ok(_permit)) = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        crate::service::accounts::HASHING.acquire(),
    )
    .await
    else {
        return message(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            title,
            lang.t(text::TOO_MANY_ATTEMPTS_FROM),
            None,
        );
    };
    let st = state.clone();
    let (user, pass, code) = (
        f.username.trim().to_owned(),
        f.password.clone(),
        f.code.clone(),
    );
    let result = match blocking(move || {
        let r = st.store.login(&user, &pass, &code)?;
        // Who tried is what they typed, cut short: the log must not become a store of
        // whatever an attacker sends.
        let who: String = user.chars().take(40).collect();
        let outcome = if r.is_some() { "ok" } else { "failed" };
        st.store
            .audit(&who, "login", &client.to_string(), outcome)?;
        Ok(r)
    })
    .await
    {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let Some((token, _)) = result else {
        let mut r = secure(layout(
            lang,
            None,
            title,
            login_form(
                lang,
                &f.csrf,
                f.username.trim(),
                Some(lang.t(text::WRONG_USER_NAME_OR)),
            ),
        ));
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    };
    tracing::info!(user = %f.username.trim(), "coordinator logged in");
    let mut r = Redirect::to("/admin/tilmeldinger").into_response();
    set_cookie(
        &mut r,
        &format!(
            "{}={token}; {}; HttpOnly; SameSite=Strict; Max-Age={}",
            names.session,
            names.scope,
            crate::service::accounts::SESSION_HOURS * 3600
        ),
    );
    r
}

pub(super) async fn logout(
    State(state): State<AppState>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    let st = state.clone();
    let token = s.token.clone();
    if let Err(e) = blocking(move || Ok(st.store.logout(&token)?)).await {
        return e.into_response();
    }
    let mut r = Redirect::to("/admin/login").into_response();
    set_cookie(
        &mut r,
        &format!(
            "{}=; {}; HttpOnly; SameSite=Strict; Max-Age=0",
            cookies(&state).session,
            cookies(&state).scope
        ),
    );
    r
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const USER_NAME: Text = ("Brugernavn", "User name");
    pub(super) const PASSWORD: Text = ("Adgangskode", "Password");
    pub(super) const LOG_IN: Text = ("Log ind", "Log in");
    pub(super) const THE_FORM_COULD_NOT: Text = (
        "Formularen kunne ikke læses. Åbn siden igen.",
        "The form could not be read. Open the page again.",
    );
    pub(super) const TOO_MANY_ATTEMPTS_FROM: Text = (
        "For mange forsøg herfra. Vent et minut, og prøv igen.",
        "Too many attempts from here. Wait a minute and try again.",
    );
    pub(super) const THE_PAGE_IS_OUT: Text = (
        "Siden er for gammel, eller formularen kom ikke fra os. Åbn login-siden igen.",
        "The page is out of date, or the form did not come from us. Open the login page again.",
    );
    pub(super) const WRONG_USER_NAME_OR: Text = (
        "Forkert brugernavn, adgangskode eller kode.",
        "Wrong user name, password or code.",
    );
    pub(super) const CODE: Text = (
        "Kode fra godkendelses-app",
        "Code from the authenticator app",
    );
    pub(super) const CODE_HELP: Text = (
        "Kun hvis du har slået totrinslogin til. En gendannelseskode virker også, én gang.",
        "Only if you turned on two-step login. A recovery code works too, once.",
    );
}
