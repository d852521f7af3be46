//! The review queues: possible duplicates and overbooked shifts.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;
use crate::store::listing::{ListQuery, ListRow};
use frivillig_common::text::shift_label;

use super::page::{
    SavedQuery, danish_time, error_page, layout, opportunity_title, page_catalog, source_text,
    thead,
};
use super::signup::visible_signup;
use super::staff::{Staff, StaffForm, unreadable};

/// Possible duplicates and overbooked shifts.
pub(super) async fn queues_page(
    State(state): State<AppState>,
    s: Staff,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = s.lang;
    let st = state.clone();
    let decisions = match blocking(move || Ok(st.store.pair_decisions()?)).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    // The comparisons run on a blocking thread: the list can be long, and the async
    // workers serve the kiosks.
    let (st, sites) = (state.clone(), s.sites().map(<[String]>::to_vec));
    let computed = blocking(move || {
        let listing = st.store.listing();
        let rows = listing.matching(&ListQuery::default(), sites.as_deref());
        let pairs = crate::service::review::duplicate_pairs(&rows);
        let overbooked = crate::service::review::overbooked(&catalog, &rows);
        let late = crate::service::review::late_signups(&catalog, &rows);
        let marks: Vec<_> = st
            .store
            .follow_ups()?
            .into_iter()
            .filter_map(|(id, f)| rows.iter().find(|r| r.id == id).map(|r| ((*r).clone(), f)))
            .collect();
        let wanted: std::collections::BTreeSet<&str> = pairs
            .iter()
            .flat_map(|(a, b)| [a.as_str(), b.as_str()])
            .collect();
        let by_id: std::collections::HashMap<String, ListRow> = rows
            .iter()
            .filter(|r| wanted.contains(r.id.as_str()))
            .map(|r| (r.id.clone(), (*r).clone()))
            .collect();
        Ok((pairs, overbooked, late, marks, by_id, catalog))
    })
    .await;
    let (pairs, overbooked, late, marks, by_id, catalog) = match computed {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let open: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(a, b)| !decisions.contains_key(&crate::service::review::pair_key(a, b)))
        .collect();
    let decided: Vec<(&(String, String), &crate::service::review::PairDecision)> = pairs
        .iter()
        .filter_map(|p| {
            decisions
                .get(&crate::service::review::pair_key(&p.0, &p.1))
                .map(|d| (p, d))
        })
        .collect();
    let csrf = s.session.csrf.clone();
    let person = |id: &str| -> Markup {
        match by_id.get(id) {
            Some(r) => html! {
                a href=(format!("/admin/tilmeldinger/{id}")) { (r.name) }
                br; (r.email) " · " (r.phone)
                br; (opportunity_title(lang, &catalog, &r.opportunity_id)) ", " (source_text(lang, &r.source)) ", " (danish_time(&r.created_at))
            },
            None => html! { (id) },
        }
    };
    let pair_form = |a: &str, b: &str, decision: &str, label: &str, class: &str| -> Markup {
        html! {
            form.inline method="post" action="/admin/koer/dublet" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="a" value=(a);
                input type="hidden" name="b" value=(b);
                input type="hidden" name="decision" value=(decision);
                button class=(class) type="submit" { (label) }
            }
        }
    };
    let title = lang.t(text::TO_REVIEW);
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.t(text::THE_CHANGE_IS_SAVED)) } }
        section aria-labelledby="dupes" {
            h2 id="dupes" { (lang.t(text::POSSIBLE_DUPLICATES)) }
            p.hint { (lang.t(text::THE_SAME_E_MAIL)) }
            @if open.is_empty() {
                p { (lang.t(text::NO_SUGGESTIONS_RIGHT_NOW)) }
            } @else {
                table {
                    (thead(lang, &[("Tilmelding", "Signup"), ("Mulig dublet", "Possible duplicate"), ("Afgørelse", "Decision")]))
                    tbody { @for (a, b) in &open { tr {
                        td { (person(a)) } td { (person(b)) }
                        td {
                            (pair_form(a, b, "linked", lang.t(text::SAME_PERSON), ""))
                            " " (pair_form(a, b, "dismissed", lang.t(text::NOT_THE_SAME), "secondary"))
                        }
                    } } }
                }
            }
            @if !decided.is_empty() {
                h3 { (lang.t(text::DECIDED)) }
                table {
                    (thead(lang, &[("Tilmelding", "Signup"), ("Mulig dublet", "Possible duplicate"), ("Afgørelse", "Decision")]))
                    tbody { @for ((a, b), d) in &decided { tr {
                        td { (person(a)) } td { (person(b)) }
                        td {
                            (if d.decision == "linked" { lang.t(text::SAME_PERSON) } else { lang.t(text::NOT_THE_SAME) })
                            " (" (d.by) ", " (danish_time(&d.at)) ") "
                            (pair_form(a, b, "undo", lang.t(text::UNDO), "secondary"))
                        }
                    } } }
                }
            }
        }
        section aria-labelledby="overbooked" {
            h2 id="overbooked" { (lang.t(text::OVERBOOKED_SHIFTS)) }
            @if overbooked.is_empty() {
                p { (lang.t(text::NO_SHIFT_HAS_MORE)) }
            }
            @for o in &overbooked {
                h3 { (opportunity_title(lang, &catalog, &o.opportunity_id)) ", " (shift_label(lang, &o.starts, &o.ends)) }
                p { (o.holders.len()) " " (lang.t(text::SIGNED_UP_FOR)) " " (o.capacity) " " (lang.t(text::SPOTS_THE_LATEST_ARE)) }
                table {
                    (thead(lang, &[("Navn", "Name"), ("Kilde", "Source"), ("Tilmeldt", "Signed up"), ("Forslag", "Suggestion")]))
                    tbody { @for r in o.suggested() { tr {
                        td { a href=(format!("/admin/tilmeldinger/{}", r.id)) { (r.name) } }
                        td { (source_text(lang, &r.source)) }
                        td { (danish_time(&r.created_at)) }
                        td {
                            form.inline method="post" action=(format!("/admin/tilmeldinger/{}/status", r.id)) {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="status" value="waitlisted";
                                input type="hidden" name="tilbage" value="/admin/koer";
                                button type="submit" { (lang.t(text::MOVE_TO_WAITING_LIST)) }
                            }
                        }
                    } } }
                }
            }
        }
        (super::follow_up::section(lang, &marks))
        section aria-labelledby="late" {
            h2 id="late" { (lang.t(text::AFTER_THE_SHIFT)) }
            p.hint { (lang.t(text::AFTER_THE_SHIFT_HINT)) }
            @if late.is_empty() {
                p { (lang.t(text::NONE_LATE)) }
            } @else {
                table {
                    (thead(lang, &[("Navn", "Name"), ("Vagt", "Shift"), ("Kilde", "Source"), ("Tilmeldt", "Signed up"), ("Modtaget", "Received"), ("Hvorfor", "Why")]))
                    tbody { @for l in &late { tr {
                        td { a href=(format!("/admin/tilmeldinger/{}", l.row.id)) { (l.row.name) } }
                        td { (opportunity_title(lang, &catalog, &l.row.opportunity_id)) ", " (shift_label(lang, &l.starts, &l.ends)) }
                        td { (source_text(lang, &l.row.source)) }
                        td { (danish_time(&l.row.created_at)) }
                        td { (danish_time(&l.row.received_at)) }
                        td { (lang.t(late_text(l.why))) }
                    } } }
                }
            }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// Why a signup is on the "after the shift" list, in words.
pub(super) fn late_text(why: crate::service::review::Late) -> frivillig_common::text::Text {
    match why {
        crate::service::review::Late::TakenAfterStart => text::TAKEN_AFTER_START,
        crate::service::review::Late::ArrivedAfterEnd => text::ARRIVED_AFTER_END,
    }
}

/// A decision on a suggested pair, as posted.
#[derive(Debug, Default, Deserialize)]
pub struct PairForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    decision: String,
}

