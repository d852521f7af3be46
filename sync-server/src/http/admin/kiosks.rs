//! The kiosks page (admins): each kiosk's last contact, queue and version, and revocation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;
use crate::service::ServiceError;

use super::page::{danish_time, error_page, layout, message, page_catalog, site_name, thead};
use super::signup::EraseForm;
use super::staff::{Admin, AdminForm, password_holds, unreadable};

/// Every enrolled kiosk with its site, last contact, queue and version (admins only).
pub(super) async fn kiosks_page(State(state): State<AppState>, Admin(s): Admin) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = s.lang;
    let st = state.clone();
    let kiosks = match blocking(move || Ok(st.store.devices()?)).await {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let csrf = s.session.csrf.clone();
    let title = lang.t(text::KIOSKS);
    let body = html! {
        p { (lang.t(text::A_NEW_KIOSK_IS)) }
        table {
            (thead(lang, &[("Kiosk", "Kiosk"), ("Sted", "Site"), ("Sidste kontakt", "Last contact"), ("Tilmeldinger i kø", "Signups queued"), ("Version", "Version"), ("Tilstand", "State")]))
            tbody { @for k in &kiosks { tr {
                td { (k.kiosk_id) }
                td { (site_name(&catalog, &k.site_id)) }
                td { (k.last_contact.as_deref().map_or_else(|| lang.t(text::NEVER).to_owned(), danish_time)) }
                td { (k.queued) }
                td { (k.version.as_deref().unwrap_or("–")) }
                td {
                    @if k.revoked { (lang.t(text::REVOKED)) } @else {
                        form.inline method="post" action=(format!("/admin/kiosker/{}/spaer", k.kiosk_id)) {
                            input type="hidden" name="csrf" value=(csrf);
                            label { input type="checkbox" name="bekraeft" value="ja" required; " " (lang.t(text::CONFIRM)) }
                            " " label { (lang.t(text::YOUR_PASSWORD)) " "
                                input name="password" type="password" autocomplete="current-password" required; }
                            " " button type="submit" { (lang.t(text::REVOKE)) }
                        }
                    }
                }
            } } }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

pub(super) async fn post_revoke(
    State(state): State<AppState>,
    Path(kiosk_id): Path<String>,
    AdminForm(s, f): AdminForm<EraseForm>,
) -> Response {
    if f.bekraeft != "ja" {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    if !password_holds(&s, f.password).await {
        return unreadable(&s, StatusCode::FORBIDDEN);
    }
    // A malformed id names no kiosk.
    let revoked = match frivillig_common::ids::KioskId::parse(&kiosk_id) {
        Some(id) => crate::service::kiosks::revoke(&state, &id, &s.username).await,
        None => Err(ServiceError::NotFound),
    };
    match revoked {
        Ok(()) => Redirect::to("/admin/kiosker").into_response(),
        Err(ServiceError::NotFound) => {
            let lang = s.lang;
            message(
                lang,
                StatusCode::NOT_FOUND,
                lang.t(text::KIOSK_NOT_FOUND),
                lang.t(text::THERE_IS_NO_KIOSK),
                Some(&s),
            )
        }
        Err(e) => error_page(&s, e),
    }
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const KIOSKS: Text = ("Kiosker", "Kiosks");
    pub(super) const A_NEW_KIOSK_IS: Text = (
        "En ny kiosk tilmeldes med frivillig-provision enrol-code. Spærring virker med det samme: kiosken afvises, og dens forbindelser lukkes.",
        "A new kiosk is enrolled with frivillig-provision enrol-code. Revoking works at once: the kiosk is refused and its connections are closed.",
    );
    pub(super) const NEVER: Text = ("aldrig", "never");
    pub(super) const REVOKED: Text = ("Spærret", "Revoked");
    pub(super) const CONFIRM: Text = ("Bekræft", "Confirm");
    pub(super) const YOUR_PASSWORD: Text = ("din adgangskode", "your password");
    pub(super) const REVOKE: Text = ("Spær", "Revoke");
    pub(super) const KIOSK_NOT_FOUND: Text = ("Kiosken findes ikke", "Kiosk not found");
    pub(super) const THERE_IS_NO_KIOSK: Text = (
        "Der er ingen kiosk med det navn.",
        "There is no kiosk by that name.",
    );
}
