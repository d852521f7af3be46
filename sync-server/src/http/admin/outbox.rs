//! The outbox (admins): every message the server has queued, where it stands, and each
//! message as it was sent. In the demo, without a mail server, this is where messages are
//! read (they are also written to a folder as `.eml` files).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::{Lang, secure};
use crate::store::outbox::{Delivery, OutboxRow};

use super::page::{danish_time, layout, message, thead};
use super::staff::Admin;

/// Messages per page.
const PER_PAGE: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    /// Show messages older than this sequence number.
    foer: Option<u64>,
}

/// Where a message stands, in words, and whether it is a failure.
pub(super) fn delivery_text(lang: Lang, row: &OutboxRow) -> (String, bool) {
    match &row.delivery {
        Delivery::Queued => {
            let mut t = lang.t(text::QUEUED).to_owned();
            if let Some(e) = &row.last_error {
                t += &format!(" ({} {}: {e})", row.attempts, lang.t(text::TRIES));
            }
            (t, false)
        }
        Delivery::Sent { at } => (format!("{} {}", lang.t(text::SENT), danish_time(at)), false),
        Delivery::Failed { at, reason } => (
            format!("{} {}: {reason}", lang.t(text::FAILED), danish_time(at)),
            true,
        ),
    }
}

/// The outbox, newest first.
pub(super) async fn outbox_page(
    State(state): State<AppState>,
    Admin(s): Admin,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = s.lang;
    let before = query.ok().and_then(|Query(q)| q.foer);
    let st = state.clone();
    let (rows, queued) = match blocking(move || {
        Ok((
            st.store.messages(before, PER_PAGE)?,
            st.store.queued_messages()?,
        ))
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let folder = state.mail.folder().map(|f| f.display().to_string());
    let body = html! {
        @if let Some(folder) = &folder {
            p.note { (lang.t(text::NO_MAIL_SERVER)) " " code { (folder) } }
        }
        p { (queued) " " (lang.t(text::WAITING)) }
        @if rows.is_empty() {
            p { (lang.t(text::NO_MESSAGES)) }
        } @else {
            table {
                (thead(lang, &[("Nr.", "No."), ("Lagt i kø", "Queued"), ("Slags", "Kind"), ("Til", "To"), ("Emne", "Subject"), ("Status", "Status")]))
                tbody { @for (seq, row) in &rows { (message_row(lang, *seq, row)) } }
            }
        }
        nav.pages aria-label=(lang.t(text::PAGES)) {
            @if before.is_some() { a href="/admin/udbakke" { (lang.t(text::NEWEST)) } }
            @if rows.len() == PER_PAGE {
                @if let Some((last, _)) = rows.last() {
                    a href=(format!("/admin/udbakke?foer={last}")) { (lang.t(text::OLDER)) }
                }
            }
        }
    };
    secure(layout(lang, Some(&s), lang.t(text::OUTBOX), body))
}

fn message_row(lang: Lang, seq: u64, row: &OutboxRow) -> Markup {
    let (state, failed) = delivery_text(lang, row);
    let (da, en) = row.message.kind.label();
    html! { tr {
        td { a href=(format!("/admin/udbakke/{seq}")) { (seq) } }
        td { (danish_time(&row.queued_at)) }
        td { (lang.pick(da, en)) }
        td { (row.message.to) }
        td { (row.message.subject) }
        td { @if failed { strong.error { (state) } } @else { (state) } }
    } }
}

/// One message as it was composed: its headers, text and calendar file.
pub(super) async fn message_page(
    State(state): State<AppState>,
    Admin(s): Admin,
    Path(seq): Path<u64>,
) -> Response {
    let lang = s.lang;
    let st = state.clone();
    let row = match blocking(move || Ok(st.store.message(seq)?)).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            let (title, text) = (lang.t(text::NOT_FOUND), lang.t(text::NO_SUCH_MESSAGE));
            return message(lang, StatusCode::NOT_FOUND, title, text, Some(&s));
        }
        Err(e) => return e.into_response(),
    };
    let (delivery, failed) = delivery_text(lang, &row);
    let m = &row.message;
    let body = html! {
        dl {
            dt { (lang.t(text::TO)) } dd { (m.to) }
            dt { (lang.t(text::SUBJECT)) } dd { (m.subject) }
            dt { "Message-ID" } dd { code { (row.message_id) } }
            dt { (lang.t(text::QUEUED_AT)) } dd { (danish_time(&row.queued_at)) }
            dt { (lang.t(text::STATE)) }
            dd { @if failed { strong.error role="alert" { (delivery) } } @else { (delivery) } }
            @if let Some(id) = &m.signup_id {
                dt { (lang.t(text::ABOUT_SIGNUP)) }
                dd { a href=(format!("/admin/tilmeldinger/{id}")) { (id) } }
            }
        }
        h2 { (lang.t(text::TEXT)) }
        pre.mail { (m.body) }
        @if let Some(ics) = &m.ics {
            h2 { (lang.t(text::CALENDAR_FILE)) }
            pre.mail { (ics) }
        }
        p { a href="/admin/udbakke" { (lang.t(text::BACK_TO_OUTBOX)) } }
    };
    secure(layout(lang, Some(&s), &m.subject, body))
}

/// The texts of these pages, Danish and English side by side.
pub(super) mod text {
    use frivillig_common::text::Text;

    pub(in super::super) const OUTBOX: Text = ("Udbakke", "Outbox");
    pub(super) const QUEUED: Text = ("I kø", "Queued");
    pub(super) const TRIES: Text = ("forsøg", "tries");
    pub(super) const SENT: Text = ("Sendt", "Sent");
    pub(super) const FAILED: Text = ("Kunne ikke sendes", "Could not be sent");
    pub(super) const NO_MAIL_SERVER: Text = (
        "Der er ingen mailserver sat op, så beskederne sendes ikke, men gemmes her og som .eml-filer i mappen",
        "No mail server is set up, so messages are not sent but kept here and as .eml files in the folder",
    );
    pub(super) const WAITING: Text = ("venter på at blive sendt", "waiting to be sent");
    pub(super) const NO_MESSAGES: Text = ("Ingen beskeder endnu.", "No messages yet.");
    pub(super) const PAGES: Text = ("Sider", "Pages");
    pub(super) const NEWEST: Text = ("← Nyeste", "← Newest");
    pub(super) const OLDER: Text = ("Ældre →", "Older →");
    pub(super) const NOT_FOUND: Text = ("Ikke fundet", "Not found");
    pub(super) const NO_SUCH_MESSAGE: Text =
        ("Den besked findes ikke.", "There is no such message.");
    pub(super) const TO: Text = ("Til", "To");
    pub(super) const SUBJECT: Text = ("Emne", "Subject");
    pub(super) const QUEUED_AT: Text = ("Lagt i kø", "Queued");
    pub(super) const STATE: Text = ("Status", "Status");
    pub(super) const ABOUT_SIGNUP: Text = ("Om tilmeldingen", "About the signup");
    pub(super) const TEXT: Text = ("Tekst", "Text");
    pub(super) const CALENDAR_FILE: Text = ("Kalenderfil (vedhæftet)", "Calendar file (attached)");
    pub(super) const BACK_TO_OUTBOX: Text = ("← Tilbage til udbakken", "← Back to the outbox");
}
