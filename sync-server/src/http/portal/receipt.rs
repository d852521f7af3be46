//! The receipt page a kiosk's QR code opens: status and job, withdrawal, and the data held.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use frivillig_common::domain::Status;
use frivillig_common::receipt::receipt_hash;
use maud::html;
use serde::Serialize;

use frivillig_common::ids::SignupId;

use crate::AppState;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, private_file, same, secure};
use crate::service::catalog::catalog_and_taken;
use crate::service::mail::compose::signup_calendar;
use crate::service::signups::change_status;
use crate::store::SignupRow;

use super::page::{LangQuery, page, status_text};

/// The signup, if the token is its receipt token. Ids and tokens are checked for shape
/// first, so odd input never reaches the store.
pub(super) async fn lookup(
    state: &AppState,
    signup_id: &str,
    token: &str,
) -> Result<Option<SignupRow>, ApiError> {
    let plausible = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !plausible(signup_id) || !plausible(token) {
        return Ok(None);
    }
    let st = state.clone();
    let id = signup_id.to_owned();
    let row = blocking(move || Ok(st.store.signup(&id)?)).await?;
    let expected = receipt_hash(token);
    Ok(row.filter(|r| same(r.record.receipt_hash.as_bytes(), expected.as_bytes())))
}

pub(super) async fn receipt_page(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let here = format!("/kvittering/{signup_id}/{token}");
    let switch_to = format!("{here}{}", lang.other_query());
    let Some(row) = lookup(&state, &signup_id, &token).await? else {
        let body = html! {
            p.note { (lang.t(text::YOUR_SIGNUP_IS_SAVED)) }
        };
        return Ok(secure(page(
            lang,
            lang.t(text::YOUR_SIGNUP_IS_ON),
            &switch_to,
            body,
        )));
    };
    let catalog = catalog_and_taken(&state).await.ok().map(|(c, _)| c);
    let r = &row.record;
    let job = catalog
        .as_ref()
        .and_then(|c| c.opportunity(&r.opportunity_id));
    let title = job.map_or(r.opportunity_id.as_str(), |o| match lang {
        Lang::En if !o.title_en.is_empty() => o.title_en.as_str(),
        _ => o.title.as_str(),
    });
    let shift = job
        .zip(r.shift_id.as_deref())
        .and_then(|(o, s)| o.shifts.iter().find(|x| x.id == s));
    let site = catalog
        .as_ref()
        .and_then(|c| c.sites.iter().find(|s| s.id == r.site_id))
        .map_or(r.site_id.clone(), |s| s.name.clone());
    let open = !matches!(Some(r.status), Some(Status::Withdrawn | Status::Declined));
    let body = html! {
        @if q.done.as_deref() == Some("withdrawn") {
            p.note role="status" { (lang.t(text::THE_SIGNUP_IS_WITHDRAWN)) }
        }
        dl {
            dt { (lang.t(text::JOB)) } dd { (title) }
            dt { (lang.t(text::PLACE)) } dd { (site) }
            @if let Some(s) = shift {
                dt { (lang.t(text::SHIFT)) } dd { (s.starts.get(..16).unwrap_or(&s.starts).replace('T', " ")) " – " (s.ends.get(11..16).unwrap_or(&s.ends)) }
            }
            dt { (lang.t(text::STATUS)) } dd { (status_text(lang, r.status.as_str())) }
            dt { (lang.t(text::SIGNED_UP)) } dd { (r.created_at.get(..16).unwrap_or(&r.created_at).replace('T', " ")) }
        }
        @if shift.is_some() && open {
            p { a.button.secondary href=(format!("{here}/vagt.ics")) download="vagt.ics" { (lang.t(text::ADD_TO_CALENDAR)) } }
        }
        @if open {
            h2 { (lang.t(text::CHANGED_YOUR_MIND)) }
            form method="post" action=(format!("{here}/tilbagetraek{}", lang.query())) {
                button type="submit" { (lang.t(text::WITHDRAW_MY_SIGNUP)) }
            }
        }
        h2 { (lang.t(text::YOUR_DATA)) }
        p { (lang.t(text::DOWNLOAD_EVERYTHING_THE_MUNICIPALITY)) }
        p { a.button.secondary href=(format!("{here}/data")) download { (lang.t(text::DOWNLOAD_MY_DATA)) } }
    };
    Ok(secure(page(
        lang,
        lang.t(text::YOUR_SIGNUP),
        &switch_to,
        body,
    )))
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let here = format!("/kvittering/{signup_id}/{token}");
    let Some(row) = lookup(&state, &signup_id, &token).await? else {
        // Nothing to withdraw yet: back to the page, which says the signup is on its way.
        return Ok(Redirect::to(&format!("{here}{}", q.lang().query())).into_response());
    };
    // The record's id, which the token was checked against.
    let id = SignupId::parse(&row.record.id).ok_or(ApiError::NotFound)?;
    if row.record.status != Status::Withdrawn {
        change_status(&state, &id, Status::Withdrawn, "borger via kvittering").await?;
        tracing::info!(signup = %signup_id, "withdrawn by the volunteer from the receipt page");
    }
    let sep = if q.lang() == Lang::En {
        "?lang=en&"
    } else {
        "?"
    };
    Ok(Redirect::to(&format!("{here}{sep}done=withdrawn")).into_response())
}

