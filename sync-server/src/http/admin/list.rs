//! The signup list (search, filters, order, pages) and its CSV export for Danish Excel.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::html;

use frivillig_common::domain::Status;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;
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
    let title = lang.pick("Tilmeldinger", "Signups");
    let body = html! {
        form.filters method="get" action="/admin/tilmeldinger" role="search" {
            label { (lang.pick("Søg (navn, e-mail, telefon)", "Search (name, e-mail, phone)"))
                input type="search" name="q" value=(q.q); }
            label { (lang.pick("Status", "Status"))
                select name="status" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[q.status == st.as_str()] { (status_name(lang, st.as_str())) }
                    }
                } }
            label { (lang.pick("Job", "Job"))
                select name="opportunity" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for o in &opportunities {
                        option value=(o.id) selected[q.opportunity == o.id] { (job_title(lang, o)) }
                    }
                } }
            label { (lang.pick("Vagt", "Shift"))
                select name="shift" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for o in opportunities.iter().filter(|o| !o.shifts.is_empty()) {
                        optgroup label=(job_title(lang, o)) {
                            @for sh in &o.shifts {
                                option value=(sh.id) selected[q.shift == sh.id] { (shift_label(lang, &sh.starts, &sh.ends)) }
                            }
                        }
                    }
                } }
            label { (lang.pick("Sted", "Site"))
                select name="site" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for x in &sites {
                        option value=(x.id) selected[q.site == x.id] { (x.name) }
                    }
                } }
            label { (lang.pick("Kilde", "Source"))
                select name="source" {
                    option value="" { (lang.pick("Alle", "All")) }
                    option value="kiosk" selected[q.source == "kiosk"] { (lang.pick("Kiosker", "Kiosks")) }
                    option value="web" selected[q.source == "web"] { (lang.pick("Portalen", "Portal")) }
                } }
            label { (lang.pick("Fra dato", "From date")) input type="date" name="from" value=(q.from); }
            label { (lang.pick("Til dato", "To date")) input type="date" name="to" value=(q.to); }
            label { (lang.pick("Sortér", "Sort"))
                select name="sort" {
                    option value="newest" selected[q.sort == SortBy::Newest] { (lang.pick("Nyeste først", "Newest first")) }
                    option value="oldest" selected[q.sort == SortBy::Oldest] { (lang.pick("Ældste først", "Oldest first")) }
                    option value="name" selected[q.sort == SortBy::Name] { (lang.pick("Navn", "Name")) }
                    option value="status" selected[q.sort == SortBy::Status] { (lang.pick("Status", "Status")) }
                } }
            button type="submit" { (lang.pick("Vis", "Show")) }
            a.button.secondary href=(format!("/admin/tilmeldinger/eksport.csv?{}", query_string(&q, None))) {
                (lang.pick("Hent som CSV (Excel)", "Download as CSV (Excel)")) }
        }
        p role="status" { (page.total) " " (if page.total == 1 { lang.pick("tilmelding", "signup") } else { lang.pick("tilmeldinger", "signups") }) }
        @if page.rows.is_empty() {
            p { (lang.pick("Ingen tilmeldinger passer til søgningen.", "No signups match the search.")) }
        } @else {
            table {
                caption.visually-hidden { (title) }
                (thead(lang, &[("Navn", "Name"), ("Job", "Job"), ("Vagt", "Shift"), ("Sted", "Site"), ("Kilde", "Source"), ("Tilmeldt", "Signed up"), ("Status", "Status")]))
                tbody {
                    @for r in &page.rows {
                        tr {
                            td { a href=(format!("/admin/tilmeldinger/{}", r.id)) {
                                @if r.name.is_empty() { (lang.pick("(ikke åbnet)", "(not opened)")) } @else { (r.name) } } }
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
        nav.pages aria-label=(lang.pick("Sider", "Pages")) {
            @if page.page > 1 {
                a href=(format!("/admin/tilmeldinger?{}", query_string(&q, Some(page.page - 1)))) rel="prev" { (lang.pick("← Forrige", "← Previous")) }
            }
            span { (lang.pick("Side", "Page")) " " (page.page) " / " (page.pages) }
            @if page.page < page.pages {
                a href=(format!("/admin/tilmeldinger?{}", query_string(&q, Some(page.page + 1)))) rel="next" { (lang.pick("Næste →", "Next →")) }
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
        lang.pick("Navn", "Name"),
        lang.pick("Telefon", "Phone"),
        lang.pick("E-mail", "E-mail"),
        lang.pick("Job", "Job"),
        lang.pick("Vagt", "Shift"),
        lang.pick("Sted", "Site"),
        lang.pick("Kilde", "Source"),
        lang.pick("Tilmeldt", "Signed up"),
        lang.pick("Modtaget", "Received"),
        lang.pick("Status", "Status"),
        lang.pick("Tildelt", "Assigned to"),
        lang.pick("Id", "Id"),
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
    let mut r = out.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tilmeldinger.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
