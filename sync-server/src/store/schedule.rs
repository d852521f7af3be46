//! What the server has told volunteers about their shifts, so it tells each thing once: the
//! times of every shift as last told (a catalog that differs means a shift moved or was
//! cancelled, and its holders are owed a notice) and the reminders sent (per signup and
//! shift start, so a moved shift is reminded again at its new time).
//!
//! Whatever changes the catalog (the admin page, the API, a TOML import), the scheduler
//! compares it with these tables and commits the notices together with the new times in
//! one transaction: a crash before the commit sends them after the restart, never twice.

use std::collections::BTreeMap;

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::outbox::{NewMessage, enqueue, now_ms};
use super::schema::{INDEX, REMINDED, SHIFTS_TOLD, SIGNUPS};
use super::{SignupRow, Store, StoreError};

/// A shift as volunteers were last told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftTold {
    /// Its job.
    pub opportunity_id: String,
    /// RFC 3339.
    pub starts: String,
    /// RFC 3339.
    pub ends: String,
}

/// What one run of the scheduler commits.
#[derive(Debug, Default)]
pub struct Schedule {
    /// Shifts to record as told (new or moved), by id.
    pub told: Vec<(String, ShiftTold)>,
    /// Shifts gone from the catalog, whose record is removed.
    pub forgotten: Vec<String>,
    /// Notices to queue now.
    pub messages: Vec<NewMessage>,
    /// Reminders to queue now: (signup id, the shift's start it reminds of, message).
    pub reminders: Vec<(String, String, NewMessage)>,
}

impl Schedule {
    /// Whether it holds nothing to commit.
    pub fn is_empty(&self) -> bool {
        self.told.is_empty()
            && self.forgotten.is_empty()
            && self.messages.is_empty()
            && self.reminders.is_empty()
    }
}

impl Store {
    /// Every shift as last told, by id.
    pub fn shifts_told(&self) -> Result<BTreeMap<String, ShiftTold>, StoreError> {
        let tx = self.read()?;
        let table = SHIFTS_TOLD.read(&tx)?;
        let mut out = BTreeMap::new();
        for item in table.iter()? {
            let (k, v) = item?;
            out.insert(k.value().to_owned(), v);
        }
        Ok(out)
    }

    /// The signups held for `shift_id` (any status), through the index.
    pub fn shift_holders(&self, shift_id: &str) -> Result<Vec<SignupRow>, StoreError> {
        let tx = self.read()?;
        let index = tx.open_table(INDEX)?;
        let signups = SIGNUPS.read(&tx)?;
        let mut out = Vec::new();
        for entry in index.range(("shift", shift_id, "")..)? {
            let (key, _) = entry?;
            let (field, value, id) = key.value();
            if field != "shift" || value != shift_id {
                break;
            }
            if let Some(row) = signups.get(id)? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Whether `signup` was reminded of its shift starting at `starts`.
    pub fn reminded(&self, signup: &str, starts: &str) -> Result<bool, StoreError> {
        let tx = self.read()?;
        Ok(tx.open_table(REMINDED)?.get((signup, starts))?.is_some())
    }

    /// Commit one run of the scheduler in one transaction. Returns how many messages it
    /// queued.
    pub fn commit_schedule(&self, s: Schedule, domain: &str) -> Result<usize, StoreError> {
        if s.is_empty() {
            return Ok(0);
        }
        let tx = self.write()?;
        let mut queued = 0;
        {
            let mut told = SHIFTS_TOLD.open(&tx)?;
            for (id, t) in &s.told {
                told.insert(id.as_str(), t)?;
            }
            for id in &s.forgotten {
                told.remove(id.as_str())?;
            }
            let mut reminded = tx.open_table(REMINDED)?;
            for (signup, starts, _) in &s.reminders {
                reminded.insert((signup.as_str(), starts.as_str()), ())?;
            }
        }
        for m in s.messages {
            enqueue(&tx, m, now_ms(), domain)?;
            queued += 1;
        }
        for (_, _, m) in s.reminders {
            enqueue(&tx, m, now_ms(), domain)?;
            queued += 1;
        }
        tx.commit()?;
        Ok(queued)
    }
}

/// Forget the reminders of `signup` (its erasure), in `tx`.
pub(crate) fn remove_for_signup(
    tx: &redb::WriteTransaction,
    signup: &str,
) -> Result<(), StoreError> {
    let mut reminded = tx.open_table(REMINDED)?;
    let mut keys: Vec<String> = Vec::new();
    for entry in reminded.range((signup, "")..)? {
        let (k, _) = entry?;
        let (s, starts) = k.value();
        if s != signup {
            break;
        }
        keys.push(starts.to_owned());
    }
    for starts in &keys {
        reminded.remove((signup, starts.as_str()))?;
    }
    Ok(())
}
