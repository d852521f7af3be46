//! The outbox: every message the server owes someone, written in the same transaction as
//! the event that causes it, and taken out of the queue only when a mail server accepted it
//! or refused it for good. A crash between the two sends it again at most once more (the
//! receiving server sees the same Message-ID), never loses it.
//!
//! Three tables (see [`schema`](super::schema)): the messages by sequence number, the queue
//! by when each is due, and the messages of each signup (for its page and its erasure).

use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::schema::{OUTBOX, OUTBOX_BY_SIGNUP, OUTBOX_DUE};
use super::{Store, StoreError, now};

/// How a message travels. Only e-mail now; an SMS channel goes beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// SMTP, or the demo's folder of `.eml` files.
    Email,
}

/// Why a message was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// The signup reached the server.
    Confirmation,
    /// A coordinator changed the signup's status.
    StatusChanged,
    /// A coordinator wrote it.
    Coordinator,
    /// The person's shift is coming up.
    Reminder,
    /// The person's shift moved.
    ShiftMoved,
    /// The person's shift was cancelled.
    ShiftCancelled,
    /// A sign-in link to Min side the person asked for.
    SignInLink,
    /// An invitation to an event.
    Invitation,
    /// The one reminder of an invitation not answered.
    InvitationReminder,
}

impl MessageKind {
    /// What it is, in Danish and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            MessageKind::Confirmation => ("Bekræftelse", "Confirmation"),
            MessageKind::StatusChanged => ("Ny status", "Status changed"),
            MessageKind::Coordinator => ("Fra koordinator", "From a coordinator"),
            MessageKind::Reminder => ("Påmindelse", "Reminder"),
            MessageKind::ShiftMoved => ("Vagt flyttet", "Shift moved"),
            MessageKind::ShiftCancelled => ("Vagt aflyst", "Shift cancelled"),
            MessageKind::SignInLink => ("Link til Min side", "Link to My page"),
            MessageKind::Invitation => ("Invitation", "Invitation"),
            MessageKind::InvitationReminder => ("Påmindelse om invitation", "Invitation reminder"),
        }
    }
}

/// A message as composed, before it is queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// How it travels.
    pub channel: Channel,
    /// Why it was written.
    pub kind: MessageKind,
    /// The address it goes to.
    pub to: String,
    /// The signup it is about, if any.
    pub signup_id: Option<String>,
    /// Subject line.
    pub subject: String,
    /// The text, plain.
    pub body: String,
    /// A calendar file to attach (`text/calendar`), if any.
    pub ics: Option<String>,
}

/// Where a message stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Delivery {
    /// Waiting to be sent (again).
    Queued,
    /// The mail server accepted it (or it was written to the demo's folder).
    Sent {
        /// RFC 3339.
        at: String,
    },
    /// Refused for good, or given up on after retrying long enough.
    Failed {
        /// RFC 3339.
        at: String,
        /// The mail server's answer, or why it was given up.
        reason: String,
    },
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRow {
    /// What was composed.
    pub message: NewMessage,
    /// The Message-ID, fixed when it was queued, so a second delivery after a crash is the
    /// same message to the receiving server.
    pub message_id: String,
    /// RFC 3339 of queueing.
    pub queued_at: String,
    /// Where it stands.
    pub delivery: Delivery,
    /// When it is due (Unix milliseconds): its key in the queue while it is queued.
    pub due_ms: u64,
    /// How often sending was tried.
    pub attempts: u32,
    /// The last temporary failure, while it is retried.
    pub last_error: Option<String>,
}

/// The outcome of one try at sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted.
    Sent,
    /// Failed for now: try again at `next_ms` (Unix milliseconds).
    Retry {
        /// When to try again.
        next_ms: u64,
        /// What went wrong.
        error: String,
    },
    /// Failed for good.
    Failed {
        /// What the mail server said, or why it was given up.
        reason: String,
    },
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// Queue `message`, due at `due_ms`, in `tx` (the transaction of the event that causes it).
/// Returns its sequence number.
pub(crate) fn enqueue(
    tx: &WriteTransaction,
    message: NewMessage,
    due_ms: u64,
    domain: &str,
) -> Result<u64, StoreError> {
    let mut outbox = OUTBOX.open(tx)?;
    let seq = outbox.last_key()?.map_or(1, |k| k.value() + 1);
    if let Some(signup) = &message.signup_id {
        tx.open_table(OUTBOX_BY_SIGNUP)?
            .insert((signup.as_str(), seq), ())?;
    }
    let row = OutboxRow {
        message,
        message_id: format!("<{}.{seq}@{domain}>", frivillig_common::sync::new_secret()),
        queued_at: now(),
        delivery: Delivery::Queued,
        due_ms,
        attempts: 0,
        last_error: None,
    };
    outbox.insert(seq, &row)?;
    tx.open_table(OUTBOX_DUE)?.insert((due_ms, seq), ())?;
    Ok(seq)
}

