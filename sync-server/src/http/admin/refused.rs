//! Refused records (admins): what kiosks wrote that the server's checks at ingest refused,
//! with the reason. The visitor may have been told "signed up", so someone must follow up;
//! a forged record shows a stolen or broken kiosk. Personal data stays sealed here.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use frivillig_common::text::{opportunity_title, site_name};

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;

use super::page::{danish_time, layout, page_catalog, thead};
use super::staff::Admin;

/// Every refused record, newest first (admins only).
pub(super) async fn refused_page(State(state): State<AppState>, Admin(s): Admin) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = s.lang;
    let st = state.clone();
    let rows = match blocking(move || Ok(st.store.refused_records()?)).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let title = lang.t(text::REFUSED);
    let body = html! {
        p { (lang.t(text::WHAT)) }
        @if rows.is_empty() {
            p { (lang.t(text::NONE)) }
        } @else {
            table {
                (thead(lang, &[("Afvist", "Refused"), ("Kiosk", "Kiosk"), ("Job", "Job"), ("Sted", "Site"), ("Tilmeldt ifølge kiosken", "Signed up, says the kiosk"), ("Årsag", "Reason"), ("Id", "Id")]))
                tbody { @for r in &rows { tr {
                    td { (danish_time(&r.refused_at)) }
                    td { (r.owner) }
                    td { (opportunity_title(lang, &catalog, &r.record.opportunity_id)) }
                    td { (site_name(&catalog, &r.record.site_id)) }
                    td { (r.record.created_at) }
                    td { (lang.t(r.reason.text())) }
                    td { code { (r.record.id) } }
                } } }
            }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// The texts of this page, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const REFUSED: Text = ("Afviste tilmeldinger", "Refused signups");
    pub(super) const WHAT: Text = (
        "Tilmeldinger fra kiosker, som serveren ikke tog imod, fordi de ikke bestod kontrollen ved modtagelsen. De står ikke på listen over tilmeldinger. Kontaktoplysningerne forbliver krypterede. Mange afvisninger fra én kiosk kan betyde, at den er stjålet eller defekt: spær den under Kiosker.",
        "Signups from kiosks that the server did not take because they failed the checks on arrival. They are not on the list of signups. Their contact details stay encrypted. Many refusals from one kiosk may mean it is stolen or broken: revoke it under Kiosks.",
    );
    pub(super) const NONE: Text = ("Ingen afviste tilmeldinger.", "No refused signups.");
}
