//! Invitations to events: one row per event and address, the link each person answers
//! through (stored as its token's hash, like sign-in links), and the answer. A row is
//! written in the same transaction as the message that carries its link, so a person is
//! either invited and told, or neither; and inviting the same address to the same event
//! again finds the row and sends nothing.

use std::collections::HashSet;

use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::outbox::{NewMessage, enqueue, now_ms};
use super::schema::{INVITATION_LINKS, INVITATIONS};
use super::{Store, StoreError};

/// One person invited to one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The event (its catalog entry's id).
    pub event_id: String,
    /// The address it went to (lower case).
    pub email: String,
    /// The name the invitation greets.
    pub name: String,
    /// `da` or `en`: the language the person chose at signup.
    pub lang: String,
    /// RFC 3339.
    pub invited_at: String,
    /// The admin who sent it.
    pub invited_by: String,
    /// SHA-256 of the token in the person's first links (a reminder adds another pair).
    pub token_hash: String,
    /// One of the person's signups, if they have one (its messages are filed under it).
    #[serde(default)]
    pub signup_id: Option<String>,
    /// The answer, once given.
    pub answer: Option<Answer>,
    /// When the one reminder went, if it did.
    pub reminded_at: Option<String>,
}

/// A person's answer to an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Coming (yes) or not.
    pub coming: bool,
    /// RFC 3339 of the answer (of the first, when the same answer is given again).
    pub at: String,
}

/// What answering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// The answer is recorded (a first answer, or a changed mind).
    Recorded(Invitation),
    /// The same answer was already recorded: nothing changed.
    Unchanged(Invitation),
    /// A yes to an event whose places are all taken: not recorded.
    Full(Invitation),
}

fn key(event_id: &str, email: &str) -> String {
    // Event ids are slugs and addresses have no spaces: the space cannot be ambiguous.
    format!("{event_id} {email}")
}

/// Invite, in `tx`: store `inv` with its link and queue `message`, unless the address is
/// already invited to the event. Whether it was new.
pub fn invite(
    tx: &WriteTransaction,
    inv: &Invitation,
    message: NewMessage,
    domain: &str,
) -> Result<bool, StoreError> {
    let mut rows = INVITATIONS.open(tx)?;
    let k = key(&inv.event_id, &inv.email);
    if rows.contains(k.as_str())? {
        return Ok(false);
    }
    rows.insert(k.as_str(), inv)?;
    tx.open_table(INVITATION_LINKS)?
        .insert(inv.token_hash.as_str(), k.as_str())?;
    enqueue(tx, message, now_ms(), domain)?;
    Ok(true)
}

impl Store {
    /// Every invitation to `event_id`, by address.
    pub fn invitations(&self, event_id: &str) -> Result<Vec<Invitation>, StoreError> {
        let tx = self.read()?;
        let rows = INVITATIONS.read(&tx)?;
        let mut out = Vec::new();
        for item in rows.iter()? {
            let (_, inv) = item?;
            if inv.event_id == event_id {
                out.push(inv);
            }
        }
        Ok(out)
    }

    /// Every invitation to `email` (for the person's own copy of their data).
    pub fn invitations_to(&self, email: &str) -> Result<Vec<Invitation>, StoreError> {
        let tx = self.read()?;
        let rows = INVITATIONS.read(&tx)?;
        let mut out = Vec::new();
        for item in rows.iter()? {
            let (_, inv) = item?;
            if inv.email == email {
                out.push(inv);
            }
        }
        Ok(out)
    }

    /// The invitation whose link's token hashes to `token_hash`.
    pub fn invitation_by_link(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        let tx = self.read()?;
        let links = tx.open_table(INVITATION_LINKS)?;
        let Some(k) = links.get(token_hash)? else {
            return Ok(None);
        };
        INVITATIONS.read(&tx)?.get(k.value())
    }

    /// Record an answer through a link. A yes is refused when `capacity` yeses are already
    /// recorded (a changed mind from no to yes counts like a new one).
    pub fn answer_invitation(
        &self,
        token_hash: &str,
        coming: bool,
        at: &str,
        capacity: Option<u32>,
    ) -> Result<Option<Answered>, StoreError> {
        let tx = self.write()?;
        let outcome = {
            let links = tx.open_table(INVITATION_LINKS)?;
            let Some(k) = links.get(token_hash)?.map(|v| v.value().to_owned()) else {
                return Ok(None);
            };
            let mut rows = INVITATIONS.open(&tx)?;
            let Some(mut inv) = rows.get(k.as_str())? else {
                return Ok(None);
            };
            if inv.answer.as_ref().is_some_and(|a| a.coming == coming) {
                return Ok(Some(Answered::Unchanged(inv)));
            }
            if coming && let Some(cap) = capacity {
                let mut yes = 0u32;
                for item in rows.iter()? {
                    let (_, other) = item?;
                    let accepted = other.answer.as_ref().is_some_and(|a| a.coming);
                    if other.event_id == inv.event_id && accepted {
                        yes += 1;
                    }
                }
                if yes >= cap {
                    return Ok(Some(Answered::Full(inv)));
                }
            }
            inv.answer = Some(Answer {
                coming,
                at: at.to_owned(),
            });
            rows.insert(k.as_str(), &inv)?;
            Answered::Recorded(inv)
        };
        tx.commit()?;
        Ok(Some(outcome))
    }

    /// Send the one reminder to each person invited to `event_id` who has not answered and
    /// was not reminded yet: `compose` writes each message and gives the hash of the token
    /// its links carry, which is stored beside the first links'. How many were queued.
    pub fn remind_invited(
        &self,
        event_id: &str,
        at: &str,
        domain: &str,
        mut compose: impl FnMut(&Invitation) -> Option<(NewMessage, String)>,
    ) -> Result<usize, StoreError> {
        let tx = self.write()?;
        let mut queued = 0;
        {
            let mut rows = INVITATIONS.open(&tx)?;
            let mut due = Vec::new();
            for item in rows.iter()? {
                let (k, inv) = item?;
                let waiting = inv.answer.is_none() && inv.reminded_at.is_none();
                if inv.event_id == event_id && waiting {
                    due.push((k.value().to_owned(), inv));
                }
            }
            let mut links = tx.open_table(INVITATION_LINKS)?;
            for (k, mut inv) in due {
                let Some((message, token_hash)) = compose(&inv) else {
                    continue;
                };
                links.insert(token_hash.as_str(), k.as_str())?;
                enqueue(&tx, message, now_ms(), domain)?;
                inv.reminded_at = Some(at.to_owned());
                rows.insert(k.as_str(), &inv)?;
                queued += 1;
            }
        }
        tx.commit()?;
        Ok(queued)
    }

    /// Take every invitation to `email` out, with its link (the person's erasure).
    pub fn forget_invitations(&self, email: &str) -> Result<usize, StoreError> {
        let tx = self.write()?;
        let n = forget_invitations_in(&tx, email)?;
        tx.commit()?;
        Ok(n)
    }
}

/// [`Store::forget_invitations`] in a transaction of the caller's.
pub fn forget_invitations_in(tx: &WriteTransaction, email: &str) -> Result<usize, StoreError> {
    let mut rows = INVITATIONS.open(tx)?;
    let mut gone = HashSet::new();
    for item in rows.iter()? {
        let (k, inv) = item?;
        if inv.email == email {
            gone.insert(k.value().to_owned());
        }
    }
    for k in &gone {
        rows.remove(k.as_str())?;
    }
    let mut links = tx.open_table(INVITATION_LINKS)?;
    links.retain(|_, k| !gone.contains(k))?;
    Ok(gone.len())
}