/// The signup's shift as a calendar file, whose event a later file (a moved shift) replaces.
pub(super) async fn calendar_file(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let row = lookup(&state, &signup_id, &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let catalog = catalog_and_taken(&state).await?.0;
    let ics = signup_calendar(&catalog, &row).ok_or(ApiError::NotFound)?;
    Ok(private_file(
        ics,
        "text/calendar; charset=utf-8",
        "vagt.ics",
    ))
}

/// The data held about one signup, for the person it is about (GDPR access).
#[derive(Serialize)]
pub(super) struct DataExport {
    about: &'static str,
    signup_id: String,
    opportunity_id: String,
    shift_id: Option<String>,
    site_id: String,
    source: frivillig_common::domain::Source,
    created_at: String,
    received_at: String,
    consent_version: u32,
    consent_at: String,
    status: Status,
    status_history: Vec<frivillig_common::domain::StatusChange>,
    check_ins: Vec<frivillig_common::domain::CheckIn>,
    /// Coordinators' notes are data about the person too: they are theirs to see.
    notes: Vec<frivillig_common::domain::Note>,
    assignee: Option<String>,
    person: Option<frivillig_common::domain::PersonalData>,
}

pub(super) async fn download(
    State(state): State<AppState>,
    Path((signup_id, token)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let row = lookup(&state, &signup_id, &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let body = serde_json::to_vec_pretty(&export_of(row)).map_err(ApiError::internal)?;
    Ok(private_file(
        body,
        "application/json; charset=utf-8",
        &format!("frivillig-tilmelding-{signup_id}.json"),
    ))
}

/// Everything held about one signup, for the person it is about.
pub(super) fn export_of(row: SignupRow) -> DataExport {
    let r = row.record;
    DataExport {
        about: "Oplysninger Glostrup Kommune har om denne frivillig-tilmelding / data Glostrup Kommune holds about this volunteer signup",
        signup_id: r.id,
        opportunity_id: r.opportunity_id,
        shift_id: r.shift_id,
        site_id: r.site_id,
        source: r.source,
        created_at: r.created_at,
        received_at: row.received_at,
        consent_version: r.consent_version,
        consent_at: r.consent_at,
        status: r.status,
        status_history: r.status_history,
        check_ins: r.check_ins,
        notes: r.notes,
        assignee: r.assignee,
        person: row.person,
    }
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const YOUR_SIGNUP_IS_SAVED: Text = (
        "Din tilmelding er gemt på kiosken og er på vej til kommunen. Kiosken sender den, \
                 så snart den har forbindelse; det tager som regel kun et øjeblik, men på en festival \
                 kan det vare nogle timer. Kig ind igen senere via samme QR-kode.",
        "Your signup is saved on the kiosk and on its way to the municipality. The kiosk \
                 sends it as soon as it has a connection; usually that takes a moment, at a festival \
                 it can take a few hours. Look again later with the same QR code.",
    );
    pub(super) const YOUR_SIGNUP_IS_ON: Text =
        ("Din tilmelding er på vej", "Your signup is on its way");
    pub(super) const THE_SIGNUP_IS_WITHDRAWN: Text = (
        "Tilmeldingen er trukket tilbage. Tak for din interesse.",
        "The signup is withdrawn. Thank you for your interest.",
    );
    pub(super) const JOB: Text = ("Job", "Job");
    pub(super) const PLACE: Text = ("Sted", "Place");
    pub(super) const SHIFT: Text = ("Vagt", "Shift");
    pub(super) const STATUS: Text = ("Status", "Status");
    pub(super) const SIGNED_UP: Text = ("Tilmeldt", "Signed up");
    pub(super) const CHANGED_YOUR_MIND: Text = ("Fortryder du?", "Changed your mind?");
    pub(super) const WITHDRAW_MY_SIGNUP: Text =
        ("Træk min tilmelding tilbage", "Withdraw my signup");
    pub(super) const YOUR_DATA: Text = ("Dine oplysninger", "Your data");
    pub(super) const DOWNLOAD_EVERYTHING_THE_MUNICIPALITY: Text = (
        "Hent alt, hvad kommunen har gemt om denne tilmelding, som en fil.",
        "Download everything the municipality holds about this signup, as a file.",
    );
    pub(super) const DOWNLOAD_MY_DATA: Text = ("Hent mine oplysninger", "Download my data");
    pub(super) const YOUR_SIGNUP: Text = ("Din tilmelding", "Your signup");
    pub(super) const ADD_TO_CALENDAR: Text = (
        "Føj vagten til din kalender (.ics)",
        "Add the shift to your calendar (.ics)",
    );
}
