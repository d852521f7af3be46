//! The overview: signups per day, site, job, source and status, as charts with their
//! numbers.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use maud::{Markup, html};

use frivillig_common::domain::Status;

use std::collections::BTreeMap;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::{Lang, secure};
use crate::service::overview;
use crate::service::strategy::{Strategy, strategy};
use crate::store::listing::ListQuery;
use crate::store::listing::ListRow;

use super::page::{
    error_page, layout, opportunity_title, page_catalog, site_name, source_text, status_name,
};
use super::staff::Staff;

/// A horizontal bar chart drawn on the server, with the numbers in a table beside it (the
/// table is what screen readers and copy-paste use; the chart is for the eye).
pub(super) fn bar_chart(lang: Lang, id: &str, title: &str, rows: &[(String, usize)]) -> Markup {
    const BAR: f64 = 320.0;
    const ROW: usize = 26;
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let height = rows.len().max(1) * ROW;
    html! {
        section.chart aria-labelledby=(id) {
            h2 id=(id) { (title) }
            @if rows.is_empty() {
                p { (lang.t(text::NO_SIGNUPS_YET)) }
            } @else {
                div.cols {
                    svg xmlns="http://www.w3.org/2000/svg" width="520" height=(height) role="img" aria-labelledby=(id) {
                        @for (i, (label, n)) in rows.iter().enumerate() {
                            @let y = i * ROW;
                            text x="0" y=(y + 17) font-size="13" fill="#1a1a1a" { (label.chars().take(24).collect::<String>()) }
                            rect x="180" y=(y + 4) width=(format!("{:.1}", BAR * (*n as f64) / max)) height="18" fill="#004b87" {}
                            text x=(format!("{:.1}", 186.0 + BAR * (*n as f64) / max)) y=(y + 17) font-size="13" fill="#1a1a1a" { (n) }
                        }
                    }
                    table {
                        thead { tr { th scope="col" { (title) } th scope="col" { (lang.t(text::COUNT)) } } }
                        tbody { @for (label, n) in rows { tr { td { (label) } td { (n) } } } }
                    }
                }
            }
        }
    }
}

/// `?aar=2026`: the year of the strategy's numbers (this year when left out).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct YearQuery {
    aar: Option<i32>,
}

/// The strategy's numbers for `year` over what `s` may see.
async fn strategy_of(
    state: &AppState,
    s: &Staff,
    catalog: &frivillig_common::domain::Catalog,
    year: i32,
) -> Result<Strategy, Response> {
    let rows: Vec<ListRow> = state
        .store
        .listing()
        .matching(&ListQuery::default(), s.sites())
        .into_iter()
        .cloned()
        .collect();
    let (st, catalog) = (state.clone(), catalog.clone());
    blocking(move || {
        let refs: Vec<&ListRow> = rows.iter().collect();
        Ok(strategy(&st, &catalog, &refs, year)?)
    })
    .await
    .map_err(|e| error_page(s, e))
}

fn hours_rows(
    minutes: &BTreeMap<String, u32>,
    name: &dyn Fn(&str) -> String,
) -> Vec<(String, usize)> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for (id, m) in minutes {
        // Whole hours for the bars; the CSV keeps the minutes.
        *out.entry(name(id)).or_default() += (*m as usize + 30) / 60;
    }
    out.into_iter().collect()
}

/// The strategy's section of the overview.
fn strategy_section(
    lang: Lang,
    catalog: &frivillig_common::domain::Catalog,
    st: &Strategy,
) -> Markup {
    let site = |id: &str| site_name(catalog, id).to_owned();
    let job = |id: &str| opportunity_title(lang, catalog, id).to_owned();
    let active: Vec<(String, usize)> = st
        .active_per_site
        .iter()
        .map(|(k, v)| (site(k), *v))
        .collect();
    let events: Vec<(String, usize)> = st
        .events
        .iter()
        .map(|(k, a)| {
            (
                format!("{} ({} {})", job(k), a.came, lang.pick("kom", "came")),
                a.coming,
            )
        })
        .collect();
    let new: Vec<(String, usize)> = st
        .new_per_source
        .iter()
        .map(|(k, v)| {
            let label = match k.as_str() {
                "kiosk" => lang.pick("Kiosk", "Kiosk"),
                "web" => lang.pick("Portalen", "The portal"),
                _ => lang.pick("Arrangement", "Event"),
            };
            (label.to_owned(), *v)
        })
        .collect();
    let year = st.year;
    html! {
        h2 id="strategy" { (lang.pick("Strategiens opfølgning", "The strategy's follow-up")) " " (year) }
        form method="get" action="/admin/oversigt" {
            label for="f-aar" { (lang.pick("År", "Year")) } " "
            input id="f-aar" name="aar" type="number" value=(year) min="2000" max="2100";
            " " button type="submit" { (lang.pick("Vis", "Show")) }
            " " a href=(format!("/admin/oversigt/strategi.csv?aar={year}")) { (lang.pick("Hent som CSV", "Download as CSV")) }
        }
        (bar_chart(lang, "active-per-site", lang.pick("Aktive frivillige pr. sted", "Active volunteers per site"), &active))
        (bar_chart(lang, "hours-per-site", lang.pick("Timer pr. sted", "Hours per site"), &hours_rows(&st.minutes_per_site, &site)))
        (bar_chart(lang, "hours-per-job", lang.pick("Timer pr. job", "Hours per job"), &hours_rows(&st.minutes_per_job, &job)))
        (bar_chart(lang, "events", lang.pick("Arrangementer: tilmeldte og kom", "Events: registered and came"), &events))
        (bar_chart(lang, "new-per-source", lang.pick("Nye frivillige pr. vej ind", "New volunteers per way in"), &new))
    }
}

