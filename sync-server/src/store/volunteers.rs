//! The volunteer's own page (Min side): single-use sign-in links, the sessions they open,
//! and what each person chose beyond their signups (news and invitations, opt-in only),
//! all keyed by the e-mail address they signed up with. Links and sessions are stored as
//! hashes of their tokens, like the staff's sessions.

use redb::WriteTransaction;
use serde::{Deserialize, Serialize};

use super::outbox::{NewMessage, enqueue, now_ms};
use super::schema::{CALENDAR_FEEDS, SIGN_IN_LINKS, VOLUNTEER_PREFS, VOLUNTEER_SESSIONS};
use super::{Store, StoreError};

/// A sign-in link sent to an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInLink {
    /// The address it was sent to (lower case).
    pub email: String,
    /// Unix ms after which it is refused.
    pub expires_ms: u64,
    /// Whether it was used (a link opens one session, once).
    pub used: bool,
}

/// A signed-in volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerSession {
    /// Whose page it is (lower case).
    pub email: String,
    /// The token its forms carry.
    pub csrf: String,
    /// Unix ms after which it is over.
    pub expires_ms: u64,
}

/// A consent given, with the version of the text the person saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// RFC 3339.
    pub at: String,
    /// The version of the text agreed to.
    pub text_version: u32,
}

/// What a person chose beyond their signups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerPrefs {
    /// News (campaigns, everyone's invitations): only with this opt-in.
    pub news: Option<Consent>,
    /// When the person said no to invitations (RFC 3339): no invitation reaches them, not
    /// even as an active volunteer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_invitations: Option<String>,
}

impl Store {
    /// Store a sign-in link (by its token's hash) and queue the message that carries it, in
    /// one transaction; links and sessions that have expired are dropped on the way.
    pub fn add_sign_in_link(
        &self,
        token_hash: &str,
        link: &SignInLink,
        message: NewMessage,
        domain: &str,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        drop_expired(&tx, now_ms())?;
        SIGN_IN_LINKS.open(&tx)?.insert(token_hash, link)?;
        enqueue(&tx, message, now_ms(), domain)?;
        tx.commit()?;
        Ok(())
    }

    /// Use a sign-in link: if it is known, unused and not expired, mark it used and open
    /// `session` (by its token's hash) in the same transaction. The address, or `None`.
    pub fn redeem_sign_in_link(
        &self,
        token_hash: &str,
        session_hash: &str,
        session: &VolunteerSession,
    ) -> Result<Option<String>, StoreError> {
        let tx = self.write()?;
        let email = {
            let mut links = SIGN_IN_LINKS.open(&tx)?;
            let Some(mut link) = links.get(token_hash)? else {
                return Ok(None);
            };
            if link.used || link.expires_ms < now_ms() || link.email != session.email {
                return Ok(None);
            }
            link.used = true;
            links.insert(token_hash, &link)?;
            VOLUNTEER_SESSIONS
                .open(&tx)?
                .insert(session_hash, session)?;
            link.email
        };
        tx.commit()?;
        Ok(Some(email))
    }

    /// The address a sign-in link was sent to, if it may still be used.
    pub fn sign_in_link(&self, token_hash: &str) -> Result<Option<SignInLink>, StoreError> {
        let link = SIGN_IN_LINKS.read(&self.read()?)?.get(token_hash)?;
        Ok(link.filter(|l| !l.used && l.expires_ms >= now_ms()))
    }

    /// The session with this token's hash, if it is not over.
    pub fn volunteer_session(
        &self,
        session_hash: &str,
    ) -> Result<Option<VolunteerSession>, StoreError> {
        let s = VOLUNTEER_SESSIONS.read(&self.read()?)?.get(session_hash)?;
        Ok(s.filter(|s| s.expires_ms >= now_ms()))
    }

    /// End one session.
    pub fn end_volunteer_session(&self, session_hash: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        VOLUNTEER_SESSIONS.open(&tx)?.remove(session_hash)?;
        tx.commit()?;
        Ok(())
    }

