//! Events (theme meetings, the volunteer party): the list, an event's page with its
//! registrations and invitations (accepted, declined, no answer), the invitation form with
//! its count and preview, and the one reminder. An event is edited with the job form (it is
//! a catalog entry with event fields); inviting is for admins, who see every site.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::domain::{Audience, Catalog, EventKind, Opportunity};
use frivillig_common::text::job_title;

use crate::AppState;
use crate::http::web::{Lang, secure};
use crate::service::invitations::{self, Audience as Reach, Who};
use crate::service::mail::invitation::event_place_and_time;
use crate::store::listing::ListQuery;

use super::jobs::{editor, not_yours};
use super::page::{error_page, layout, page_catalog};
use super::staff::{Admin, AdminForm, Staff};

fn kind_label(lang: Lang, o: &Opportunity) -> &'static str {
    o.event.as_ref().map_or("", |e| e.kind.name(lang))
}

/// Every event this person may see, soonest first, with links to make new ones.
pub(super) async fn events_page(State(state): State<AppState>, s: Staff) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (lang, ed) = (s.lang, editor(&s));
    let mut events = catalog.events_by_time();
    events.retain(|o| ed.may_edit(&o.site_id));
    let body = html! {
        p { (lang.pick("Temamøder, frivilligfesten og andre arrangementer. Et arrangement redigeres som et job; dets tid og pladser er dets vagt.", "Theme meetings, the volunteer party and other events. An event is edited like a job; its time and places are its shift.")) }
        ul.actions { @for k in EventKind::ALL {
            li { a.button href=(format!("/admin/job/ny?arrangement={}", k.as_str())) { (lang.pick("Nyt", "New")) " " (k.name(lang).to_lowercase()) } }
        } }
        @if events.is_empty() { p { (lang.pick("Ingen arrangementer endnu.", "No events yet.")) } }
        @else {
            table {
                thead { tr { th scope="col" { (lang.pick("Arrangement", "Event")) } th scope="col" { (lang.pick("Slags", "Kind")) } th scope="col" { (lang.pick("Hvornår", "When")) } th scope="col" { (lang.pick("Hvem", "Who")) } } }
                tbody { @for o in &events {
                    @let (_, when) = event_place_and_time(&catalog, o, lang);
                    tr {
                        td { a href=(format!("/admin/arrangementer/{}", o.id)) { (job_title(lang, o)) } }
                        td { (kind_label(lang, o)) }
                        td { (when) }
                        td { (audience_label(lang, o)) }
                    }
                } }
            }
        }
    };
    secure(layout(
        lang,
        Some(&s),
        lang.pick("Arrangementer", "Events"),
        body,
    ))
}

fn audience_label(lang: Lang, o: &Opportunity) -> &'static str {
    match o.event.as_ref().map(|e| e.audience) {
        Some(Audience::Invited) => lang.pick("Kun inviterede", "By invitation"),
        _ => lang.pick("Åbent for alle", "Open to all"),
    }
}

/// The catalog and the event `id` in it, if this person may see it; else the page to show
/// ("not found", or the catalog's error).
async fn visible_event(
    state: &AppState,
    s: &Staff,
    id: &str,
) -> Result<(Catalog, Opportunity), Response> {
    let catalog = page_catalog(state).await?;
    let event = invitations::event(&catalog, id)
        .ok()
        .filter(|o| editor(s).may_edit(&o.site_id))
        .cloned()
        .ok_or_else(|| not_yours(s))?;
    Ok((catalog, event))
}

/// `?sendt=N` or `?paamindet=N` after a send.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Done {
    sendt: Option<usize>,
    paamindet: Option<usize>,
}

