//! API credentials: named, scoped, expiring tokens that an admin makes and revokes in the
//! web app. Only the token's SHA-256 is kept; every use is audited under the name. The
//! operator's token from the first start (or `init`) stays, as the one credential with
//! every scope, audited as [`OPERATOR`], for the provisioning tool.

use chrono::{DateTime, Duration, Utc};

use frivillig_common::sync::{new_secret, secret_hash};

use crate::store::schema::API_TOKENS;
use crate::store::{ApiTokenRow, Scope, Store, StoreError};

/// The name the operator's token is audited under.
pub const OPERATOR: &str = "operatør-nøgle";

/// The longest a token may be valid: a year, then it is made anew.
pub const MAX_DAYS: i64 = 366;

/// Why a token was not made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The name is empty, too long or taken by a live token.
    #[error("a token's name is 1-60 characters and not that of a live token")]
    BadName,
    /// No scope, or a validity outside 1 day to a year.
    #[error("a token needs a scope and 1-{MAX_DAYS} days of validity")]
    BadTerms,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Make a token; returns it (shown once).
    pub fn create_api_token(
        &self,
        name: &str,
        scopes: &[Scope],
        days: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<String, TokenError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 || name == OPERATOR {
            return Err(TokenError::BadName);
        }
        if scopes.is_empty() || !(1..=MAX_DAYS).contains(&days) {
            return Err(TokenError::BadTerms);
        }
        let live = |t: &ApiTokenRow| !t.revoked && t.expires_at > crate::store::now();
        if self.api_tokens()?.iter().any(|t| t.name == name && live(t)) {
            return Err(TokenError::BadName);
        }
        let token = format!("fv_{}", new_secret());
        let row = ApiTokenRow {
            name: name.to_owned(),
            scopes: scopes.to_vec(),
            created_at: rfc3339(now),
            created_by: by.to_owned(),
            expires_at: rfc3339(now + Duration::days(days)),
            revoked: false,
        };
        let tx = self.write()?;
        API_TOKENS
            .open(&tx)?
            .insert(secret_hash(&token).as_str(), &row)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(token)
    }

    /// Every token made, newest first.
    pub fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, StoreError> {
        let tx = self.read()?;
        let mut out: Vec<ApiTokenRow> = API_TOKENS
            .read(&tx)?
            .iter()?
            .map(|item| item.map(|(_, row)| row))
            .collect::<Result<_, _>>()?;
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(out)
    }

    /// Revoke every live token called `name`; whether there was one.
    pub fn revoke_api_token(&self, name: &str) -> Result<bool, StoreError> {
        let tx = self.write()?;
        let found = {
            let mut t = API_TOKENS.open(&tx)?;
            let keys: Vec<(String, ApiTokenRow)> = t
                .iter()?
                .filter_map(|item| match item {
                    Ok((k, row)) if row.name == name && !row.revoked => {
                        Some(Ok((k.value().to_owned(), row)))
                    }
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_, _>>()?;
            for (k, mut row) in keys.iter().cloned() {
                row.revoked = true;
                t.insert(k.as_str(), &row)?;
            }
            !keys.is_empty()
        };
        tx.commit()?;
        Ok(found)
    }

    /// The live token `token` is, if any: not revoked, not expired.
    pub fn api_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiTokenRow>, StoreError> {
        let row = API_TOKENS
            .read(&self.read()?)?
            .get(secret_hash(token).as_str())?;
        Ok(row.filter(|r| !r.revoked && r.expires_at > rfc3339(now)))
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
