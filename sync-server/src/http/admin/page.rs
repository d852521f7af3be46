//! What every page of the admin app shares: the layout, the message page, and the names
//! it shows for statuses, jobs, shifts, sites and sources.

use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use frivillig_common::domain::{Catalog, Status};

pub(super) use frivillig_common::text::{opportunity_title, shift_text, site_name};

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::web::{Lang, head, secure};
use crate::service::catalog::catalog as need_catalog;
use crate::store::listing::ListQuery;

use axum::extract::rejection::QueryRejection;

use super::staff::Staff;

pub(super) fn status_name(lang: Lang, status: &str) -> &'static str {
    match Status::parse(status) {
        Some(Status::New) => lang.t(text::NEW),
        Some(Status::Contacted) => lang.t(text::CONTACTED),
        Some(Status::Active) => lang.t(text::ACTIVE),
        Some(Status::Declined) => lang.t(text::DECLINED),
        Some(Status::Withdrawn) => lang.t(text::WITHDRAWN),
        Some(Status::Waitlisted) => lang.t(text::WAITING_LIST),
        None => lang.t(text::UNKNOWN),
    }
}

/// "27-11-2026 14:05" from RFC 3339, in the time zone it was written in (a kiosk's local
/// time is what the visitor saw); as written if it does not parse. Danish Excel reads this
/// form as a date and time.
pub(crate) fn danish_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%d-%m-%Y %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