/// One event: its facts, its registrations, and its invitations with their answers.
pub(super) async fn event_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let (catalog, o) = match visible_event(&state, &s, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let o = &o;
    let invited = match invitations::invited(&state, &id).await {
        Ok(i) => i,
        Err(e) => return error_page(&s, e),
    };
    let lang = s.lang;
    let registered: Vec<_> = state
        .store
        .listing()
        .matching(
            &ListQuery {
                opportunity: id.clone(),
                ..ListQuery::default()
            },
            s.sites(),
        )
        .into_iter()
        .filter(|r| r.status != "withdrawn" && r.status != "declined")
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    let yes = invited
        .iter()
        .filter(|i| i.answer.as_ref().is_some_and(|a| a.coming))
        .count();
    let no = invited
        .iter()
        .filter(|i| i.answer.as_ref().is_some_and(|a| !a.coming))
        .count();
    let waiting = invited.len() - yes - no;
    let to_remind = invited
        .iter()
        .filter(|i| i.answer.is_none() && i.reminded_at.is_none())
        .count();
    let (place, when) = event_place_and_time(&catalog, o, lang);
    let capacity: u32 = o.shifts.iter().map(|x| x.capacity).sum();
    let body = html! {
        @if let Some(n) = done.sendt { p.ok role="status" { (n) " " (lang.pick("invitationer er sendt.", "invitations were sent.")) } }
        @if let Some(n) = done.paamindet { p.ok role="status" { (n) " " (lang.pick("påmindelser er sendt.", "reminders were sent.")) } }
        dl {
            dt { (lang.pick("Slags", "Kind")) } dd { (kind_label(lang, o)) }
            dt { (lang.pick("Hvornår", "When")) } dd { @if when.is_empty() { (lang.pick("Ingen tid endnu: tilføj en vagt på arrangementets side.", "No time yet: add a shift on the event's page.")) } @else { (when) } }
            dt { (lang.pick("Hvor", "Where")) } dd { (place) }
            dt { (lang.pick("Pladser", "Places")) } dd { (capacity) }
            dt { (lang.pick("Hvem må komme", "Who may come")) } dd { (audience_label(lang, o)) }
            @if let Some(d) = o.event.as_ref().and_then(|e| e.register_until.as_deref()) {
                dt { (lang.pick("Tilmelding senest", "Register by")) } dd { (d) }
            }
        }
        p { a href=(format!("/admin/job/{}", o.id)) { (lang.pick("Redigér arrangementet og dets tid", "Edit the event and its time")) } }
        h2 { (lang.pick("Tilmeldte", "Registered")) " (" (registered.len()) ")" }
        @if registered.is_empty() { p { (lang.pick("Ingen tilmeldinger endnu.", "No registrations yet.")) } }
        @else { ul { @for (sid, name) in &registered { li { a href=(format!("/admin/tilmeldinger/{sid}")) { (if name.is_empty() { sid.as_str() } else { name.as_str() }) } } } } }
        h2 { (lang.pick("Invitationer", "Invitations")) }
        p id="answers" { (format!("{}: {yes} · {}: {no} · {}: {waiting}", lang.pick("Kommer", "Accepted"), lang.pick("Kommer ikke", "Declined"), lang.pick("Intet svar", "No answer"))) }
        @if !invited.is_empty() {
            table {
                thead { tr { th scope="col" { (lang.pick("Navn", "Name")) } th scope="col" { (lang.pick("E-mail", "E-mail")) } th scope="col" { (lang.pick("Svar", "Answer")) } } }
                tbody { @for i in &invited {
                    tr { td { (i.name) } td { (i.email) } td { (match &i.answer {
                        Some(a) if a.coming => lang.pick("Kommer", "Coming"),
                        Some(_) => lang.pick("Kommer ikke", "Not coming"),
                        None if i.reminded_at.is_some() => lang.pick("Intet svar (påmindet)", "No answer (reminded)"),
                        None => lang.pick("Intet svar", "No answer"),
                    }) } }
                } }
            }
        }
        @if s.is_admin() {
            p { a.button href=(format!("/admin/arrangementer/{}/inviter", o.id)) { (lang.pick("Invitér", "Invite")) } }
            @if to_remind > 0 {
                form method="post" action=(format!("/admin/arrangementer/{}/paamind", o.id)) {
                    input type="hidden" name="csrf" value=(s.session.csrf);
                    button type="submit" { (lang.pick("Send én påmindelse til dem uden svar", "Send one reminder to those who have not answered")) " (" (to_remind) ")" }
                }
            }
        }
    };
    secure(layout(lang, Some(&s), job_title(lang, o), body))
}

