//! The volunteer's own page (Min side): a person who gave an e-mail address signs in with a
//! link sent to it (single use, 30 minutes, rate-limited; no password) and then sees every
//! signup made with that address at any kiosk or on the web, withdraws one, changes their
//! phone or address, downloads everything held, chooses whether to get news, or deletes
//! themselves through the same erasure as an admin's.
//!
//! Asking for a link says the same whether the address is known or not, so the page tells
//! nobody who volunteers.

use chrono::{SecondsFormat, Utc};
use frivillig_common::domain::{Status, email_is_valid, normalize_phone, phone_is_valid};
use frivillig_common::ids::SignupId;
use frivillig_common::receipt::receipt_hash;
use frivillig_common::sync::new_secret;

use crate::AppState;
use crate::service::mail::compose;
use crate::service::signups::change_status;
use crate::service::{ServiceError, blocking};
use crate::store::SignupRow;
use crate::store::outbox::now_ms;
use crate::store::volunteers::{Consent, SignInLink, VolunteerPrefs, VolunteerSession};

/// How long a sign-in link works.
pub const LINK_MINUTES: u64 = 30;
/// How long a session lasts from sign-in.
pub const SESSION_HOURS: u64 = 2;
/// Links one address may be sent per minute.
const LINKS_PER_MINUTE_PER_ADDRESS: u32 = 2;
/// The version of the news opt-in's text ([`NEWS_CONSENT`]); a new wording is a new version.
pub const NEWS_CONSENT_VERSION: u32 = 1;
/// What a person agrees to by opting in to news, in Danish and English.
pub const NEWS_CONSENT: (&str, &str) = (
    "Ja tak, kommunen må skrive til mig om nyheder, temamøder og invitationer til arrangementer \
     for frivillige. Jeg kan sige fra igen her når som helst.",
    "Yes please, the municipality may write to me about news, theme meetings and invitations \
     to events for volunteers. I can opt out here at any time.",
);

/// The form of an address as stored and compared.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Every signup made with `email`, newest first.
pub async fn signups_of(state: &AppState, email: &str) -> Result<Vec<SignupRow>, ServiceError> {
    let ids = state.store.listing().with_email(email);
    let st = state.clone();
    blocking(move || {
        let mut out = Vec::new();
        for id in ids {
            out.extend(st.store.signup(&id)?);
        }
        Ok(out)
    })
    .await
}

/// Send a sign-in link to `email` if any signup was made with it. Refused only for an
/// address that is not one, or when asked too often.
pub async fn request_link(state: &AppState, email: &str) -> Result<(), ServiceError> {
    let email = normalize_email(email);
    if !email_is_valid(&email) {
        return Err(ServiceError::Invalid(
            "Skriv den e-mailadresse, du tilmeldte dig med. / Write the e-mail address you signed up with.".into(),
        ));
    }
    if !state
        .limits
        .sign_in_links
        .allow(email.clone(), LINKS_PER_MINUTE_PER_ADDRESS)
    {
        return Err(ServiceError::NotYet(
            "Vi har lige sendt et link; vent et minut. / A link was just sent; wait a minute."
                .into(),
        ));
    }
    let rows = signups_of(state, &email).await?;
    let Some(first) = rows.first() else {
        tracing::info!("a Min side link was asked for an address with no signups");
        return Ok(());
    };
    let token = new_secret();
    let link = format!(
        "{}/min-side/ind/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    let lang = compose::person_lang(first);
    let sender = &state.mail.sender_name;
    let message =
        compose::sign_in_link(&email, lang, &link, LINK_MINUTES, &first.record.id, sender);
    let row = SignInLink {
        email,
        expires_ms: now_ms() + LINK_MINUTES * 60_000,
        used: false,
    };
    let st = state.clone();
    blocking(move || {
        Ok(st
            .store
            .add_sign_in_link(&receipt_hash(&token), &row, message, &st.mail.domain)?)
    })
    .await?;
    state.mail.wake.notify_one();
    Ok(())
}

/// Whether `token` is a sign-in link that may still be used (the page before the button).
pub async fn link_is_good(state: &AppState, token: &str) -> Result<bool, ServiceError> {
    let st = state.clone();
    let hash = receipt_hash(token);
    blocking(move || Ok(st.store.sign_in_link(&hash)?.is_some())).await
}

/// Use a sign-in link: a new session's token and the session, or `Unauthorized` for a link
/// that is unknown, used or too old.
pub async fn sign_in(
    state: &AppState,
    token: &str,
) -> Result<(String, VolunteerSession), ServiceError> {
    let st = state.clone();
    let hash = receipt_hash(token);
    blocking(move || {
        let link = st
            .store
            .sign_in_link(&hash)?
            .ok_or(ServiceError::Unauthorized)?;
        let session_token = new_secret();
        let session = VolunteerSession {
            email: link.email,
            csrf: new_secret(),
            expires_ms: now_ms() + SESSION_HOURS * 3_600_000,
        };
        st.store
            .redeem_sign_in_link(&hash, &receipt_hash(&session_token), &session)?
            .ok_or(ServiceError::Unauthorized)?;
        Ok((session_token, session))
    })
    .await
}

/// The session of `token`, if it is open.
pub async fn session(
    state: &AppState,
    token: &str,
) -> Result<Option<VolunteerSession>, ServiceError> {
    let st = state.clone();
    let hash = receipt_hash(token);
    blocking(move || Ok(st.store.volunteer_session(&hash)?)).await
}

/// End the session of `token`.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), ServiceError> {
    let st = state.clone();
    let hash = receipt_hash(token);
    blocking(move || Ok(st.store.end_volunteer_session(&hash)?)).await
}

