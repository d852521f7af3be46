//! The audit log (admins).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;

use super::page::{danish_time, layout, thead};
use super::staff::Admin;

#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    page: Option<usize>,
}

/// The audit log, newest first (admins only).
pub(super) async fn audit_page(
    State(state): State<AppState>,
    Admin(s): Admin,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = s.lang;
    const PER_PAGE: usize = 100;
    let page = query.ok().and_then(|Query(q)| q.page).unwrap_or(1).max(1);
    let st = state.clone();
    let (entries, total) = match blocking(move || {
        Ok(st.store.audit_entries((page - 1) * PER_PAGE, PER_PAGE)?)
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let title = lang.t(text::AUDIT_LOG);
    let body = html! {
        p { (total) " " (if total == 1 { lang.t(text::CHANGE) } else { lang.t(text::CHANGES) }) }
        table {
            (thead(lang, &[("Tid", "Time"), ("Hvem", "Who"), ("Handling", "Action"), ("Hvad", "What"), ("Detaljer", "Details")]))
            tbody { @for e in &entries { tr {
                td { (danish_time(&e.at)) } td { (e.by) } td { (e.action) }
                td { @if e.action == "status" || e.action == "note" || e.action == "assign" {
                    a href=(format!("/admin/tilmeldinger/{}", e.target)) { (e.target) } } @else { (e.target) } }
                td { (e.detail) }
            } } }
        }
        nav.pages aria-label=(lang.t(text::PAGES)) {
            @if page > 1 { a href=(format!("/admin/log?page={}", page - 1)) { (lang.t(text::NEWER)) } }
            @if (page * PER_PAGE) < total as usize { a href=(format!("/admin/log?page={}", page + 1)) { (lang.t(text::OLDER)) } }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const AUDIT_LOG: Text = ("Ændringslog", "Audit log");
    pub(super) const CHANGE: Text = ("ændring", "change");
    pub(super) const CHANGES: Text = ("ændringer", "changes");
    pub(super) const PAGES: Text = ("Sider", "Pages");
    pub(super) const NEWER: Text = ("← Nyere", "← Newer");
    pub(super) const OLDER: Text = ("Ældre →", "Older →");
}
