//! Signups marked for a coordinator's follow-up because their shift moved or was cancelled
//! after they signed up: the signup stays as it was, the mark says what happened, and it
//! goes when a coordinator has been in touch (or the signup is erased).

use serde::{Deserialize, Serialize};

use super::schema::FOLLOW_UPS;
use super::{Store, StoreError};

/// What happened to the shift a signup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShiftChange {
    /// Moved from one time to another.
    Moved {
        /// RFC 3339, as it was.
        from_starts: String,
        /// RFC 3339, as it was.
        from_ends: String,
        /// RFC 3339, as it is now.
        to_starts: String,
        /// RFC 3339, as it is now.
        to_ends: String,
    },
    /// Taken out of the catalog.
    Cancelled {
        /// RFC 3339, as it was.
        starts: String,
        /// RFC 3339, as it was.
        ends: String,
    },
}

/// A signup's mark for follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// The shift.
    pub shift_id: String,
    /// What happened to it.
    pub change: ShiftChange,
    /// Who changed the catalog.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

impl Store {
    /// Mark each signup for follow-up, in one transaction. A later mark replaces an earlier
    /// one (a shift moved twice says where it is now).
    pub fn mark_follow_ups(&self, marks: &[(String, FollowUp)]) -> Result<(), StoreError> {
        if marks.is_empty() {
            return Ok(());
        }
        let tx = self.write()?;
        {
            let mut t = FOLLOW_UPS.open(&tx)?;
            for (id, mark) in marks {
                t.insert(id.as_str(), mark)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every signup marked for follow-up, by signup id.
    pub fn follow_ups(&self) -> Result<Vec<(String, FollowUp)>, StoreError> {
        let tx = self.read()?;
        let t = FOLLOW_UPS.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, v) = item?;
            out.push((k.value().to_owned(), v));
        }
        Ok(out)
    }

    /// One signup's mark, if it has one.
    pub fn follow_up(&self, signup_id: &str) -> Result<Option<FollowUp>, StoreError> {
        FOLLOW_UPS.read(&self.read()?)?.get(signup_id)
    }

    /// Take a signup's mark away (followed up, or the signup erased). Whether it had one.
    pub fn clear_follow_up(&self, signup_id: &str) -> Result<bool, StoreError> {
        let tx = self.write()?;
        let had = FOLLOW_UPS.open(&tx)?.remove(signup_id)?.is_some();
        tx.commit()?;
        Ok(had)
    }
}
