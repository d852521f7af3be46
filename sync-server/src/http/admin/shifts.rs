//! A job's shifts as forms: one shift or a series (weekly, or on chosen weekdays between
//! two dates, with days left out), and moving or cancelling one. A shift with signups is
//! never moved or cancelled at the first click: the page says how many it holds and asks
//! again; the signups stay and are marked for follow-up.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Weekday};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::catalog_check::{Field, Thing};
use frivillig_common::domain::Shift;
use frivillig_common::text::{job_title, shift_label};

use crate::AppState;
use crate::http::web::{Lang, secure};
use crate::service::catalog::CatalogChangeError;
use crate::service::catalog_edit::{add_shifts, cancel_shift, editable, holders, move_shift};
use crate::service::series::{MAX_SERIES, Series, SeriesError, local};

use super::form::{Errors, Kind, checkbox, field, summary};
use super::jobs::{JobForm, editor, job_page_with, not_yours};
use super::page::{error_page, layout, page_catalog};
use super::staff::{Staff, StaffForm};

/// The weekdays as the form names them: field, Danish, English.
const WEEKDAYS: [(&str, &str, &str, Weekday); 7] = [
    ("wd_mon", "mandag", "Monday", Weekday::Mon),
    ("wd_tue", "tirsdag", "Tuesday", Weekday::Tue),
    ("wd_wed", "onsdag", "Wednesday", Weekday::Wed),
    ("wd_thu", "torsdag", "Thursday", Weekday::Thu),
    ("wd_fri", "fredag", "Friday", Weekday::Fri),
    ("wd_sat", "lørdag", "Saturday", Weekday::Sat),
    ("wd_sun", "søndag", "Sunday", Weekday::Sun),
];

/// One shift or a series, as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SeriesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    except: String,
    #[serde(default)]
    wd_mon: Option<String>,
    #[serde(default)]
    wd_tue: Option<String>,
    #[serde(default)]
    wd_wed: Option<String>,
    #[serde(default)]
    wd_thu: Option<String>,
    #[serde(default)]
    wd_fri: Option<String>,
    #[serde(default)]
    wd_sat: Option<String>,
    #[serde(default)]
    wd_sun: Option<String>,
}

session_form!(SeriesForm);

impl SeriesForm {
    fn weekday_on(&self, name: &str) -> bool {
        match name {
            "wd_mon" => self.wd_mon.is_some(),
            "wd_tue" => self.wd_tue.is_some(),
            "wd_wed" => self.wd_wed.is_some(),
            "wd_thu" => self.wd_thu.is_some(),
            "wd_fri" => self.wd_fri.is_some(),
            "wd_sat" => self.wd_sat.is_some(),
            _ => self.wd_sun.is_some(),
        }
    }

    /// The series, or the problems beside their fields.
    fn series(&self, lang: Lang, errors: &mut Errors) -> Option<Series> {
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        let bad_date = lang.pick(
            "Skriv datoen som 2027-01-12.",
            "Write the date as 2027-01-12.",
        );
        let bad_time = lang.pick("Skriv tiden som 15:00.", "Write the time as 15:00.");
        let from = date(&self.from);
        if from.is_none() {
            errors.add("from", bad_date);
        }
        let until = match self.until.trim() {
            "" => from,
            u => {
                let d = date(u);
                if d.is_none() {
                    errors.add("until", bad_date);
                }
                d
            }
        };
        let starts = time(&self.starts);
        if starts.is_none() {
            errors.add("starts", bad_time);
        }
        let ends = time(&self.ends);
        if ends.is_none() {
            errors.add("ends", bad_time);
        }
        let capacity = match self.capacity.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.add(
                    "capacity",
                    lang.pick("Skriv hvor mange, mindst 1.", "Write how many, at least 1."),
                );
                None
            }
        };
        let mut except = Vec::new();
        for word in self
            .except
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
        {
            match date(word) {
                Some(d) => except.push(d),
                None => errors.add("except", format!("{word}: {bad_date}")),
            }
        }
        let weekdays: Vec<Weekday> = WEEKDAYS
            .iter()
            .filter(|(name, ..)| self.weekday_on(name))
            .map(|(.., w)| *w)
            .collect();
        let series = Series {
            from: from?,
            until: until?,
            weekdays,
            starts: starts?,
            ends: ends?,
            capacity: capacity?,
            except,
        };
        if !errors.is_empty() {
            return None;
        }
        match series.days() {
            Ok(_) => Some(series),
            Err(e) => {
                let (name, text) = match e {
                    SeriesError::UntilBeforeFrom => (
                        "until",
                        lang.pick(
                            "Den sidste dag ligger før den første.",
                            "The last day is before the first.",
                        ),
                    ),
                    SeriesError::Empty => (
                        "from",
                        lang.pick(
                            "Ingen af de valgte ugedage ligger mellem de to datoer.",
                            "None of the chosen weekdays falls between the two dates.",
                        ),
                    ),
                    SeriesError::TooMany => (
                        "until",
                        lang.pick(
                            "Det bliver flere end 400 vagter. Del serien op.",
                            "That makes more than 400 shifts. Split the series.",
                        ),
                    ),
                    SeriesError::NoLength => (
                        "ends",
                        lang.pick(
                            "Vagten slutter, når den begynder.",
                            "The shift ends when it starts.",
                        ),
                    ),
                };
                errors.add(name, text);
                None
            }
        }
    }
}