/// Remove every message about `signup` (its erasure), in `tx`. Returns how many.
pub(crate) fn remove_for_signup(tx: &WriteTransaction, signup: &str) -> Result<u64, StoreError> {
    let mut by_signup = tx.open_table(OUTBOX_BY_SIGNUP)?;
    let seqs: Vec<u64> = by_signup
        .range((signup, 0)..=(signup, u64::MAX))?
        .map(|e| Ok::<_, StoreError>(e?.0.value().1))
        .collect::<Result<_, _>>()?;
    let mut outbox = OUTBOX.open(tx)?;
    let mut due = tx.open_table(OUTBOX_DUE)?;
    for &seq in &seqs {
        by_signup.remove((signup, seq))?;
        if let Some(row) = outbox.remove(seq)? {
            due.remove((row.due_ms, seq))?;
        }
    }
    Ok(seqs.len() as u64)
}

impl Store {
    /// Queue `messages` now, in one transaction. Returns their sequence numbers.
    pub fn queue_messages(
        &self,
        messages: Vec<NewMessage>,
        domain: &str,
    ) -> Result<Vec<u64>, StoreError> {
        let tx = self.write()?;
        let mut seqs = Vec::with_capacity(messages.len());
        for m in messages {
            seqs.push(enqueue(&tx, m, now_ms(), domain)?);
        }
        tx.commit()?;
        Ok(seqs)
    }

