//! Invitations to events: an admin chooses who from what the server knows (the active
//! volunteers of chosen sites or jobs in a period, everyone who opted in to news, or the
//! ambassadors), sees how many and the message, and sends. The audience is worked out here
//! from the store, never taken from the browser.
//!
//! Who is reached: one invitation per address (lower case), only people who gave an
//! address and did not say no to invitations; people with only a phone number are listed
//! for a call instead. Inviting active volunteers to their own party is part of volunteering
//! with the municipality, as a coordinator's letter is; everyone else (news) needs their
//! opt-in. Every invitation says how to get no more.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, SecondsFormat, Utc};
use frivillig_common::domain::{Catalog, Opportunity};
use frivillig_common::receipt::{new_receipt_token, receipt_hash};
use frivillig_common::text::Lang;

use crate::AppState;
use crate::service::audit::append_audit;
use crate::service::catalog::catalog;
use crate::service::mail::invitation::{self as compose, Invite};
use crate::service::{ServiceError, blocking};
use crate::store::StoreError;
use crate::store::invitations::{Answered, Invitation, invite};
use crate::store::listing::{ListQuery, ListRow};
use crate::store::outbox::NewMessage;

/// Whom an invitation is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// Active volunteers: of the chosen sites and jobs (none chosen: all), whose shift lies
    /// in the period, or who do an ongoing job they took up before its end.
    Active {
        /// Site ids.
        sites: Vec<String>,
        /// Job ids.
        jobs: Vec<String>,
        /// First day (local).
        from: Option<NaiveDate>,
        /// Last day (local).
        until: Option<NaiveDate>,
    },
    /// Volunteers with at least this many hours in the current year (over all their
    /// signups, as [`crate::service::hours`] adds them up).
    Hours {
        /// Minutes.
        at_least_minutes: u32,
    },
    /// Everyone who opted in to news.
    News,
    /// The ambassadors the catalog names.
    Ambassadors,
}

/// One person an invitation goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// Lower case.
    pub email: String,
    /// To greet.
    pub name: String,
    /// One of their signups, if any.
    pub signup_id: Option<String>,
}

/// Someone the audience holds whom only a call reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByPhone {
    /// Name.
    pub name: String,
    /// Phone number or contact as given.
    pub phone: String,
}

/// Who an invitation to an event would reach.
#[derive(Debug, Default)]
pub struct Audience {
    /// By e-mail, one per address, not yet invited to the event.
    pub by_mail: Vec<Invitee>,
    /// With only a phone number.
    pub by_phone: Vec<ByPhone>,
    /// Left out because they said no to invitations.
    pub said_no: usize,
    /// Left out because they are invited already.
    pub already: usize,
}

/// The event `id` (a catalog entry marked as an event).
pub fn event<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Opportunity, ServiceError> {
    catalog
        .opportunity(id)
        .filter(|o| o.event.is_some())
        .ok_or(ServiceError::NotFound)
}

fn in_period(
    catalog: &Catalog,
    r: &ListRow,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> bool {
    let day = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.date_naive())
    };
    let shift_day = r.shift_id.as_deref().and_then(|id| {
        catalog
            .opportunities
            .iter()
            .flat_map(|o| &o.shifts)
            .find(|s| s.id == id)
            .and_then(|s| day(&s.starts))
    });
    match (
        r.shift_id.is_some(),
        shift_day.or_else(|| day(&r.created_at)),
    ) {
        (_, None) => false,
        (true, Some(d)) => from.is_none_or(|f| d >= f) && until.is_none_or(|u| d <= u),
        // An ongoing job: active now, and taken up before the period ended.
        (false, Some(d)) => until.is_none_or(|u| d <= u),
    }
}

/// Who `who` reaches for event `event_id`, as the store holds it now.
pub async fn audience(
    state: &AppState,
    event_id: &str,
    who: &Who,
) -> Result<Audience, ServiceError> {
    let catalog = catalog(state).await?;
    event(&catalog, event_id)?;
    let st = state.clone();
    let (event_id, who) = (event_id.to_owned(), who.clone());
    blocking(move || audience_now(&st, &catalog, &event_id, &who)).await
}

