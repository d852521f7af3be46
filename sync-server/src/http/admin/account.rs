//! A person's own account (`/admin/konto`): change one's password, and turn two-step login
//! (an authenticator app, with recovery codes) on or off. Each change asks for the current
//! password again and is noted in the audit log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{PreEscaped, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;
use crate::service::second_factor::{self, SecondFactor};

use super::page::{layout, message};
use super::staff::{Staff, StaffForm, password_holds};

session_form!(PasswordForm, TotpForm, TotpOffForm);

/// The account page: the password form and the two-step login section.
pub(super) async fn account_page(State(state): State<AppState>, s: Staff) -> Response {
    let lang = s.lang;
    let required = state.config.requires_second_factor();
    let csrf = s.session.csrf.clone();
    let setup = match &s.account.second_factor {
        Some(_) => None,
        None => second_factor::new_secret(&s.username),
    };
    let body = html! {
        h2 { (lang.t(text::CHANGE_PASSWORD)) }
        form method="post" action="/admin/konto/adgangskode" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="current" { (lang.t(text::CURRENT_PASSWORD)) } br;
                input id="current" name="current" type="password" autocomplete="current-password" required; }
            p { label for="new" { (lang.t(text::NEW_PASSWORD)) } br;
                input id="new" name="new" type="password" autocomplete="new-password" minlength="12" required; }
            p { label for="repeat" { (lang.t(text::REPEAT_PASSWORD)) } br;
                input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="12" required; }
            p { button type="submit" { (lang.t(text::CHANGE_PASSWORD)) } }
        }
        h2 { (lang.t(text::TWO_STEP)) }
        @if s.account.second_factor.is_none() && required {
            p.error role="alert" { (lang.t(text::REQUIRED_HERE)) }
        }
        @match (&s.account.second_factor, &setup) {
            (Some(f), _) => {
                p { (lang.t(text::IS_ON)) " " (f.recovery_hashes.len()) " " (lang.t(text::CODES_LEFT)) }
                form method="post" action="/admin/konto/totp/fra" {
                    input type="hidden" name="csrf" value=(csrf);
                    p { label for="off-password" { (lang.t(text::CURRENT_PASSWORD)) } br;
                        input id="off-password" name="password" type="password" autocomplete="current-password" required; }
                    p { button.secondary type="submit" { (lang.t(text::TURN_OFF)) } }
                }
            }
            (None, Some((secret, url))) => {
                p { (lang.t(text::SCAN)) }
                div.qr role="img" aria-label=(lang.t(text::QR_LABEL)) { (PreEscaped(qr_svg(url))) }
                p { (lang.t(text::OR_TYPE)) " " code { (secret) } }
                form method="post" action="/admin/konto/totp" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="secret" value=(secret);
                    p { label for="totp-code" { (lang.t(text::CODE_FROM_APP)) } br;
                        input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required; }
                    p { label for="on-password" { (lang.t(text::CURRENT_PASSWORD)) } br;
                        input id="on-password" name="password" type="password" autocomplete="current-password" required; }
                    p { button type="submit" { (lang.t(text::TURN_ON)) } }
                }
            }
            (None, None) => { p.error { (lang.t(text::NO_SECRET)) } }
        }
    };
    secure(layout(lang, Some(&s), lang.t(text::MY_ACCOUNT), body))
}

fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build()
        })
        .unwrap_or_default()
}

fn refused(s: &Staff, text: frivillig_common::text::Text) -> Response {
    let lang = s.lang;
    message(
        lang,
        StatusCode::BAD_REQUEST,
        lang.t(text::MY_ACCOUNT),
        lang.t(text),
        Some(s),
    )
}

/// Apply `change` to `s`'s account and note `action` in the audit log, in that order.
async fn save(
    state: &AppState,
    s: &Staff,
    action: &'static str,
    change: impl FnOnce(
        &crate::store::Store,
        &str,
    ) -> Result<(), crate::service::accounts::AccountError>
    + Send
    + 'static,
) -> Result<(), Response> {
    let (st, by) = (state.clone(), s.username.clone());
    blocking(move || {
        change(&st.store, &by).map_err(crate::http::error::ApiError::internal)?;
        Ok(st.store.audit(&by, action, &by, "")?)
    })
    .await
    .map_err(IntoResponse::into_response)
}

/// The password form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// Change one's own password; every session of the account ends, this one too.
pub(super) async fn post_password(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<PasswordForm>,
) -> Response {
    if f.new != f.repeat {
        return refused(&s, text::NOT_THE_SAME);
    }
    if f.new.chars().count() < 12 {
        return refused(&s, text::TOO_SHORT);
    }
    if !password_holds(&s, f.current).await {
        return refused(&s, text::WRONG_PASSWORD);
    }
    let new = f.new;
    if let Err(r) = save(&state, &s, "password", move |store, user| {
        store.set_password(user, &new)
    })
    .await
    {
        return r;
    }
    Redirect::to("/admin/login").into_response()
}

