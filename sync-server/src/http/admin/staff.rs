//! Who is asking: the session behind a request, checked once by the extractors here
//! instead of in every handler. [`Staff`] and [`Admin`] for pages, [`StaffForm`] and
//! [`AdminForm`] for forms (session, then the form, then its CSRF token, then the role).
//! A page without a session is sent to the login page; a form without one is refused with
//! a page that says nothing was saved.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::{Lang, PageLang, cookie, same};
use crate::service::accounts::{AccountRow, Role, SessionRow};

use super::page::message;

/// A logged-in person.
pub(super) struct Staff {
    /// Their user name.
    pub(super) username: String,
    /// Their account.
    pub(super) account: AccountRow,
    /// Their session (its CSRF token goes into every form).
    pub(super) session: SessionRow,
    /// The session token (to log out with).
    pub(super) token: String,
    /// The language of their pages.
    pub(super) lang: Lang,
}

impl Staff {
    /// The sites whose signups this person sees; `None` for all.
    pub(super) fn sites(&self) -> Option<&[String]> {
        match self.account.role {
            Role::Admin => None,
            Role::Coordinator => Some(&self.account.sites),
        }
    }

    /// Whether this person sees the signups of `site_id`.
    pub(super) fn may_see(&self, site_id: &str) -> bool {
        self.sites().is_none_or(|s| s.iter().any(|x| x == site_id))
    }

    /// Whether `csrf` is this session's token.
    fn checks(&self, csrf: &str) -> bool {
        same(self.session.csrf.as_bytes(), csrf.as_bytes())
    }

    /// Whether this person is an admin.
    pub(super) fn is_admin(&self) -> bool {
        self.account.role == Role::Admin
    }
}

/// The logged-in person, or the answer to give instead: the login page for a page, a
/// refusal for a form.
async fn staff(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
    is_form: bool,
) -> Result<Staff, Response> {
    let lang = Lang::from_headers(headers);
    let refuse = || {
        if is_form {
            message(
                lang,
                StatusCode::UNAUTHORIZED,
                lang.t(text::YOU_ARE_NOT_LOGGED),
                lang.t(text::YOUR_SESSION_HAS_EXPIRED),
                None,
            )
        } else {
            Redirect::to("/admin/login").into_response()
        }
    };
    let Some(token) = cookie(headers, super::page::cookies(state).session) else {
        return Err(refuse());
    };
    let st = state.clone();
    let t = token.clone();
    // At most ten years: chrono's seconds have a range.
    let idle_secs = state.config.session_idle_secs.min(315_360_000);
    let idle = chrono::Duration::seconds(i64::try_from(idle_secs).unwrap_or(0));
    let found = blocking(move || Ok(st.store.session(&t, idle)?))
        .await
        .map_err(|e| e.into_response())?;
    let Some((session, account)) = found else {
        return Err(refuse());
    };
    let s = Staff {
        username: session.username.clone(),
        account,
        session,
        token,
        lang,
    };
    // Where a second factor is required, an account without one may only set it up (or
    // change its password, or log out) until it has.
    let setting_up = path.starts_with("/admin/konto") || path == "/admin/logout";
    if state.config.requires_second_factor() && s.account.second_factor.is_none() && !setting_up {
        return Err(if is_form {
            message(
                lang,
                StatusCode::FORBIDDEN,
                lang.t(text::SET_UP_FIRST),
                lang.t(text::SECOND_FACTOR_REQUIRED),
                Some(&s),
            )
        } else {
            Redirect::to("/admin/konto").into_response()
        });
    }
    Ok(s)
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        staff(state, parts.uri.path(), &parts.headers, false).await
    }
}

/// A logged-in admin, for pages only admins see.
pub(super) struct Admin(pub(super) Staff);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let s = staff(state, parts.uri.path(), &parts.headers, false).await?;
        match not_admin(&s) {
            Some(refusal) => Err(refusal),
            None => Ok(Admin(s)),
        }
    }
}

/// A form of a session: it carries the session's CSRF token.
pub(super) trait SessionForm {
    /// The token the form carries.
    fn csrf(&self) -> &str;
}

/// The logged-in person and their form, once the form is read and its token checked.
/// Otherwise the request is answered at once, and nothing is changed.
pub(super) struct StaffForm<T>(pub(super) Staff, pub(super) T);