fn audience_now(
    state: &AppState,
    catalog: &Catalog,
    event_id: &str,
    who: &Who,
) -> Result<Audience, ServiceError> {
    let prefs: BTreeMap<String, _> = state.store.all_volunteer_prefs()?.into_iter().collect();
    let invited: HashSet<String> = state
        .store
        .invitations(event_id)?
        .into_iter()
        .map(|i| i.email)
        .collect();
    let listing = state.store.listing();
    // Candidates in order, an address possibly more than once.
    let mut candidates: Vec<(String, String, Option<String>, String)> = Vec::new();
    match who {
        Who::Active {
            sites,
            jobs,
            from,
            until,
        } => {
            let q = ListQuery {
                status: "active".into(),
                ..ListQuery::default()
            };
            for r in listing.matching(&q, None) {
                let site_ok = sites.is_empty() || sites.contains(&r.site_id);
                let job_ok = jobs.is_empty() || jobs.contains(&r.opportunity_id);
                if site_ok && job_ok && in_period(catalog, r, *from, *until) {
                    candidates.push((
                        r.email.clone(),
                        r.name.clone(),
                        Some(r.id.clone()),
                        r.phone.clone(),
                    ));
                }
            }
        }
        Who::Hours { at_least_minutes } => {
            let year = chrono::Datelike::year(&frivillig_common::offer::glostrup_now());
            let q = ListQuery::default();
            let mut counted = HashSet::new();
            for r in listing.matching(&q, None) {
                if r.status == "withdrawn"
                    || r.status == "declined"
                    || !counted.insert(r.id.clone())
                {
                    continue;
                }
                let hours = crate::service::hours::person_hours_now(state, catalog, &r.id)?;
                if hours.in_year(year) >= *at_least_minutes {
                    candidates.push((
                        r.email.clone(),
                        r.name.clone(),
                        Some(r.id.clone()),
                        r.phone.clone(),
                    ));
                }
            }
        }
        Who::News => {
            let everyone = listing.matching(&ListQuery::default(), None);
            for (email, _) in prefs.iter().filter(|(_, p)| p.news.is_some()) {
                let theirs = everyone
                    .iter()
                    .find(|r| r.email.trim().eq_ignore_ascii_case(email));
                candidates.push((
                    email.clone(),
                    theirs.map(|r| r.name.clone()).unwrap_or_default(),
                    theirs.map(|r| r.id.clone()),
                    String::new(),
                ));
            }
        }
        Who::Ambassadors => {
            for a in &catalog.ambassadors {
                let (email, phone) = if a.contact.contains('@') {
                    (a.contact.clone(), String::new())
                } else {
                    (String::new(), a.contact.clone())
                };
                candidates.push((email, a.name.clone(), None, phone));
            }
        }
    }
    let mut out = Audience::default();
    let mut seen = HashSet::new();
    for (email, name, signup_id, phone) in candidates {
        let email = email.trim().to_lowercase();
        if email.is_empty() {
            if !phone.trim().is_empty() && seen.insert(format!("tel:{phone}")) {
                out.by_phone.push(ByPhone { name, phone });
            }
            continue;
        }
        if !seen.insert(email.clone()) {
            continue;
        }
        if prefs
            .get(&email)
            .is_some_and(|p| p.no_invitations.is_some())
        {
            out.said_no += 1;
        } else if invited.contains(&email) {
            out.already += 1;
        } else {
            out.by_mail.push(Invitee {
                email,
                name,
                signup_id,
            });
        }
    }
    Ok(out)
}