/// The two-step setup form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// Turn two-step login on: the app's first code proves it holds the secret; the recovery
/// codes are shown once.
pub(super) async fn post_totp(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<TotpForm>,
) -> Response {
    if s.account.second_factor.is_some() {
        return refused(&s, text::ALREADY_ON);
    }
    if !password_holds(&s, f.password).await {
        return refused(&s, text::WRONG_PASSWORD);
    }
    let unix = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
    let Some(step) = second_factor::matching_step(&f.secret, &f.code, unix) else {
        return refused(&s, text::WRONG_CODE);
    };
    let (codes, hashes) = second_factor::new_recovery_codes();
    let factor = SecondFactor {
        secret: f.secret,
        last_step: step,
        recovery_hashes: hashes,
    };
    if let Err(r) = save(&state, &s, "two-step on", move |store, user| {
        store.set_second_factor(user, Some(factor))
    })
    .await
    {
        return r;
    }
    let lang = s.lang;
    let body = html! {
        p { (lang.t(text::NOW_ON)) }
        p { (lang.t(text::KEEP_CODES)) }
        ul.codes { @for c in &codes { li { code { (c) } } } }
        p { a href="/admin/konto" { (lang.t(text::MY_ACCOUNT)) } }
    };
    secure(layout(lang, Some(&s), lang.t(text::TWO_STEP), body))
}

/// The form that turns two-step login off.
#[derive(Debug, Default, Deserialize)]
pub struct TotpOffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// Turn two-step login off (with the password again).
pub(super) async fn post_totp_off(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<TotpOffForm>,
) -> Response {
    if !password_holds(&s, f.password).await {
        return refused(&s, text::WRONG_PASSWORD);
    }
    if let Err(r) = save(&state, &s, "two-step off", |store, user| {
        store.set_second_factor(user, None)
    })
    .await
    {
        return r;
    }
    Redirect::to("/admin/konto").into_response()
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const MY_ACCOUNT: Text = ("Min konto", "My account");
    pub(super) const CHANGE_PASSWORD: Text = ("Skift adgangskode", "Change password");
    pub(super) const CURRENT_PASSWORD: Text =
        ("Din nuværende adgangskode", "Your current password");
    pub(super) const NEW_PASSWORD: Text = (
        "Ny adgangskode (mindst 12 tegn)",
        "New password (at least 12 characters)",
    );
    pub(super) const REPEAT_PASSWORD: Text = ("Den nye adgangskode igen", "The new password again");
    pub(super) const TWO_STEP: Text = ("Totrinslogin", "Two-step login");
    pub(super) const REQUIRED_HERE: Text = (
        "Denne server kræver totrinslogin. Opsæt en godkendelsesapp nedenfor, før du kan bruge resten af siderne.",
        "This server requires two-step login. Set up an authenticator app below before you can use the other pages.",
    );
    pub(super) const IS_ON: Text = ("Totrinslogin er slået til.", "Two-step login is on.");
    pub(super) const CODES_LEFT: Text =
        ("gendannelseskoder er tilbage.", "recovery codes are left.");
    pub(super) const TURN_OFF: Text = ("Slå totrinslogin fra", "Turn two-step login off");
    pub(super) const TURN_ON: Text = ("Slå totrinslogin til", "Turn two-step login on");
    pub(super) const SCAN: Text = (
        "Scan koden med en godkendelses-app på din telefon (fx FreeOTP, Aegis, Google eller Microsoft Authenticator), og skriv den kode, appen viser.",
        "Scan the code with an authenticator app on your phone (e.g. FreeOTP, Aegis, Google or Microsoft Authenticator) and type the code the app shows.",
    );
    pub(super) const QR_LABEL: Text = (
        "QR-kode til godkendelses-appen",
        "QR code for the authenticator app",
    );
    pub(super) const OR_TYPE: Text = (
        "Eller skriv nøglen i appen:",
        "Or type the key into the app:",
    );
    pub(super) const CODE_FROM_APP: Text = ("Koden fra appen", "The code from the app");
    pub(super) const NO_SECRET: Text = (
        "Der kunne ikke laves en nøgle. Prøv igen.",
        "No key could be made. Try again.",
    );
    pub(super) const NOW_ON: Text = ("Totrinslogin er slået til.", "Two-step login is on.");
    pub(super) const KEEP_CODES: Text = (
        "Gem disse gendannelseskoder et sikkert sted. Hver virker én gang, hvis du mister telefonen. De vises kun nu.",
        "Keep these recovery codes somewhere safe. Each works once if you lose your phone. They are shown only now.",
    );
    pub(super) const NOT_THE_SAME: Text = (
        "De to nye adgangskoder er ikke ens.",
        "The two new passwords differ.",
    );
    pub(super) const TOO_SHORT: Text = (
        "Den nye adgangskode skal have mindst 12 tegn.",
        "The new password needs at least 12 characters.",
    );
    pub(super) const WRONG_PASSWORD: Text = (
        "Den nuværende adgangskode er forkert.",
        "The current password is wrong.",
    );
    pub(super) const WRONG_CODE: Text = (
        "Koden passer ikke. Tjek telefonens ur, og prøv med den næste kode.",
        "The code does not match. Check the phone's clock and try the next code.",
    );
    pub(super) const ALREADY_ON: Text = (
        "Totrinslogin er allerede slået til.",
        "Two-step login is already on.",
    );
}