session_form!(PairForm);

pub(super) async fn post_pair(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<PairForm>,
) -> Response {
    let decision = match f.decision.as_str() {
        "linked" => Some("linked"),
        "dismissed" => Some("dismissed"),
        "undo" => None,
        _ => return unreadable(&s, StatusCode::BAD_REQUEST),
    };
    // Both signups must be ones this person may see.
    for id in [&f.a, &f.b] {
        if let Err(r) = visible_signup(&state, &s, id).await {
            return r;
        }
    }
    if f.a == f.b {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    let st = state.clone();
    let by = s.username.clone();
    let result = blocking(move || {
        st.store.decide_pair(&f.a, &f.b, decision, &by)?;
        st.store.audit(
            &by,
            "duplicate",
            &crate::service::review::pair_key(&f.a, &f.b),
            decision.unwrap_or("undo"),
        )?;
        Ok(())
    })
    .await;
    if let Err(e) = result {
        return error_page(&s, e);
    }
    Redirect::to("/admin/koer?gemt=1").into_response()
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const TO_REVIEW: Text = ("Til gennemsyn", "To review");
    pub(super) const AFTER_THE_SHIFT: Text = (
        "Tilmeldt efter vagtens start",
        "Signed up after the shift began",
    );
    pub(super) const AFTER_THE_SHIFT_HINT: Text = (
        "Nye tilmeldinger, der blev taget efter vagtens start, eller som først nåede serveren efter vagtens slutning (en kiosk uden net eller med forkert ur). De er gemt som alle andre; kontakt personen, og ret status.",
        "New signups taken after the shift began, or that reached the server only after it ended (a kiosk without a connection or with a wrong clock). They are kept like any other; contact the person and set the status.",
    );
    pub(super) const NONE_LATE: Text = (
        "Ingen tilmeldinger kom for sent.",
        "No signups came too late.",
    );
    pub(super) const TAKEN_AFTER_START: Text =
        ("Taget efter vagtens start", "Taken after the shift began");
    pub(super) const ARRIVED_AFTER_END: Text = (
        "Nåede serveren efter vagtens slutning",
        "Reached the server after the shift ended",
    );
    pub(super) const THE_CHANGE_IS_SAVED: Text = ("Ændringen er gemt.", "The change is saved.");
    pub(super) const POSSIBLE_DUPLICATES: Text = ("Mulige dubletter", "Possible duplicates");
    pub(super) const THE_SAME_E_MAIL: Text = (
        "Samme e-mail eller telefonnummer og et navn, der ligner. Kæd dem sammen, hvis det er samme person, eller afvis forslaget; begge dele kan fortrydes.",
        "The same e-mail or phone number and a similar name. Link them if it is the same person, or dismiss the suggestion; either can be undone.",
    );
    pub(super) const NO_SUGGESTIONS_RIGHT_NOW: Text =
        ("Ingen forslag lige nu.", "No suggestions right now.");
    pub(super) const SAME_PERSON: Text = ("Samme person", "Same person");
    pub(super) const NOT_THE_SAME: Text = ("Ikke samme", "Not the same");
    pub(super) const DECIDED: Text = ("Afgjort", "Decided");
    pub(super) const UNDO: Text = ("Fortryd", "Undo");
    pub(super) const OVERBOOKED_SHIFTS: Text = ("Overbookede vagter", "Overbooked shifts");
    pub(super) const NO_SHIFT_HAS_MORE: Text = (
        "Ingen vagter har flere tilmeldinger end pladser.",
        "No shift has more signups than spots.",
    );
    pub(super) const SIGNED_UP_FOR: Text = ("tilmeldt til", "signed up for");
    pub(super) const SPOTS_THE_LATEST_ARE: Text = (
        "pladser. De seneste foreslås til ventelisten.",
        "spots. The latest are suggested for the waiting list.",
    );
    pub(super) const MOVE_TO_WAITING_LIST: Text = ("Sæt på venteliste", "Move to waiting list");
}
