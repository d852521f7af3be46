//! The signup list (search, filters, order, pages) and its CSV export for Danish Excel.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use frivillig_common::domain::Status;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::{private_file, secure};
use crate::service::export;
use crate::store::listing::{ListQuery, ListRow, SortBy};
use frivillig_common::text::{job_title, shift_label};

use super::page::{
    danish_time, layout, list_query, opportunity_title, page_catalog, shift_text, site_name,
    source_text, status_name, thead,
};
use super::staff::Staff;

pub(super) fn query_string(q: &ListQuery, page: Option<usize>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("status", &q.status),
        ("opportunity", &q.opportunity),
        ("shift", &q.shift),
        ("site", &q.site),
        ("source", &q.source),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let sort = match q.sort {
        SortBy::Newest => "",
        SortBy::Oldest => "oldest",
        SortBy::Name => "name",
        SortBy::Status => "status",
    };
    if !sort.is_empty() {
        s.append_pair("sort", sort);
    }
    if let Some(p) = page {
        s.append_pair("page", &p.to_string());
    }
    s.finish()
}

/// What the list and its export start from: the query and the catalog.
async fn list_and_catalog(
    state: &AppState,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<(ListQuery, frivillig_common::domain::Catalog), Response> {
    Ok((list_query(query), page_catalog(state).await?))
}

/// The list of signups with search, filters, order and pages.
pub(super) async fn signups_page(
    State(state): State<AppState>,
    s: Staff,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, Response> {
    let (q, catalog) = list_and_catalog(&state, query).await?;
    let lang = s.lang;
    let page = state.store.listing().page(&q, s.sites());
    let sites: Vec<_> = catalog.sites.iter().filter(|x| s.may_see(&x.id)).collect();
    let opportunities: Vec<_> = catalog
        .opportunities
        .iter()
        .filter(|o| s.may_see(&o.site_id))
        .collect();
    let title = lang.t(text::SIGNUPS);
    let body = html! {
        form.filters method="get" action="/admin/tilmeldinger" role="search" {
            label { (lang.t(text::SEARCH_NAME_E_MAIL))
                input type="search" name="q" value=(q.q); }
            label { (lang.t(text::STATUS))
                select name="status" {
                    option value="" { (lang.t(text::ALL)) }
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[q.status == st.as_str()] { (status_name(lang, st.as_str())) }
                    }
                } }
            label { (lang.t(text::JOB))
                select name="opportunity" {
                    option value="" { (lang.t(text::ALL)) }
                    @for o in &opportunities {
                        option value=(o.id) selected[q.opportunity == o.id] { (job_title(lang, o)) }
                    }
                } }
            label { (lang.t(text::SHIFT))
                select name="shift" {
                    option value="" { (lang.t(text::ALL)) }
                    @for o in opportunities.iter().filter(|o| !o.shifts.is_empty()) {
                        optgroup label=(job_title(lang, o)) {
                            @for sh in &o.shifts {
                                option value=(sh.id) selected[q.shift == sh.id] { (shift_label(lang, &sh.starts, &sh.ends)) }
                            }
                        }
                    }
                } }
            label { (lang.t(text::SITE))
                select name="site" {
                    option value="" { (lang.t(text::ALL)) }
                    @for x in &sites {
                        option value=(x.id) selected[q.site == x.id] { (x.name) }
                    }
                } }
            label { (lang.t(text::SOURCE))
                select name="source" {
                    option value="" { (lang.t(text::ALL)) }
                    option value="kiosk" selected[q.source == "kiosk"] { (lang.t(text::KIOSKS)) }
                    option value="web" selected[q.source == "web"] { (lang.t(text::PORTAL)) }
                } }
            label { (lang.t(text::FROM_DATE)) input type="date" name="from" value=(q.from); }
            label { (lang.t(text::TO_DATE)) input type="date" name="to" value=(q.to); }
            label { (lang.t(text::SORT))
                select name="sort" {
                    option value="newest" selected[q.sort == SortBy::Newest] { (lang.t(text::NEWEST_FIRST)) }
                    option value="oldest" selected[q.sort == SortBy::Oldest] { (lang.t(text::OLDEST_FIRST)) }
                    option value="name" selected[q.sort == SortBy::Name] { (lang.t(text::NAME)) }
                    option value="status" selected[q.sort == SortBy::Status] { (lang.t(text::STATUS)) }
                } }
            button type="submit" { (lang.t(text::SHOW)) }
            a.button.secondary href=(format!("/admin/tilmeldinger/eksport.csv?{}", query_string(&q, None))) {
                (lang.t(text::DOWNLOAD_AS_CSV_EXCEL)) }
            a.button.secondary href=(format!("/admin/besked?{}", query_string(&q, None))) {
                (lang.t(text::WRITE_TO_THESE)) }
        }
        p role="status" { (page.total) " " (if page.total == 1 { lang.t(text::SIGNUP) } else { lang.t(text::SIGNUPS_COUNTED) }) }
        @if page.rows.is_empty() {
            p { (lang.t(text::NO_SIGNUPS_MATCH_THE)) }
        } @else {
            table {
                caption.visually-hidden { (title) }
                (thead(lang, &[("Navn", "Name"), ("Job", "Job"), ("Vagt", "Shift"), ("Sted", "Site"), ("Kilde", "Source"), ("Tilmeldt", "Signed up"), ("Status", "Status")]))
                tbody {
                    @for r in &page.rows {
                        tr {
                            td { a href=(format!("/admin/tilmeldinger/{}", r.id)) {
                                @if r.name.is_empty() { (lang.t(text::NOT_OPENED)) } @else { (r.name) } } }
                            td { (opportunity_title(lang, &catalog, &r.opportunity_id)) }
                            td { (shift_text(lang, &catalog, r.shift_id.as_deref())) }
                            td { (site_name(&catalog, &r.site_id)) }
                            td { (source_text(lang, &r.source)) }
                            td { (danish_time(&r.created_at)) }
                            td { (status_name(lang, &r.status)) }
                        }
                    }
                }
            }
        }
        nav.pages aria-label=(lang.t(text::PAGES)) {
            @if page.page > 1 {
                a href=(format!("/admin/tilmeldinger?{}", query_string(&q, Some(page.page - 1)))) rel="prev" { (lang.t(text::PREVIOUS)) }
            }
            span { (lang.t(text::PAGE)) " " (page.page) " / " (page.pages) }
            @if page.page < page.pages {
                a href=(format!("/admin/tilmeldinger?{}", query_string(&q, Some(page.page + 1)))) rel="next" { (lang.t(text::NEXT)) }
            }
        }
    };
    Ok(secure(layout(lang, Some(&s), title, body)))
}

/// The signups of the current filter as CSV for Danish Excel: UTF-8 with a byte-order mark
/// (else Excel reads it as Windows-1252), semicolons (the Danish list separator), CRLF,
/// dates as dd-mm-yyyy hh:mm. Cells that Excel would run as a formula are prefixed with `'`.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    s: Staff,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, Response> {
    let (q, catalog) = list_and_catalog(&state, query).await?;
    let lang = s.lang;
    let rows: Vec<ListRow> = state
        .store
        .listing()
        .matching(&q, s.sites())
        .into_iter()
        .cloned()
        .collect();
    let head = [
        lang.t(text::NAME),
        lang.t(text::PHONE),
        lang.t(text::E_MAIL),
        lang.t(text::JOB),
        lang.t(text::SHIFT),
        lang.t(text::SITE),
        lang.t(text::SOURCE),
        lang.t(text::SIGNED_UP),
        lang.t(text::RECEIVED),
        lang.t(text::STATUS),
        lang.t(text::ASSIGNED_TO),
        lang.t(text::ID),
    ];
    let out = export::csv(
        &head,
        rows.iter().map(|r| {
            [
                r.name.clone(),
                r.phone.clone(),
                r.email.clone(),
                opportunity_title(lang, &catalog, &r.opportunity_id).to_owned(),
                shift_text(lang, &catalog, r.shift_id.as_deref()),
                site_name(&catalog, &r.site_id).to_owned(),
                source_text(lang, &r.source),
                danish_time(&r.created_at),
                danish_time(&r.received_at),
                status_name(lang, &r.status).to_owned(),
                r.assignee.clone(),
                r.id.clone(),
            ]
        }),
    );
    let st = state.clone();
    let (by, detail) = (
        s.username.clone(),
        format!("{} rows; {}", rows.len(), query_string(&q, None)),
    );
    if let Err(e) = blocking(move || Ok(st.store.audit(&by, "export", "signups", &detail)?)).await {
        return Err(e.into_response());
    }
    Ok(private_file(
        out,
        "text/csv; charset=utf-8",
        "tilmeldinger.csv",
    ))
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const WRITE_TO_THESE: Text = ("Skriv til dem", "Write to them");

    pub(super) const SIGNUPS: Text = ("Tilmeldinger", "Signups");
    pub(super) const SEARCH_NAME_E_MAIL: Text = (
        "Søg (navn, e-mail, telefon)",
        "Search (name, e-mail, phone)",
    );
    pub(super) const STATUS: Text = ("Status", "Status");
    pub(super) const ALL: Text = ("Alle", "All");
    pub(super) const JOB: Text = ("Job", "Job");
    pub(super) const SHIFT: Text = ("Vagt", "Shift");
    pub(super) const SITE: Text = ("Sted", "Site");
    pub(super) const SOURCE: Text = ("Kilde", "Source");
    pub(super) const KIOSKS: Text = ("Kiosker", "Kiosks");
    pub(super) const PORTAL: Text = ("Portalen", "Portal");
    pub(super) const FROM_DATE: Text = ("Fra dato", "From date");
    pub(super) const TO_DATE: Text = ("Til dato", "To date");
    pub(super) const SORT: Text = ("Sortér", "Sort");
    pub(super) const NEWEST_FIRST: Text = ("Nyeste først", "Newest first");
    pub(super) const OLDEST_FIRST: Text = ("Ældste først", "Oldest first");
    pub(super) const NAME: Text = ("Navn", "Name");
    pub(super) const SHOW: Text = ("Vis", "Show");
    pub(super) const DOWNLOAD_AS_CSV_EXCEL: Text =
        ("Hent som CSV (Excel)", "Download as CSV (Excel)");
    pub(super) const SIGNUP: Text = ("tilmelding", "signup");
    pub(super) const SIGNUPS_COUNTED: Text = ("tilmeldinger", "signups");
    pub(super) const NO_SIGNUPS_MATCH_THE: Text = (
        "Ingen tilmeldinger passer til søgningen.",
        "No signups match the search.",
    );
    pub(super) const NOT_OPENED: Text = ("(ikke åbnet)", "(not opened)");
    pub(super) const PAGES: Text = ("Sider", "Pages");
    pub(super) const PREVIOUS: Text = ("← Forrige", "← Previous");
    pub(super) const PAGE: Text = ("Side", "Page");
    pub(super) const NEXT: Text = ("Næste →", "Next →");
    pub(super) const PHONE: Text = ("Telefon", "Phone");
    pub(super) const E_MAIL: Text = ("E-mail", "E-mail");
    pub(super) const SIGNED_UP: Text = ("Tilmeldt", "Signed up");
    pub(super) const RECEIVED: Text = ("Modtaget", "Received");
    pub(super) const ASSIGNED_TO: Text = ("Tildelt", "Assigned to");
    pub(super) const ID: Text = ("Id", "Id");
}