impl<T: SessionForm + DeserializeOwned + Send> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let s = staff(state, parts.uri.path(), &parts.headers, true).await?;
        let req = Request::from_parts(parts, body);
        let Form(f) = match Form::<T>::from_request(req, state).await {
            Ok(f) => f,
            Err(rejection) => return Err(unreadable(&s, rejection.status())),
        };
        if !s.checks(f.csrf()) {
            return Err(wrong_csrf(&s));
        }
        Ok(StaffForm(s, f))
    }
}

/// As [`StaffForm`], for a form only admins may send.
pub(super) struct AdminForm<T>(pub(super) Staff, pub(super) T);

impl<T: SessionForm + DeserializeOwned + Send> FromRequest<AppState> for AdminForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let StaffForm(s, f) = StaffForm::<T>::from_request(req, state).await?;
        match not_admin(&s) {
            Some(refusal) => Err(refusal),
            None => Ok(AdminForm(s, f)),
        }
    }
}

session_form!(CsrfForm);

/// A form that carries only the session's CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn wrong_csrf(staff: &Staff) -> Response {
    let lang = staff.lang;
    message(
        lang,
        StatusCode::FORBIDDEN,
        lang.t(text::THE_PAGE_IS_OUT),
        lang.t(text::THE_FORM_DID_NOT),
        Some(staff),
    )
}

/// The answer to a form that could not be read; `status` is the rejection's (413 for a
/// form over the size limit, 400 otherwise).
pub(super) fn unreadable(staff: &Staff, status: StatusCode) -> Response {
    let lang = staff.lang;
    message(
        lang,
        status,
        lang.t(text::THE_FORM_COULD_NOT),
        lang.t(text::OPEN_THE_PAGE_AGAIN),
        Some(staff),
    )
}

/// The page to show anyone but an admin, on pages and forms for admins only.
fn not_admin(s: &Staff) -> Option<Response> {
    if s.is_admin() {
        return None;
    }
    let lang = s.lang;
    Some(message(
        lang,
        StatusCode::FORBIDDEN,
        lang.t(text::ADMINISTRATORS_ONLY),
        lang.t(text::ONLY_ADMINISTRATORS_CAN_SEE),
        Some(s),
    ))
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const YOU_ARE_NOT_LOGGED: Text = ("Du er ikke logget ind", "You are not logged in");
    pub(super) const YOUR_SESSION_HAS_EXPIRED: Text = (
        "Din session er udløbet eller afsluttet. Log ind igen; det, du sendte, er ikke gemt.",
        "Your session has expired or ended. Log in again; what you sent was not saved.",
    );
    pub(super) const THE_PAGE_IS_OUT: Text = ("Siden er for gammel", "The page is out of date");
    pub(super) const THE_FORM_DID_NOT: Text = (
        "Formularen kom ikke fra denne session. Åbn siden igen; intet er ændret.",
        "The form did not come from this session. Open the page again; nothing was changed.",
    );
    pub(super) const THE_FORM_COULD_NOT: Text =
        ("Formularen kunne ikke læses", "The form could not be read");
    pub(super) const OPEN_THE_PAGE_AGAIN: Text = (
        "Åbn siden igen, og prøv en gang til; intet er ændret.",
        "Open the page again and try once more; nothing was changed.",
    );
    pub(super) const SET_UP_FIRST: Text =
        ("Opsæt totrinslogin først", "Set up two-step login first");
    pub(super) const SECOND_FACTOR_REQUIRED: Text = (
        "Her kræves en godkendelsesapp ud over adgangskoden. Opsæt den under Min konto; intet er ændret.",
        "An authenticator app is required here besides the password. Set it up under My account; nothing was changed.",
    );
    pub(super) const ADMINISTRATORS_ONLY: Text = ("Kun for administratorer", "Administrators only");
    pub(super) const ONLY_ADMINISTRATORS_CAN_SEE: Text = (
        "Den side kan kun ses og bruges af administratorer.",
        "Only administrators can see and use that page.",
    );
}

/// Whether `password` is `s`'s current one: asked again before what cannot be undone
/// (erasure, revocation) and before changes to the account itself. Counts against the
/// bound on password checks at once.
pub(super) async fn password_holds(s: &Staff, password: String) -> bool {
    let Ok(_permit) = crate::service::accounts::HASHING.acquire().await else {
        return false;
    };
    let hash = s.account.password_hash.clone();
    tokio::task::spawn_blocking(move || crate::service::accounts::verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}