/// Whom to invite, as the form sends it (in the query string to look, in the body to send).
/// Sites and jobs are checkboxes named `site:ID` and `job:ID`.
#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    /// `aktive`, `nyheder` or `ambassadoerer`.
    #[serde(default)]
    hvem: String,
    #[serde(default)]
    fra: String,
    #[serde(default)]
    til: String,
    /// Hours this year at least, for `hvem=timer`.
    #[serde(default)]
    timer: String,
    #[serde(flatten)]
    chosen: HashMap<String, String>,
}

session_form!(InviteForm);

impl InviteForm {
    fn who(&self) -> Who {
        let picked = |prefix: &str| -> Vec<String> {
            let mut v: Vec<String> = self
                .chosen
                .keys()
                .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
                .collect();
            v.sort();
            v
        };
        let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        match self.hvem.as_str() {
            "nyheder" => Who::News,
            "timer" => Who::Hours {
                at_least_minutes: crate::service::hours::typed_minutes(&self.timer).unwrap_or(0),
            },
            "ambassadoerer" => Who::Ambassadors,
            _ => Who::Active {
                sites: picked("site:"),
                jobs: picked("job:"),
                from: day(&self.fra),
                until: day(&self.til),
            },
        }
    }

    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="hvem" value=(self.hvem);
            input type="hidden" name="fra" value=(self.fra);
            input type="hidden" name="til" value=(self.til);
            input type="hidden" name="timer" value=(self.timer);
            @for k in self.chosen.keys().filter(|k| k.starts_with("site:") || k.starts_with("job:")) {
                input type="hidden" name=(k) value="ja";
            }
        }
    }
}

fn who_form(lang: Lang, catalog: &Catalog, action: &str, f: &InviteForm) -> Markup {
    let hvem = if f.hvem.is_empty() {
        "aktive"
    } else {
        f.hvem.as_str()
    };
    let radio = |value: &'static str, label: &str| {
        html! {
            p.field { input id=(format!("hvem-{value}")) type="radio" name="hvem" value=(value) checked[hvem == value]; " " label for=(format!("hvem-{value}")) { (label) } }
        }
    };
    html! {
        form method="get" action=(action) {
            fieldset {
                legend { (lang.pick("Hvem skal inviteres?", "Whom to invite?")) }
                (radio("aktive", lang.pick("Aktive frivillige (vælg steder, job og periode herunder)", "Active volunteers (choose sites, jobs and period below)")))
                (radio("timer", lang.pick("Frivillige med mindst så mange timer i år:", "Volunteers with at least this many hours this year:")))
                p.field { label for="f-timer" { (lang.pick("Timer i år, mindst", "Hours this year, at least")) } " " input id="f-timer" name="timer" inputmode="decimal" size="5" value=(f.timer); }
                (radio("nyheder", lang.pick("Alle, der har sagt ja til nyheder", "Everyone who opted in to news")))
                (radio("ambassadoerer", lang.pick("Ambassadørerne", "The ambassadors")))
            }
            fieldset {
                legend { (lang.pick("Steder (ingen valgt: alle)", "Sites (none chosen: all)")) }
                @for site in &catalog.sites {
                    @let name = format!("site:{}", site.id);
                    p.field { input id=(name) type="checkbox" name=(name) value="ja" checked[f.chosen.contains_key(&name)]; " " label for=(name) { (site.name) } }
                }
            }
            fieldset {
                legend { (lang.pick("Job (ingen valgt: alle)", "Jobs (none chosen: all)")) }
                @for o in catalog.opportunities.iter().filter(|o| o.event.is_none()) {
                    @let name = format!("job:{}", o.id);
                    p.field { input id=(name) type="checkbox" name=(name) value="ja" checked[f.chosen.contains_key(&name)]; " " label for=(name) { (job_title(lang, o)) } }
                }
            }
            p.field { label for="f-fra" { (lang.pick("Fra (dato)", "From (date)")) } input id="f-fra" type="date" name="fra" value=(f.fra); }
            p.field { label for="f-til" { (lang.pick("Til og med (dato)", "Until (date)")) } input id="f-til" type="date" name="til" value=(f.til); }
            button type="submit" { (lang.pick("Vis modtagere og invitation", "Show recipients and invitation")) }
        }
    }
}

