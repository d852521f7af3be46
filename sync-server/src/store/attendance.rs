//! Attendance as coordinators record it for a signup: present or no-show after the shift
//! (which overrides what the kiosks' check-ins say) and hours entered by hand, each with
//! its reason. Check-ins themselves live in the signup's record, written by kiosks.

use serde::{Deserialize, Serialize};

use super::schema::ATTENDANCE;
use super::{Store, StoreError};

/// A coordinator's mark after the shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Came (true) or did not (a no-show: recorded, never shown publicly).
    pub present: bool,
    /// Who marked it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Hours entered by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursEntry {
    /// How long, in minutes.
    pub minutes: u32,
    /// The day the work was done (`YYYY-MM-DD`): its year is the year the hours count in.
    pub day: String,
    /// Why (e.g. preparation, an ongoing job's month).
    pub reason: String,
    /// Who entered it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// What coordinators recorded for one signup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    /// Present or no-show, if marked.
    pub mark: Option<Mark>,
    /// Hours entered by hand.
    pub entries: Vec<HoursEntry>,
}

impl Store {
    /// What was recorded for `signup_id` (nothing yet: the default).
    pub fn attendance(&self, signup_id: &str) -> Result<Attendance, StoreError> {
        Ok(ATTENDANCE
            .read(&self.read()?)?
            .get(signup_id)?
            .unwrap_or_default())
    }

    /// Change what was recorded for `signup_id`, in one transaction with its audit entry
    /// (`audit` writes it).
    pub fn change_attendance(
        &self,
        signup_id: &str,
        change: impl FnOnce(&mut Attendance),
        audit: impl FnOnce(&redb::WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut t = ATTENDANCE.open(&tx)?;
            let mut a = t.get(signup_id)?.unwrap_or_default();
            change(&mut a);
            if a == Attendance::default() {
                t.remove(signup_id)?;
            } else {
                t.insert(signup_id, &a)?;
            }
        }
        audit(&tx)?;
        tx.commit()?;
        Ok(())
    }
}
