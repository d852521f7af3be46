//! Coordinators' accounts and their sessions in the admin web app.
//!
//! Passwords are stored only as Argon2id hashes (the `argon2` crate's defaults: 19 MiB,
//! two passes, which is OWASP's recommended minimum). A session is a random 256-bit token
//! in an HttpOnly cookie; the server keeps only its SHA-256, with the account, a CSRF token
//! for the session's forms and an expiry, so logging out ends it on the server and a stolen
//! database yields no usable session.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::RngCore as _;

use frivillig_common::sync::{new_secret, secret_hash};

use crate::store::schema::{ACCOUNTS, SESSIONS};
use crate::store::{Store, StoreError};

pub use crate::store::{AccountRow, Role, SecondFactor, SessionRow};

/// How long a session lasts after login: a working day.
pub const SESSION_HOURS: i64 = 10;

/// Password checks (Argon2id, 19 MiB each) running at once, at most.
pub static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Why an account could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The user name is taken.
    #[error("the user name {0:?} is taken")]
    Exists(String),
    /// No such account.
    #[error("no account named {0:?}")]
    Unknown(String),
    /// The user name is not acceptable.
    #[error("a user name is 2-40 lower-case letters, digits, dots and dashes")]
    BadName,
    /// The password is too short.
    #[error("a password must be at least 12 characters")]
    WeakPassword,
    /// Hashing failed.
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `name` may be a user name.
pub fn valid_username(name: &str) -> bool {
    (2..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

/// A generated password: 4 groups of 5 letters and digits without look-alikes (about 99
/// bits), easy to read off a screen and type.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .chunks(5)
        .map(|group| {
            group
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The Argon2id hash of `password`, in PHC string form.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the stored `hash`. A damaged hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the user name is unknown, so the answer takes as long as
/// for a known one and timing does not tell which user names exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&generate_password()).unwrap_or_default())
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Store {
    /// Create an account; refuses a taken or malformed user name and a short password.
    pub fn add_account(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        role: Role,
        sites: Vec<String>,
    ) -> Result<(), AccountError> {
        if !valid_username(username) {
            return Err(AccountError::BadName);
        }
        if password.chars().count() < 12 {
            return Err(AccountError::WeakPassword);
        }
        let row = AccountRow {
            display_name: display_name.to_owned(),
            password_hash: hash_password(password)?,
            role,
            sites,
            disabled: false,
            created_at: rfc3339(now()),
            second_factor: None,
        };
        let tx = self.write()?;
        {
            let mut t = ACCOUNTS.open(&tx)?;
            if t.contains(username)? {
                return Err(AccountError::Exists(username.to_owned()));
            }
            t.insert(username, &row)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// An account by user name.
    pub fn account(&self, username: &str) -> Result<Option<AccountRow>, StoreError> {
        ACCOUNTS.read(&self.read()?)?.get(username)
    }

    /// Every account, by user name.
    pub fn accounts(&self) -> Result<Vec<(String, AccountRow)>, StoreError> {
        let tx = self.read()?;
        let t = ACCOUNTS.read(&tx)?;
        t.iter()?
            .map(|item| item.map(|(k, row)| (k.value().to_owned(), row)))
            .collect()
    }

    /// Give an account a new password and end its sessions.
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), AccountError> {
        if password.chars().count() < 12 {
            return Err(AccountError::WeakPassword);
        }
        let hash = hash_password(password)?;
        self.change_account(username, |row| row.password_hash = hash, true)
    }

    /// Give an account a new password and no second factor, and end its sessions, in one
    /// commit: the reset for someone who lost their password or their authenticator.
    pub fn reset_credentials(&self, username: &str, password: &str) -> Result<(), AccountError> {
        if password.chars().count() < 12 {
            return Err(AccountError::WeakPassword);
        }
        let hash = hash_password(password)?;
        self.change_account(
            username,
            |row| {
                row.password_hash = hash;
                row.second_factor = None;
            },
            true,
        )
    }

    /// Disable or enable an account; disabling ends its sessions at once.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), AccountError> {
        self.change_account(username, |row| row.disabled = disabled, disabled)
    }

    /// Change an account in one transaction, ending its sessions if `log_out`.
    fn change_account(
        &self,
        username: &str,
        change: impl FnOnce(&mut AccountRow),
        log_out: bool,
    ) -> Result<(), AccountError> {
        let tx = self.write()?;
        {
            let mut t = ACCOUNTS.open(&tx)?;
            let Some(mut row) = t.get(username)? else {
                return Err(AccountError::Unknown(username.to_owned()));
            };
            change(&mut row);
            t.insert(username, &row)?;
            if log_out {
                SESSIONS.open(&tx)?.retain(|s| s.username != username)?;
            }
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// Check a user name, password and, for an account with an authenticator app, `code`
    /// (its current code or a recovery code); on success start a session and return its
    /// token and row. Unknown users, wrong passwords or codes and disabled accounts are all
    /// just `None`, so the answer tells nothing of which was wrong.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        code: &str,
    ) -> Result<Option<(String, SessionRow)>, StoreError> {
        let account = self.account(username)?;
        let hash = account
            .as_ref()
            .map_or_else(|| decoy_hash().to_owned(), |a| a.password_hash.clone());
        let matches = verify_password(&hash, password);
        let Some(mut account) = account.filter(|a| matches && !a.disabled) else {
            return Ok(None);
        };
        let unix = u64::try_from(now().timestamp()).unwrap_or_default();
        if let Some(factor) = account.second_factor.as_mut()
            && !crate::service::second_factor::accept(factor, code, unix)
        {
            return Ok(None);
        }
        let token = new_secret();
        let at = rfc3339(now());
        let row = SessionRow {
            username: username.to_owned(),
            csrf: new_secret(),
            expires_at: rfc3339(now() + Duration::hours(SESSION_HOURS)),
            last_seen: Some(at.clone()),
        };
        let tx = self.write()?;
        {
            let mut t = SESSIONS.open(&tx)?;
            // Expired sessions are swept at each login, so the table stays small.
            t.retain(|s| s.expires_at > at)?;
            t.insert(secret_hash(&token).as_str(), &row)?;
            // The used step or recovery code, in the same commit as the session it opened.
            if account.second_factor.is_some() {
                ACCOUNTS.open(&tx)?.insert(username, &account)?;
            }
        }
        tx.commit()?;
        Ok(Some((token, row)))
    }

    /// The live session and account for a session token, if any: not past its end, not
    /// idle for longer than `idle`, of an account not disabled. Notes the request as the
    /// session's last (at most once a minute, to keep reads reads).
    pub fn session(
        &self,
        token: &str,
        idle: Duration,
    ) -> Result<Option<(SessionRow, AccountRow)>, StoreError> {
        let key = secret_hash(token);
        let (session, account) = {
            let tx = self.read()?;
            let Some(session) = SESSIONS.read(&tx)?.get(key.as_str())? else {
                return Ok(None);
            };
            let Some(account) = ACCOUNTS.read(&tx)?.get(session.username.as_str())? else {
                return Ok(None);
            };
            (session, account)
        };
        let now = now();
        let last = session
            .last_seen
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc());
        let idle_too_long = last.is_some_and(|t| now - t > idle);
        if session.expires_at <= rfc3339(now) || idle_too_long || account.disabled {
            if idle_too_long {
                self.logout(token)?;
            }
            return Ok(None);
        }
        if last.is_none_or(|t| now - t > Duration::minutes(1)) {
            let tx = self.write()?;
            {
                let mut t = SESSIONS.open(&tx)?;
                if let Some(mut s) = t.get(key.as_str())? {
                    s.last_seen = Some(rfc3339(now));
                    t.insert(key.as_str(), &s)?;
                }
            }
            tx.commit()?;
        }
        Ok(Some((session, account)))
    }

    /// Set or remove an account's second factor.
    pub fn set_second_factor(
        &self,
        username: &str,
        factor: Option<SecondFactor>,
    ) -> Result<(), AccountError> {
        self.change_account(username, |row| row.second_factor = factor, false)
    }

    /// End a session.
    pub fn logout(&self, token: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        SESSIONS.open(&tx)?.remove(secret_hash(token).as_str())?;
        tx.commit()?;
        Ok(())
    }

    /// On a server without accounts, create `admin` with a generated password and return
    /// the password (to be shown once). `None` if any account exists.
    pub fn create_first_admin(&self) -> Result<Option<String>, AccountError> {
        if !self.accounts()?.is_empty() {
            return Ok(None);
        }
        let password = generate_password();
        self.add_account("admin", "Administrator", &password, Role::Admin, vec![])?;
        Ok(Some(password))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_sessions_and_logout() {
        let dir = tempfile::tempdir().expect("tmp");
        let storage =
            frivillig_common::storage::RedbStorage::open(&dir.path().join("s.redb")).expect("db");
        let store = Store::new(storage).expect("store");
        let first = store
            .create_first_admin()
            .expect("admin")
            .expect("password");
        assert_eq!(first.len(), 23);
        assert!(store.create_first_admin().expect("again").is_none());
        let account = store.account("admin").expect("read").expect("exists");
        assert!(account.password_hash.starts_with("$argon2id$"));
        assert!(!account.password_hash.contains(&first));

        assert!(
            store
                .login("admin", "wrong password!", "")
                .expect("login")
                .is_none()
        );
        assert!(store.login("nobody", &first, "").expect("login").is_none());
        let (token, row) = store
            .login("admin", &first, "")
            .expect("login")
            .expect("ok");
        let (session, account) = store
            .session(&token, Duration::minutes(30))
            .expect("read")
            .expect("live");
        assert_eq!(session.csrf, row.csrf);
        assert_eq!(account.role, Role::Admin);
        assert!(
            store
                .session("not-a-token", Duration::minutes(30))
                .expect("read")
                .is_none()
        );
        store.logout(&token).expect("logout");
        assert!(
            store
                .session(&token, Duration::minutes(30))
                .expect("read")
                .is_none()
        );

        let (token, _) = store
            .login("admin", &first, "")
            .expect("login")
            .expect("ok");
        store
            .set_password("admin", "a new password here")
            .expect("set");
        assert!(
            store
                .session(&token, Duration::minutes(30))
                .expect("read")
                .is_none(),
            "ended"
        );
        assert!(store.login("admin", &first, "").expect("login").is_none());
        assert!(
            store
                .login("admin", "a new password here", "")
                .expect("login")
                .is_some()
        );
        assert!(matches!(
            store.add_account("admin", "x", "long enough password", Role::Admin, vec![]),
            Err(AccountError::Exists(_))
        ));
        assert!(matches!(
            store.add_account("Bad Name", "x", "long enough password", Role::Admin, vec![]),
            Err(AccountError::BadName)
        ));
        assert!(matches!(
            store.add_account("kim", "Kim", "short", Role::Coordinator, vec![]),
            Err(AccountError::WeakPassword)
        ));
    }
}