/// One of `email`'s signups, or `NotFound` (also for somebody else's).
async fn theirs(state: &AppState, email: &str, id: &str) -> Result<SignupId, ServiceError> {
    if !state
        .store
        .listing()
        .with_email(email)
        .iter()
        .any(|x| x == id)
    {
        return Err(ServiceError::NotFound);
    }
    SignupId::parse(id).ok_or(ServiceError::NotFound)
}

/// Withdraw one of `email`'s signups (kiosks learn it as from the receipt page).
pub async fn withdraw(state: &AppState, email: &str, id: &str) -> Result<(), ServiceError> {
    let id = theirs(state, email, id).await?;
    change_status(state, &id, Status::Withdrawn, "frivillig via Min side").await?;
    Ok(())
}

/// Change the phone and address on every signup of `email`. Returns the address the
/// person is known by afterwards.
pub async fn change_contact(
    state: &AppState,
    email: &str,
    phone: &str,
    new_email: &str,
) -> Result<String, ServiceError> {
    let phone = normalize_phone(phone);
    let new_email = normalize_email(new_email);
    if !phone.is_empty() && !phone_is_valid(&phone) {
        return Err(ServiceError::Invalid(
            "Telefonnummeret skal have 8 cifre (eller + og landekode). / The phone number needs 8 digits (or + and a country code).".into(),
        ));
    }
    if !email_is_valid(&new_email) {
        return Err(ServiceError::Invalid(
            "E-mailadressen ser ikke rigtig ud. / The e-mail address does not look right.".into(),
        ));
    }
    let ids = state.store.listing().with_email(email);
    let st = state.clone();
    let from = email.to_owned();
    let to = new_email.clone();
    blocking(move || {
        for id in &ids {
            st.store.edit_person(id, |p| {
                p.phone = (!phone.is_empty()).then(|| phone.clone());
                p.email = Some(to.clone());
            })?;
        }
        if from != to {
            st.store.move_volunteer(&from, &to)?;
        }
        st.store
            .audit("frivillig via Min side", "contact", &ids.join(","), "")?;
        Ok(())
    })
    .await?;
    Ok(new_email)
}

/// Opt in to news and invitations (recording the text's version and the time) or out.
pub async fn set_news(state: &AppState, email: &str, on: bool) -> Result<(), ServiceError> {
    let st = state.clone();
    let email = email.to_owned();
    blocking(move || {
        let news = on.then(|| Consent {
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            text_version: NEWS_CONSENT_VERSION,
        });
        Ok(st.store.update_volunteer_prefs(&email, |p| p.news = news)?)
    })
    .await
}

/// What `email` chose beyond the signups.
pub async fn prefs(state: &AppState, email: &str) -> Result<VolunteerPrefs, ServiceError> {
    let st = state.clone();
    let email = email.to_owned();
    blocking(move || Ok(st.store.volunteer_prefs(&email)?)).await
}

/// Erase every signup of `email`, as an admin's erasure does. Returns how many.
pub async fn erase_self(state: &AppState, email: &str) -> Result<usize, ServiceError> {
    let ids = state.store.listing().with_email(email);
    for id in &ids {
        let id = SignupId::parse(id).ok_or(ServiceError::NotFound)?;
        crate::service::erasure::erase(state, &id, "frivillig via Min side").await?;
    }
    Ok(ids.len())
}
