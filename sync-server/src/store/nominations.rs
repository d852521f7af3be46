//! Nominations for the volunteer prize (Frivillighedsprisen), as citizens send them from
//! the portal: who, why, and by whom, with the version of the consent the nominator gave.
//! Admins read them, mark them and delete them when the prize is awarded.

use serde::{Deserialize, Serialize};

use super::schema::NOMINATIONS;
use super::{Store, StoreError};

/// One nomination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nomination {
    /// Random id.
    pub id: String,
    /// RFC 3339 of receipt.
    pub at: String,
    /// The volunteer nominated.
    pub nominee: String,
    /// Where they volunteer, as the nominator wrote it.
    pub place: String,
    /// Why.
    pub why: String,
    /// The nominator's name.
    pub by_name: String,
    /// The nominator's e-mail or phone.
    pub by_contact: String,
    /// The version of the consent text the nominator agreed to.
    pub consent_version: u32,
    /// `new` or `read` (the admins have been through it).
    pub state: String,
}

impl Store {
    /// Every nomination, oldest first.
    pub fn nominations(&self) -> Result<Vec<Nomination>, StoreError> {
        let tx = self.read()?;
        let t = NOMINATIONS.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            out.push(item?.1);
        }
        out.sort_by(|a, b| a.at.cmp(&b.at));
        Ok(out)
    }

    /// Store a nomination.
    pub fn add_nomination(&self, n: &Nomination) -> Result<(), StoreError> {
        let tx = self.write()?;
        NOMINATIONS.open(&tx)?.insert(n.id.as_str(), n)?;
        tx.commit()?;
        Ok(())
    }

    /// Change a nomination's state, or delete it (`None`). Whether it existed.
    pub fn change_nomination(
        &self,
        id: &str,
        state: Option<&str>,
        audit: impl FnOnce(&redb::WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        let tx = self.write()?;
        let found = {
            let mut t = NOMINATIONS.open(&tx)?;
            match (t.get(id)?, state) {
                (None, _) => false,
                (Some(_), None) => t.remove(id)?.is_some(),
                (Some(mut n), Some(s)) => {
                    n.state = s.to_owned();
                    t.insert(id, &n)?;
                    true
                }
            }
        };
        if found {
            audit(&tx)?;
        }
        tx.commit()?;
        Ok(found)
    }
}