const LABELS: &[(&str, &str)] = &[
    ("from", "Første dag"),
    ("until", "Sidste dag"),
    ("starts", "Fra kl."),
    ("ends", "Til kl."),
    ("capacity", "Pladser"),
    ("except", "Undtagen"),
];

/// The form that adds one shift or a series to job `job_id`.
pub(super) fn series_form(s: &Staff, job_id: &str, v: &SeriesForm, errors: &Errors) -> Markup {
    let lang = s.lang;
    html! {
        (summary(lang, errors, LABELS))
        form method="post" action=(format!("/admin/job/{job_id}/vagter")) novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            (field(errors, "from", lang.pick("Første dag", "First day"), &v.from, Kind::Date, true, None))
            (field(errors, "until", lang.pick("Sidste dag", "Last day"), &v.until, Kind::Date, false,
                Some(lang.pick("Tom for én vagt.", "Empty for one shift."))))
            fieldset {
                legend { (lang.pick("Ugedage (ingen valgt: hver dag)", "Weekdays (none chosen: every day)")) }
                @for (name, da, en, _) in WEEKDAYS { (checkbox(name, lang.pick(da, en), v.weekday_on(name))) }
            }
            (field(errors, "starts", lang.pick("Fra kl.", "From"), &v.starts, Kind::Time, true, None))
            (field(errors, "ends", lang.pick("Til kl.", "Until"), &v.ends, Kind::Time, true,
                Some(lang.pick("Før starttiden betyder næste dag.", "Before the start means the next day."))))
            (field(errors, "capacity", lang.pick("Pladser pr. vagt", "Spots per shift"), &v.capacity, Kind::Number, true, None))
            (field(errors, "except", lang.pick("Undtagen disse datoer", "Except these dates"), &v.except, Kind::Area, false,
                Some(lang.pick("Fx ferie og helligdage, én dato pr. linje som 2027-02-16.", "E.g. holidays, one date per line as 2027-02-16."))))
            p.hint { (format!("{} {MAX_SERIES}.", lang.pick("Højst", "At most"))) }
            button type="submit" { (lang.pick("Tilføj vagterne", "Add the shifts")) }
        }
    }
}

/// Add a shift or a series.
pub(super) async fn post_series(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
    StaffForm(s, f): StaffForm<SeriesForm>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(job) = editable(&catalog, &editor(&s), &job_id) else {
        return not_yours(&s);
    };
    let mut errors = Errors::default();
    if let Some(series) = f.series(s.lang, &mut errors) {
        match add_shifts(&state, &editor(&s), &job_id, series).await {
            Ok(_) => {
                return Redirect::to(&format!("/admin/job/{job_id}?gemt=1#shifts")).into_response();
            }
            Err(CatalogChangeError::Problems(ps)) => {
                for p in ps {
                    errors.add("from", p.text(s.lang));
                }
            }
            Err(CatalogChangeError::Service(crate::service::ServiceError::NotFound)) => {
                return not_yours(&s);
            }
            Err(CatalogChangeError::Service(e)) => return error_page(&s, e),
        }
    }
    let v = JobForm::of(job);
    job_page_with(
        &s,
        &catalog,
        &job_id,
        &v,
        &Errors::default(),
        &f,
        &errors,
        false,
    )
}

/// Moving a shift, as posted (and posted again once confirmed).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    capacity: String,
    /// Set on the confirmation page's button.
    #[serde(default)]
    confirmed: Option<String>,
}

session_form!(MoveForm);