fn links(state: &AppState, token: &str) -> (String, String) {
    let base = format!(
        "{}/invitation/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    (format!("{base}?svar=ja"), format!("{base}?svar=nej"))
}

fn person_lang(state: &AppState, signup_id: Option<&str>) -> Lang {
    signup_id
        .and_then(|id| state.store.signup(id).ok().flatten())
        .map_or(Lang::Da, |row| {
            crate::service::mail::compose::person_lang(&row)
        })
}

/// The invitation the first of `audience` would get, for the admin to read before sending.
pub fn preview(
    state: &AppState,
    catalog: &Catalog,
    event: &Opportunity,
    audience: &Audience,
) -> Option<NewMessage> {
    let first = audience.by_mail.first()?;
    let (yes, no) = links(state, "…");
    let lang = person_lang(state, first.signup_id.as_deref());
    Some(compose::invitation(
        catalog,
        event,
        &Invite {
            to: &first.email,
            name: &first.name,
            lang,
            yes,
            no,
            sender: &state.mail.sender_name,
            signup_id: first.signup_id.as_deref(),
        },
    ))
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Invite everyone `who` reaches to `event_id`, as admin `by`: each invitation, its link and
/// its message in one transaction, with an audit entry. How many were invited.
pub async fn send(
    state: &AppState,
    event_id: &str,
    who: &Who,
    by: &str,
) -> Result<usize, ServiceError> {
    let catalog = catalog(state).await?;
    let ev = event(&catalog, event_id)?.clone();
    let st = state.clone();
    let (who, by) = (who.clone(), by.to_owned());
    let sent = blocking(move || {
        let audience = audience_now(&st, &catalog, &ev.id, &who)?;
        let tx = st.store.write()?;
        let mut sent = 0;
        for p in &audience.by_mail {
            let token = new_receipt_token();
            let (yes, no) = links(&st, &token);
            let lang = person_lang(&st, p.signup_id.as_deref());
            let invite_to = Invite {
                to: &p.email,
                name: &p.name,
                lang,
                yes,
                no,
                sender: &st.mail.sender_name,
                signup_id: p.signup_id.as_deref(),
            };
            let message = compose::invitation(&catalog, &ev, &invite_to);
            let row = Invitation {
                event_id: ev.id.clone(),
                email: p.email.clone(),
                name: p.name.clone(),
                lang: lang.code().to_owned(),
                invited_at: now(),
                invited_by: by.clone(),
                token_hash: receipt_hash(&token),
                signup_id: p.signup_id.clone(),
                answer: None,
                reminded_at: None,
            };
            if invite(&tx, &row, message, &st.mail.domain)? {
                sent += 1;
            }
        }
        append_audit(
            &tx,
            &by,
            "invite",
            &format!("event {}", ev.id),
            &format!("{sent} invited"),
        )?;
        tx.commit().map_err(StoreError::from)?;
        Ok(sent)
    })
    .await?;
    state.mail.wake.notify_one();
    Ok(sent)
}

/// Send the one reminder to everyone invited to `event_id` who has not answered. How many.
pub async fn remind(state: &AppState, event_id: &str, by: &str) -> Result<usize, ServiceError> {
    let catalog = catalog(state).await?;
    let ev = event(&catalog, event_id)?.clone();
    let st = state.clone();
    let by = by.to_owned();
    let n = blocking(move || {
        let at = now();
        // Only the links' hashes are stored, so a reminder carries a new pair of links;
        // the first mail's links keep working beside them.
        let n = st
            .store
            .remind_invited(&ev.id, &at, &st.mail.domain, |inv| {
                let lang = Lang::of_code(&inv.lang);
                let token = new_receipt_token();
                let (yes, no) = links(&st, &token);
                let message = compose::reminder(
                    &catalog,
                    &ev,
                    &Invite {
                        to: &inv.email,
                        name: &inv.name,
                        lang,
                        yes,
                        no,
                        sender: &st.mail.sender_name,
                        signup_id: inv.signup_id.as_deref(),
                    },
                );
                Some((message, receipt_hash(&token)))
            })?;
        st.store.audit(
            &by,
            "remind",
            &format!("event {}", ev.id),
            &format!("{n} reminded"),
        )?;
        Ok(n)
    })
    .await?;
    state.mail.wake.notify_one();
    Ok(n)
}

/// Answer through a link: yes or no. `None` for a link that is not (or no longer) known.
pub async fn answer(
    state: &AppState,
    token: &str,
    coming: bool,
) -> Result<Option<Answered>, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let hash = receipt_hash(token);
    blocking(move || {
        let Some(inv) = st.store.invitation_by_link(&hash)? else {
            return Ok(None);
        };
        let capacity = catalog
            .opportunity(&inv.event_id)
            .map(|o| o.shifts.iter().map(|s| s.capacity).sum());
        Ok(st
            .store
            .answer_invitation(&hash, coming, &now(), capacity)?)
    })
    .await
}

/// The invitation behind a link, and its event.
pub async fn by_link(
    state: &AppState,
    token: &str,
) -> Result<Option<(Invitation, Opportunity, Catalog)>, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let hash = receipt_hash(token);
    let inv = blocking(move || Ok(st.store.invitation_by_link(&hash)?)).await?;
    Ok(inv.and_then(|i| {
        let ev = catalog.opportunity(&i.event_id)?.clone();
        Some((i, ev, catalog))
    }))
}

/// Say no to every invitation from now on, through a link. Whether the link was known.
pub async fn stop(state: &AppState, token: &str) -> Result<bool, ServiceError> {
    let st = state.clone();
    let hash = receipt_hash(token);
    blocking(move || {
        let Some(inv) = st.store.invitation_by_link(&hash)? else {
            return Ok(false);
        };
        let at = now();
        st.store
            .update_volunteer_prefs(&inv.email, |p| p.no_invitations = Some(at))?;
        Ok(true)
    })
    .await
}

/// Everyone invited to `event_id`.
pub async fn invited(state: &AppState, event_id: &str) -> Result<Vec<Invitation>, ServiceError> {
    let st = state.clone();
    let id = event_id.to_owned();
    blocking(move || Ok(st.store.invitations(&id)?)).await
}