    /// Queue `message` now, in its own transaction (when no other write causes it).
    pub fn queue_message(&self, message: NewMessage, domain: &str) -> Result<u64, StoreError> {
        let tx = self.write()?;
        let seq = enqueue(&tx, message, now_ms(), domain)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Up to `limit` messages due at `at_ms` or before, oldest due first. A due entry whose
    /// message is gone or no longer queued (none should be) is dropped on the way.
    pub fn due_messages(
        &self,
        at_ms: u64,
        limit: usize,
    ) -> Result<Vec<(u64, OutboxRow)>, StoreError> {
        let mut out = Vec::new();
        let mut orphans = Vec::new();
        {
            let tx = self.read()?;
            let due = tx.open_table(OUTBOX_DUE)?;
            let outbox = OUTBOX.read(&tx)?;
            for entry in due.range((0, 0)..=(at_ms, u64::MAX))? {
                let (due_ms, seq) = entry?.0.value();
                match outbox.get(seq)? {
                    Some(row) if row.delivery == Delivery::Queued => out.push((seq, row)),
                    _ => orphans.push((due_ms, seq)),
                }
                if out.len() >= limit {
                    break;
                }
            }
        }
        if !orphans.is_empty() {
            let tx = self.write()?;
            {
                let mut due = tx.open_table(OUTBOX_DUE)?;
                for key in orphans {
                    due.remove(key)?;
                }
            }
            tx.commit()?;
        }
        Ok(out)
    }

    /// When the next queued message is due (Unix milliseconds), if any is.
    pub fn next_due(&self) -> Result<Option<u64>, StoreError> {
        let tx = self.read()?;
        let due = tx.open_table(OUTBOX_DUE)?;
        Ok(due.first()?.map(|(k, _)| k.value().0))
    }

    /// Record the outcome of a try at sending message `seq`. Sent and failed messages leave
    /// the queue; a retried one moves to its new time. Durable when it returns.
    pub fn record_attempt(&self, seq: u64, attempt: Attempt) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut outbox = OUTBOX.open(&tx)?;
            let Some(mut row) = outbox.get(seq)? else {
                return Ok(());
            };
            let mut due = tx.open_table(OUTBOX_DUE)?;
            due.remove((row.due_ms, seq))?;
            row.attempts += 1;
            match attempt {
                Attempt::Sent => {
                    row.delivery = Delivery::Sent { at: now() };
                    row.last_error = None;
                }
                Attempt::Retry { next_ms, error } => {
                    row.last_error = Some(error);
                    row.due_ms = next_ms;
                    due.insert((next_ms, seq), ())?;
                }
                Attempt::Failed { reason } => {
                    row.delivery = Delivery::Failed { at: now(), reason };
                }
            }
            outbox.insert(seq, &row)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` messages, newest first, from sequence number `before` down.
    pub fn messages(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, OutboxRow)>, StoreError> {
        let tx = self.read()?;
        let outbox = OUTBOX.read(&tx)?;
        let mut out = Vec::new();
        for item in outbox.iter()?.rev() {
            let (k, row) = item?;
            let seq = k.value();
            if before.is_some_and(|b| seq >= b) {
                continue;
            }
            out.push((seq, row));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// One message.
    pub fn message(&self, seq: u64) -> Result<Option<OutboxRow>, StoreError> {
        OUTBOX.read(&self.read()?)?.get(seq)
    }

    /// Every message about `signup`, oldest first.
    pub fn messages_for_signup(&self, signup: &str) -> Result<Vec<(u64, OutboxRow)>, StoreError> {
        let tx = self.read()?;
        let by_signup = tx.open_table(OUTBOX_BY_SIGNUP)?;
        let outbox = OUTBOX.read(&tx)?;
        let mut out = Vec::new();
        for entry in by_signup.range((signup, 0)..=(signup, u64::MAX))? {
            let seq = entry?.0.value().1;
            if let Some(row) = outbox.get(seq)? {
                out.push((seq, row));
            }
        }
        Ok(out)
    }

    /// How many messages wait to be sent.
    pub fn queued_messages(&self) -> Result<u64, StoreError> {
        Ok(self.read()?.open_table(OUTBOX_DUE)?.len()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::storage::RedbStorage;

    fn mail(to: &str, signup: Option<&str>) -> NewMessage {
        NewMessage {
            channel: Channel::Email,
            kind: MessageKind::Confirmation,
            to: to.into(),
            signup_id: signup.map(str::to_owned),
            subject: "Tak".into(),
            body: "Hej".into(),
            ics: None,
        }
    }

    #[test]
    fn a_message_leaves_the_queue_only_when_sent_or_failed_and_erasure_takes_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let store =
            Store::new(RedbStorage::open(&dir.path().join("s.redb")).expect("db")).expect("store");
        let a = store
            .queue_message(mail("a@x.dk", Some("s1")), "x.dk")
            .expect("queue");
        let b = store
            .queue_message(mail("b@x.dk", Some("s2")), "x.dk")
            .expect("queue");
        assert!(b > a);
        let due = store.due_messages(now_ms() + 1, 10).expect("due");
        assert_eq!(due.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![a, b]);
        let later = now_ms() + 60_000;
        store
            .record_attempt(
                a,
                Attempt::Retry {
                    next_ms: later,
                    error: "451".into(),
                },
            )
            .expect("retry");
        store.record_attempt(b, Attempt::Sent).expect("sent");
        assert!(
            store
                .due_messages(now_ms() + 1, 10)
                .expect("due")
                .is_empty()
        );
        assert_eq!(store.next_due().expect("next"), Some(later));
        let row = store.message(a).expect("read").expect("kept");
        assert_eq!((row.attempts, row.last_error.as_deref()), (1, Some("451")));
        assert_eq!(store.due_messages(later, 10).expect("due").len(), 1);
        store
            .record_attempt(
                a,
                Attempt::Failed {
                    reason: "550 no such user".into(),
                },
            )
            .expect("failed");
        assert_eq!(store.queued_messages().expect("count"), 0);
        assert!(matches!(
            store.message(a).expect("read").expect("kept").delivery,
            Delivery::Failed { .. }
        ));
        // Erasure takes the signup's messages and nobody else's.
        let tx = store.write().expect("tx");
        assert_eq!(remove_for_signup(&tx, "s1").expect("remove"), 1);
        tx.commit().expect("commit");
        assert!(store.messages_for_signup("s1").expect("list").is_empty());
        assert_eq!(store.messages_for_signup("s2").expect("list").len(), 1);
        assert_eq!(store.messages(None, 10).expect("list").len(), 1);
    }
}