    /// Every address with what it chose (the audiences of invitations read them).
    pub fn all_volunteer_prefs(&self) -> Result<Vec<(String, VolunteerPrefs)>, StoreError> {
        let tx = self.read()?;
        let t = VOLUNTEER_PREFS.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, prefs) = item?;
            out.push((k.value().to_owned(), prefs));
        }
        Ok(out)
    }

    /// What `email` chose.
    pub fn volunteer_prefs(&self, email: &str) -> Result<VolunteerPrefs, StoreError> {
        Ok(VOLUNTEER_PREFS
            .read(&self.read()?)?
            .get(email)?
            .unwrap_or_default())
    }

    /// Change what `email` chose, in one transaction, keeping what `change` leaves alone.
    pub fn update_volunteer_prefs(
        &self,
        email: &str,
        change: impl FnOnce(&mut VolunteerPrefs),
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut t = VOLUNTEER_PREFS.open(&tx)?;
            let mut prefs = t.get(email)?.unwrap_or_default();
            change(&mut prefs);
            t.insert(email, &prefs)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The address whose calendar feed has this token's hash.
    pub fn feed_email(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        let tx = self.read()?;
        let t = tx.open_table(CALENDAR_FEEDS)?;
        Ok(t.get(token_hash)?.map(|v| v.value().to_owned()))
    }

    /// Record the feed of `email` under its token's hash.
    pub fn add_feed(&self, token_hash: &str, email: &str) -> Result<(), StoreError> {
        if self.feed_email(token_hash)?.as_deref() == Some(email) {
            return Ok(());
        }
        let tx = self.write()?;
        tx.open_table(CALENDAR_FEEDS)?.insert(token_hash, email)?;
        tx.commit()?;
        Ok(())
    }

    /// A person changed their address: their choices and open sessions follow it (the
    /// calendar feed's link is made from the address, so the old one ends).
    pub fn move_volunteer(&self, from: &str, to: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut prefs = VOLUNTEER_PREFS.open(&tx)?;
            if let Some(p) = prefs.remove(from)? {
                prefs.insert(to, &p)?;
            }
            let mut sessions = VOLUNTEER_SESSIONS.open(&tx)?;
            let mut theirs = Vec::new();
            for r in sessions.iter()? {
                let (k, s) = r?;
                if s.email == from {
                    theirs.push((k.value().to_owned(), s));
                }
            }
            for (k, mut s) in theirs {
                s.email = to.to_owned();
                sessions.insert(k.as_str(), &s)?;
            }
            tx.open_table(CALENDAR_FEEDS)?.retain(|_, v| v != from)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Forget everything kept under `email` (its last signup was erased), in `tx`.
pub(crate) fn forget_volunteer(tx: &WriteTransaction, email: &str) -> Result<(), StoreError> {
    VOLUNTEER_PREFS.open(tx)?.remove(email)?;
    VOLUNTEER_SESSIONS.open(tx)?.retain(|s| s.email != email)?;
    SIGN_IN_LINKS.open(tx)?.retain(|l| l.email != email)?;
    tx.open_table(CALENDAR_FEEDS)?.retain(|_, v| v != email)?;
    Ok(())
}

/// Drop links and sessions past their time (they hold addresses nobody needs any more).
fn drop_expired(tx: &WriteTransaction, now: u64) -> Result<(), StoreError> {
    SIGN_IN_LINKS.open(tx)?.retain(|l| l.expires_ms >= now)?;
    VOLUNTEER_SESSIONS
        .open(tx)?
        .retain(|s| s.expires_ms >= now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::{Channel, MessageKind};
    use frivillig_common::storage::RedbStorage;

    fn mail() -> NewMessage {
        NewMessage {
            channel: Channel::Email,
            kind: MessageKind::SignInLink,
            to: "a@x.dk".into(),
            signup_id: Some("s1".into()),
            subject: "Link".into(),
            body: "…".into(),
            ics: None,
        }
    }

    #[test]
    fn a_link_opens_one_session_once_and_never_after_it_expired() {
        let dir = tempfile::tempdir().expect("tmp");
        let store =
            Store::new(RedbStorage::open(&dir.path().join("s.redb")).expect("db")).expect("store");
        let session = |email: &str| VolunteerSession {
            email: email.into(),
            csrf: "c".into(),
            expires_ms: now_ms() + 60_000,
        };
        let fresh = SignInLink {
            email: "a@x.dk".into(),
            expires_ms: now_ms() + 60_000,
            used: false,
        };
        store
            .add_sign_in_link("fresh", &fresh, mail(), "x.dk")
            .expect("add");
        let old = SignInLink {
            expires_ms: now_ms().saturating_sub(1),
            ..fresh.clone()
        };
        // Written directly: adding drops expired links first, as it should.
        let tx = store.write().expect("tx");
        SIGN_IN_LINKS
            .open(&tx)
            .expect("t")
            .insert("old", &old)
            .expect("insert");
        tx.commit().expect("commit");
        assert!(store.sign_in_link("old").expect("read").is_none());
        assert_eq!(
            store
                .redeem_sign_in_link("old", "s-old", &session("a@x.dk"))
                .expect("redeem"),
            None,
            "an expired link opens nothing"
        );
        assert_eq!(
            store
                .redeem_sign_in_link("fresh", "s1", &session("b@x.dk"))
                .expect("redeem"),
            None,
            "a link opens only its own address's page"
        );
        assert_eq!(
            store
                .redeem_sign_in_link("fresh", "s1", &session("a@x.dk"))
                .expect("redeem")
                .as_deref(),
            Some("a@x.dk")
        );
        assert!(store.volunteer_session("s1").expect("read").is_some());
        assert_eq!(
            store
                .redeem_sign_in_link("fresh", "s2", &session("a@x.dk"))
                .expect("redeem"),
            None,
            "a used link opens nothing"
        );
        assert!(store.volunteer_session("s-old").expect("read").is_none());
    }
}