fn move_form_of(sh: &Shift) -> MoveForm {
    let t = |s: &str| DateTime::parse_from_rfc3339(s).ok();
    MoveForm {
        day: t(&sh.starts)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        starts: t(&sh.starts)
            .map(|d| d.format("%H:%M").to_string())
            .unwrap_or_default(),
        ends: t(&sh.ends)
            .map(|d| d.format("%H:%M").to_string())
            .unwrap_or_default(),
        capacity: sh.capacity.to_string(),
        ..MoveForm::default()
    }
}

fn shift_page(
    s: &Staff,
    title: &str,
    job_id: &str,
    sh: &Shift,
    v: &MoveForm,
    errors: &Errors,
    held: usize,
) -> Response {
    let lang = s.lang;
    let base = format!("/admin/job/{job_id}/vagter/{}", sh.id);
    let body = html! {
        p { a href=(format!("/admin/job/{job_id}")) { "‹ " (title) } }
        p { (shift_label(lang, &sh.starts, &sh.ends)) ", " (sh.capacity) " " (lang.pick("pladser", "spots")) ". "
            (held) " " (lang.pick("tilmeldt.", "signed up.")) }
        section aria-labelledby="move" {
            h2 id="move" { (lang.pick("Flyt vagten", "Move the shift")) }
            (summary(lang, errors, &[("day", "Dag"), ("starts", "Fra kl."), ("ends", "Til kl."), ("capacity", "Pladser")]))
            form method="post" action=(format!("{base}/flyt")) novalidate {
                input type="hidden" name="csrf" value=(s.session.csrf);
                (field(errors, "day", lang.pick("Dag", "Day"), &v.day, Kind::Date, true, None))
                (field(errors, "starts", lang.pick("Fra kl.", "From"), &v.starts, Kind::Time, true, None))
                (field(errors, "ends", lang.pick("Til kl.", "Until"), &v.ends, Kind::Time, true, None))
                (field(errors, "capacity", lang.pick("Pladser", "Spots"), &v.capacity, Kind::Number, true, None))
                button type="submit" { (lang.pick("Flyt vagten", "Move the shift")) }
            }
        }
        section aria-labelledby="cancel" {
            h2 id="cancel" { (lang.pick("Aflys vagten", "Cancel the shift")) }
            form method="post" action=(format!("{base}/aflys")) {
                input type="hidden" name="csrf" value=(s.session.csrf);
                button.danger type="submit" { (lang.pick("Aflys vagten", "Cancel the shift")) }
            }
        }
    };
    let mut r = secure(layout(lang, Some(s), lang.pick("Vagt", "Shift"), body));
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// Look up job and shift for this person, and how many signups hold the shift, or the page
/// to show instead.
async fn job_and_shift(
    state: &AppState,
    s: &Staff,
    job_id: &str,
    shift_id: &str,
) -> Result<(String, Shift, usize), Response> {
    let catalog = page_catalog(state).await?;
    let job = editable(&catalog, &editor(s), job_id).map_err(|_| not_yours(s))?;
    let sh = job
        .shifts
        .iter()
        .find(|x| x.id == shift_id)
        .cloned()
        .ok_or_else(|| not_yours(s))?;
    // Not knowing how many hold the shift is no reason to move it without asking.
    let held = holders(state, shift_id)
        .await
        .map_err(|e| error_page(s, e))?;
    Ok((job_title(s.lang, job).to_owned(), sh, held))
}

/// A shift's page: move it or cancel it.
pub(super) async fn shift_page_get(
    State(state): State<AppState>,
    s: Staff,
    Path((job_id, shift_id)): Path<(String, String)>,
) -> Response {
    let (title, sh, held) = match job_and_shift(&state, &s, &job_id, &shift_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    shift_page(
        &s,
        &title,
        &job_id,
        &sh,
        &move_form_of(&sh),
        &Errors::default(),
        held,
    )
}

/// "This shift holds N signups": the page that asks before a move or a cancellation.
fn confirm_page(
    s: &Staff,
    action: &str,
    v: &MoveForm,
    held: usize,
    what: &str,
    button: &str,
) -> Response {
    let lang = s.lang;
    let body = html! {
        p role="alert" { (held) " " (lang.pick(
            "har tilmeldt sig vagten. Deres tilmeldinger bliver stående og markeres til opfølgning, og de får besked, hvis de har givet en e-mail.",
            "have signed up for the shift. Their signups stay and are marked for follow-up, and they are told if they gave an e-mail address.")) }
        p { (what) }
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(s.session.csrf);
            input type="hidden" name="day" value=(v.day);
            input type="hidden" name="starts" value=(v.starts);
            input type="hidden" name="ends" value=(v.ends);
            input type="hidden" name="capacity" value=(v.capacity);
            input type="hidden" name="confirmed" value="ja";
            button type="submit" { (button) }
        }
    };
    let mut r = secure(layout(
        lang,
        Some(s),
        lang.pick("Er du sikker?", "Are you sure?"),
        body,
    ));
    *r.status_mut() = StatusCode::CONFLICT;
    r
}

/// Move a shift (asking first when it holds signups).
pub(super) async fn post_move(
    State(state): State<AppState>,
    Path((job_id, shift_id)): Path<(String, String)>,
    StaffForm(s, f): StaffForm<MoveForm>,
) -> Response {
    let lang = s.lang;
    let (title, sh, held) = match job_and_shift(&state, &s, &job_id, &shift_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let day = NaiveDate::parse_from_str(f.day.trim(), "%Y-%m-%d").ok();
    let starts = NaiveTime::parse_from_str(f.starts.trim(), "%H:%M").ok();
    let ends = NaiveTime::parse_from_str(f.ends.trim(), "%H:%M").ok();
    let capacity = f.capacity.trim().parse::<u32>().ok().filter(|n| *n >= 1);
    if day.is_none() {
        errors.add(
            "day",
            lang.pick(
                "Skriv datoen som 2027-01-12.",
                "Write the date as 2027-01-12.",
            ),
        );
    }
    if starts.is_none() {
        errors.add(
            "starts",
            lang.pick("Skriv tiden som 15:00.", "Write the time as 15:00."),
        );
    }
    if ends.is_none() {
        errors.add(
            "ends",
            lang.pick("Skriv tiden som 17:00.", "Write the time as 17:00."),
        );
    }
    if capacity.is_none() {
        errors.add(
            "capacity",
            lang.pick("Skriv hvor mange, mindst 1.", "Write how many, at least 1."),
        );
    }
    let (Some(day), Some(a), Some(b), Some(capacity)) = (day, starts, ends, capacity) else {
        return shift_page(&s, &title, &job_id, &sh, &f, &errors, held);
    };
    let end_day = if b < a {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let moved = Shift {
        id: sh.id.clone(),
        starts: local(day, a),
        ends: local(end_day, b),
        capacity,
    };
    let times_change = moved.starts != sh.starts || moved.ends != sh.ends;
    if held > 0 && times_change && f.confirmed.is_none() {
        let what = format!(
            "{} → {}",
            shift_label(lang, &sh.starts, &sh.ends),
            shift_label(lang, &moved.starts, &moved.ends)
        );
        return confirm_page(
            &s,
            &format!("/admin/job/{job_id}/vagter/{shift_id}/flyt"),
            &f,
            held,
            &what,
            lang.pick("Ja, flyt vagten", "Yes, move the shift"),
        );
    }
    match move_shift(&state, &editor(&s), &job_id, moved).await {
        Ok(_) => Redirect::to(&format!("/admin/job/{job_id}?gemt=1#shifts")).into_response(),
        Err(CatalogChangeError::Problems(ps)) => {
            for p in ps {
                let name = match (p.thing, p.field) {
                    (Thing::Shift, Field::Capacity) => "capacity",
                    (Thing::Shift, Field::Starts) => "starts",
                    _ => "ends",
                };
                errors.add(name, p.text(lang));
            }
            shift_page(&s, &title, &job_id, &sh, &f, &errors, held)
        }
        Err(CatalogChangeError::Service(crate::service::ServiceError::NotFound)) => not_yours(&s),
        Err(CatalogChangeError::Service(e)) => error_page(&s, e),
    }
}

/// Cancel a shift (asking first when it holds signups).
pub(super) async fn post_cancel(
    State(state): State<AppState>,
    Path((job_id, shift_id)): Path<(String, String)>,
    StaffForm(s, f): StaffForm<MoveForm>,
) -> Response {
    let lang = s.lang;
    let (_, sh, held) = match job_and_shift(&state, &s, &job_id, &shift_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if held > 0 && f.confirmed.is_none() {
        let what = shift_label(lang, &sh.starts, &sh.ends);
        return confirm_page(
            &s,
            &format!("/admin/job/{job_id}/vagter/{shift_id}/aflys"),
            &f,
            held,
            &what,
            lang.pick("Ja, aflys vagten", "Yes, cancel the shift"),
        );
    }
    match cancel_shift(&state, &editor(&s), &job_id, &shift_id).await {
        Ok(_) => Redirect::to(&format!("/admin/job/{job_id}?gemt=1#shifts")).into_response(),
        Err(CatalogChangeError::Service(crate::service::ServiceError::NotFound)) => not_yours(&s),
        Err(e) => error_page(&s, crate::service::ServiceError::from(e)),
    }
}