pub(super) fn layout(lang: Lang, staff: Option<&Staff>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(&format!("{title} – Frivillig administration"), super::CSS_PATH))
            body {
                header {
                    p.brand { "Frivillig · " (lang.t(text::ADMINISTRATION)) }
                    @if let Some(s) = staff {
                        nav aria-label=(lang.t(text::MAIN_MENU)) {
                            a href="/admin/tilmeldinger" { (lang.t(text::SIGNUPS)) }
                            " · " a href="/admin/oversigt" { (lang.t(text::OVERVIEW)) }
                            " · " a href="/admin/koer" { (lang.t(text::TO_REVIEW)) }
                            " · " a href="/admin/job" { (lang.pick("Job og vagter", "Jobs and shifts")) }
                            " · " a href="/admin/arrangementer" { (lang.pick("Arrangementer", "Events")) }
                            " · " a href="/admin/historier" { (lang.pick("Historier", "Stories")) }
                            " · " a href="/admin/steder" { (lang.pick("Steder og ambassadører", "Sites and ambassadors")) }
                            @if s.is_admin() {
                                " · " a href="/admin/kiosker" { (lang.t(text::KIOSKS)) }
                                " · " a href="/admin/afviste" { (lang.t(text::REFUSED)) }
                                " · " a href="/admin/haandbog" { (lang.pick("Håndbog", "Handbook")) }
                                " · " a href="/admin/priser" { (lang.pick("Frivillighedsprisen", "Volunteer prize")) }
                                " · " a href="/admin/katalog" { (lang.t(text::CATALOG)) }
                                " · " a href="/admin/api-noegler" { (lang.t(text::API)) }
                                " · " a href="/admin/udbakke" { (lang.t(super::outbox::text::OUTBOX)) }
                                " · " a href="/admin/skabeloner" { (lang.t(super::templates::text::TEMPLATES)) }
                                " · " a href="/admin/log" { (lang.t(text::AUDIT_LOG)) }
                            }
                        }
                        form.logout method="post" action="/admin/logout" {
                            a href="/admin/konto" { (s.account.display_name) " (" (s.username) ")" }
                            input type="hidden" name="csrf" value=(s.session.csrf);
                            button.secondary type="submit" { (lang.t(text::LOG_OUT)) }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

pub(super) fn message(
    lang: Lang,
    status: StatusCode,
    title: &str,
    text: &str,
    staff: Option<&Staff>,
) -> Response {
    let back = if staff.is_some() {
        "/admin/tilmeldinger"
    } else {
        "/admin/login"
    };
    let body = html! { p { (text) } p { a href=(back) { (lang.t(text::BACK)) } } };
    let mut r = secure(layout(lang, staff, title, body));
    *r.status_mut() = status;
    r
}

/// A table's header row: each column's name in Danish and English.
pub(super) fn thead(lang: Lang, columns: &[(&'static str, &'static str)]) -> Markup {
    html! { thead { tr { @for (da, en) in columns { th scope="col" { (lang.pick(da, en)) } } } } }
}

pub(super) fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The admin app's two cookies and where they go. Over https they carry the `__Host-`
/// prefix (a browser then takes them only from this host, over TLS, for the whole site:
/// no subdomain or plain-http page can plant or overwrite one), so their path is `/`;
/// over plain http (a demo on one machine) they stay on `/admin`.
pub(super) struct Cookies {
    /// The session cookie's name.
    pub(super) session: &'static str,
    /// The login form's CSRF cookie's name.
    pub(super) login: &'static str,
    /// Path and, over https, `Secure`.
    pub(super) scope: &'static str,
}

/// The cookies for `state`'s public address.
pub(super) fn cookies(state: &AppState) -> Cookies {
    if state.config.public_url.starts_with("https://") {
        Cookies {
            session: "__Host-frivillig_session",
            login: "__Host-frivillig_login",
            scope: "Path=/; Secure",
        }
    } else {
        Cookies {
            session: "frivillig_session",
            login: "frivillig_login",
            scope: "Path=/admin",
        }
    }
}

pub(super) fn source_text(lang: Lang, source: &str) -> String {
    if source == "web" {
        lang.t(text::PORTAL).to_owned()
    } else {
        format!("{} {source}", lang.t(text::KIOSK))
    }
}

/// The catalog, which every page but the login names jobs and sites from; or the error page.
pub(super) async fn page_catalog(state: &AppState) -> Result<Catalog, Response> {
    need_catalog(state)
        .await
        .map_err(|e| ApiError::from(e).into_response())
}

/// The list's query; odd query strings (a hand-edited link) show the whole list rather
/// than an error.
pub(super) fn list_query(query: Result<Query<ListQuery>, QueryRejection>) -> ListQuery {
    query.map(|Query(q)| q).unwrap_or_default()
}

/// `?gemt=1` after a change was saved: the page says so.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SavedQuery {
    /// Present after a saved change.
    pub(super) gemt: Option<String>,
}

pub(super) fn error_page(s: &Staff, e: impl Into<ApiError>) -> Response {
    let e: ApiError = e.into();
    let lang = s.lang;
    tracing::warn!(error = %e, "admin change failed");
    message(
        lang,
        StatusCode::CONFLICT,
        lang.t(text::THE_CHANGE_WAS_NOT),
        lang.t(text::THE_SERVER_COULD_NOT),
        Some(s),
    )
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const NEW: Text = ("Ny", "New");
    pub(super) const CONTACTED: Text = ("Kontaktet", "Contacted");
    pub(super) const ACTIVE: Text = ("Aktiv", "Active");
    pub(super) const DECLINED: Text = ("Afvist", "Declined");
    pub(super) const WITHDRAWN: Text = ("Trukket tilbage", "Withdrawn");
    pub(super) const WAITING_LIST: Text = ("Venteliste", "Waiting list");
    pub(super) const UNKNOWN: Text = ("Ukendt", "Unknown");
    pub(super) const ADMINISTRATION: Text = ("Administration", "Administration");
    pub(super) const MAIN_MENU: Text = ("Hovedmenu", "Main menu");
    pub(super) const SIGNUPS: Text = ("Tilmeldinger", "Signups");
    pub(super) const OVERVIEW: Text = ("Oversigt", "Overview");
    pub(super) const TO_REVIEW: Text = ("Til gennemsyn", "To review");
    pub(super) const KIOSKS: Text = ("Kiosker", "Kiosks");
    pub(super) const REFUSED: Text = ("Afviste", "Refused");
    pub(super) const API: Text = ("API-nøgler", "API credentials");
    pub(super) const CATALOG: Text = ("Katalog", "Catalog");
    pub(super) const AUDIT_LOG: Text = ("Ændringslog", "Audit log");
    pub(super) const LOG_OUT: Text = ("Log ud", "Log out");
    pub(super) const BACK: Text = ("Tilbage", "Back");
    pub(super) const PORTAL: Text = ("Portalen", "Portal");
    pub(super) const KIOSK: Text = ("Kiosk", "Kiosk");
    pub(super) const THE_CHANGE_WAS_NOT: Text =
        ("Ændringen blev ikke gemt", "The change was not saved");
    pub(super) const THE_SERVER_COULD_NOT: Text = (
        "Serveren kunne ikke skrive ændringen. Åbn tilmeldingen igen, og prøv en gang til.",
        "The server could not write the change. Open the signup again and try once more.",
    );
}
