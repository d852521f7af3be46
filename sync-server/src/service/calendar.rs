//! Each volunteer's private calendar feed: one unguessable link per e-mail address, listing
//! every shift they hold, which a calendar program subscribes to and so follows moves and
//! cancellations. The token is an HMAC of the address under a key the server makes once, so
//! Min side can show the same link at every visit while only its hash is stored.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use frivillig_common::receipt::receipt_hash;
use frivillig_common::sync::new_secret;

use crate::AppState;
use crate::service::catalog::catalog;
use crate::service::mail::{compose, ics};
use crate::service::min_side::signups_of;
use crate::service::{ServiceError, blocking};

/// Where the key lives in the `meta` table.
const KEY: &str = "calendar_feed_key";

/// The feed token of `email` under `key`: 128 bits, hex.
fn token(key: &str, email: &str) -> Result<String, ServiceError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(ServiceError::internal)?;
    mac.update(email.as_bytes());
    Ok(hex::encode(&mac.finalize().into_bytes()[..16]))
}

/// The link to `email`'s feed (recorded, so the feed answers to it).
pub async fn feed_link(state: &AppState, email: &str) -> Result<String, ServiceError> {
    let st = state.clone();
    let email = email.to_owned();
    let token = blocking(move || {
        let key = st.store.meta_or_insert(KEY, new_secret)?;
        let token = token(&key, &email)?;
        st.store.add_feed(&receipt_hash(&token), &email)?;
        Ok(token)
    })
    .await?;
    Ok(format!(
        "{}/kalender/{token}.ics",
        state.config.public_url.trim_end_matches('/')
    ))
}

/// The feed with `token`: every shift its person holds, `None` for an unknown token.
pub async fn feed(state: &AppState, token: &str) -> Result<Option<String>, ServiceError> {
    let st = state.clone();
    let hash = receipt_hash(token);
    let Some(email) = blocking(move || Ok(st.store.feed_email(&hash)?)).await? else {
        return Ok(None);
    };
    let catalog = catalog(state).await?;
    let events = signups_of(state, &email)
        .await?
        .iter()
        .filter(|r| compose::holds_shift(r))
        .filter_map(|r| compose::signup_event(&catalog, r))
        .collect();
    Ok(Some(ics::file(events, false, Some("Frivillig"))))
}