/// The strategy's numbers as CSV: section, id, name, value (hours as minutes).
pub(super) async fn strategy_csv(
    State(state): State<AppState>,
    s: Staff,
    Query(q): Query<YearQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let year = q
        .aar
        .unwrap_or_else(|| frivillig_common::offer::glostrup_now().year());
    let st = match strategy_of(&state, &s, &catalog, year).await {
        Ok(st) => st,
        Err(r) => return r,
    };
    let lang = s.lang;
    let y = year.to_string();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut add = |section: &str, id: &str, name: &str, value: String| {
        rows.push(vec![
            section.to_owned(),
            y.clone(),
            id.to_owned(),
            name.to_owned(),
            value,
        ]);
    };
    for (id, n) in &st.active_per_site {
        add(
            "active_volunteers_per_site",
            id,
            site_name(&catalog, id),
            n.to_string(),
        );
    }
    for (id, m) in &st.minutes_per_site {
        add(
            "minutes_per_site",
            id,
            site_name(&catalog, id),
            m.to_string(),
        );
    }
    for (id, m) in &st.minutes_per_job {
        add(
            "minutes_per_job",
            id,
            opportunity_title(lang, &catalog, id),
            m.to_string(),
        );
    }
    for (id, a) in &st.events {
        let name = opportunity_title(lang, &catalog, id);
        add("event_registered", id, name, a.coming.to_string());
        add("event_came", id, name, a.came.to_string());
    }
    for (way, n) in &st.new_per_source {
        add("new_volunteers_per_source", way, way, n.to_string());
    }
    let body = crate::service::export::csv(&["section", "year", "id", "name", "value"], rows);
    crate::http::web::private_file(
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("frivillig-strategi-{year}.csv"),
    )
}

/// Signups per day, site, job, source and status, as charts with their numbers.
pub(super) async fn overview_page(
    State(state): State<AppState>,
    s: Staff,
    Query(q): Query<YearQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = s.lang;
    let counts = {
        let listing = state.store.listing();
        overview::count(&listing.matching(&ListQuery::default(), s.sites()))
    };
    // Rows by the names pages show; two ids with one name (two sites called alike) share a bar.
    let named = |counts: &BTreeMap<String, usize>, name: &dyn Fn(&str) -> String| {
        let mut out: BTreeMap<String, usize> = BTreeMap::new();
        for (id, n) in counts {
            *out.entry(name(id)).or_default() += n;
        }
        out.into_iter().collect::<Vec<_>>()
    };
    let per_day: Vec<(String, usize)> = counts
        .per_day
        .iter()
        .map(|(d, n)| {
            let label = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_or_else(|_| d.clone(), |x| x.format("%d-%m-%Y").to_string());
            (label, *n)
        })
        .collect();
    let per_site = named(&counts.per_site, &|id| site_name(&catalog, id).to_owned());
    let per_job = named(&counts.per_job, &|id| {
        opportunity_title(lang, &catalog, id).to_owned()
    });
    let per_source = named(&counts.per_source, &|id| source_text(lang, id));
    let per_status: Vec<(String, usize)> = Status::ALL
        .iter()
        .filter_map(|st| {
            let n = counts.per_status.get(st.as_str())?;
            Some((status_name(lang, st.as_str()).to_owned(), *n))
        })
        .collect();
    let total = counts.total;
    let year = q
        .aar
        .unwrap_or_else(|| frivillig_common::offer::glostrup_now().year());
    let st = match strategy_of(&state, &s, &catalog, year).await {
        Ok(st) => st,
        Err(r) => return r,
    };
    let title = lang.t(text::OVERVIEW);
    let body = html! {
        p { (total) " " (if total == 1 { lang.t(text::SIGNUP_IN_ALL) } else { lang.t(text::SIGNUPS_IN_ALL) }) }
        (bar_chart(lang, "per-day", lang.t(text::PER_DAY_KIOSK_DATE), &per_day))
        (bar_chart(lang, "per-site", lang.t(text::PER_SITE), &per_site))
        (bar_chart(lang, "per-job", lang.t(text::PER_JOB), &per_job))
        (bar_chart(lang, "per-source", lang.t(text::PER_SOURCE), &per_source))
        (bar_chart(lang, "per-status", lang.t(text::PER_STATUS), &per_status))
        (strategy_section(lang, &catalog, &st))
    };
    secure(layout(lang, Some(&s), title, body))
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const NO_SIGNUPS_YET: Text = ("Ingen tilmeldinger endnu.", "No signups yet.");
    pub(super) const COUNT: Text = ("Antal", "Count");
    pub(super) const OVERVIEW: Text = ("Oversigt", "Overview");
    pub(super) const SIGNUP_IN_ALL: Text = ("tilmelding i alt", "signup in all");
    pub(super) const SIGNUPS_IN_ALL: Text = ("tilmeldinger i alt", "signups in all");
    pub(super) const PER_DAY_KIOSK_DATE: Text = ("Pr. dag (kioskens dato)", "Per day (kiosk date)");
    pub(super) const PER_SITE: Text = ("Pr. sted", "Per site");
    pub(super) const PER_JOB: Text = ("Pr. job", "Per job");
    pub(super) const PER_SOURCE: Text = ("Pr. kilde", "Per source");
    pub(super) const PER_STATUS: Text = ("Pr. status", "Per status");
}