/// The invitation form; with a choice made, how many it reaches, who needs a call, and the
/// message as the first gets it, with the button that sends.
pub(super) async fn invite_page(
    State(state): State<AppState>,
    Admin(s): Admin,
    Path(id): Path<String>,
    Query(f): Query<InviteForm>,
) -> Response {
    let (catalog, o) = match visible_event(&state, &s, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let o = &o;
    let lang = s.lang;
    let action = format!("/admin/arrangementer/{id}/inviter");
    let looked = !f.hvem.is_empty();
    let reach = if looked {
        match invitations::audience(&state, &id, &f.who()).await {
            Ok(r) => Some(r),
            Err(e) => return error_page(&s, e),
        }
    } else {
        None
    };
    let body = html! {
        (who_form(lang, &catalog, &action, &f))
        @if let Some(r) = &reach { (reach_markup(&state, &s, &catalog, o, &action, &f, r)) }
    };
    let title = format!("{}: {}", lang.pick("Invitér", "Invite"), job_title(lang, o));
    secure(layout(lang, Some(&s), &title, body))
}

fn reach_markup(
    state: &AppState,
    s: &Staff,
    catalog: &Catalog,
    o: &Opportunity,
    action: &str,
    f: &InviteForm,
    r: &Reach,
) -> Markup {
    let lang = s.lang;
    let preview = invitations::preview(state, catalog, o, r);
    html! {
        h2 { (lang.pick("Modtagere", "Recipients")) }
        p id="reach" role="status" {
            strong { (r.by_mail.len()) " " (lang.pick("får invitationen på e-mail.", "get the invitation by e-mail.")) }
            @if r.already > 0 { " " (r.already) " " (lang.pick("er inviteret i forvejen.", "are invited already.")) }
            @if r.said_no > 0 { " " (r.said_no) " " (lang.pick("har frabedt sig invitationer og får ingen.", "said no to invitations and get none.")) }
        }
        @if !r.by_phone.is_empty() {
            h3 { (lang.pick("Uden e-mail: ring til dem", "Without e-mail: call them")) }
            ul { @for p in &r.by_phone { li { (p.name) ", " (p.phone) } } }
        }
        @if let Some(m) = preview {
            h3 { (lang.pick("Sådan ser invitationen ud", "What the invitation looks like")) }
            p { strong { (m.subject) } }
            pre.preview { (m.body) }
        }
        @if !r.by_mail.is_empty() {
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(s.session.csrf);
                (f.hidden())
                button type="submit" { (lang.pick("Send invitationen til", "Send the invitation to")) " " (r.by_mail.len()) }
            }
        }
    }
}

/// Back to the event's page, saying what was done (`sendt=N`, `paamindet=N`), or the error.
fn done(
    s: &Staff,
    id: &str,
    what: &str,
    n: Result<usize, crate::service::ServiceError>,
) -> Response {
    match n {
        Ok(n) => Redirect::to(&format!("/admin/arrangementer/{id}?{what}={n}")).into_response(),
        Err(e) => error_page(s, e),
    }
}

/// Send the invitations (the audience worked out again, here, now).
pub(super) async fn post_invite(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(s, f): AdminForm<InviteForm>,
) -> Response {
    if let Err(r) = visible_event(&state, &s, &id).await {
        return r;
    }
    let sent = invitations::send(&state, &id, &f.who(), &s.username).await;
    done(&s, &id, "sendt", sent)
}

/// The form that sends reminders carries only its token.
#[derive(Debug, Default, Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    csrf: String,
}

session_form!(RemindForm);

/// Send the one reminder to those who have not answered.
pub(super) async fn post_remind(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(s, _): AdminForm<RemindForm>,
) -> Response {
    if let Err(r) = visible_event(&state, &s, &id).await {
        return r;
    }
    let reminded = invitations::remind(&state, &id, &s.username).await;
    done(&s, &id, "paamindet", reminded)
}
