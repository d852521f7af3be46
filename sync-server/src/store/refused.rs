//! Records the ingest's trust checks refused, kept aside for admins: the ingest writes them
//! in its own transaction (see [`super::signups`]); these are the reads and the clean-up.

use super::schema::REFUSED;
use super::{RefusedRow, Store, StoreError};

/// The key of a refused record: its journal and its id, so one kiosk's record cannot stand
/// in for another journal's.
pub fn refused_key(doc_id: &str, signup_id: &str) -> String {
    format!("{doc_id}/{signup_id}")
}

impl Store {
    /// Every refused record, newest first.
    pub fn refused_records(&self) -> Result<Vec<RefusedRow>, StoreError> {
        let tx = self.read()?;
        let mut out: Vec<RefusedRow> = REFUSED
            .read(&tx)?
            .iter()?
            .map(|item| item.map(|(_, row)| row))
            .collect::<Result<_, _>>()?;
        out.sort_by(|a, b| b.refused_at.cmp(&a.refused_at));
        Ok(out)
    }

    /// The refused records of one journal, in key order.
    pub fn refused_in_journal(&self, doc_id: &str) -> Result<Vec<RefusedRow>, StoreError> {
        let tx = self.read()?;
        let table = tx.open_table(REFUSED.def())?;
        let prefix = refused_key(doc_id, "");
        let mut ids = Vec::new();
        for item in table.range(prefix.as_str()..)? {
            let (k, _) = item?;
            if !k.value().starts_with(&prefix) {
                break;
            }
            ids.push(k.value().to_owned());
        }
        let rows = REFUSED.read(&tx)?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(row) = rows.get(id.as_str())? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Remove refused records first refused before `cutoff` (RFC 3339, compared as text:
    /// both are the server's UTC times) and every one with `signup_id`, if given. Returns
    /// how many went.
    pub fn forget_refused(
        &self,
        cutoff: Option<&str>,
        signup_id: Option<&str>,
    ) -> Result<u64, StoreError> {
        let tx = self.write()?;
        let gone = {
            let mut table = REFUSED.open(&tx)?;
            let before = table.len()?;
            table.retain(|row| {
                let old = cutoff.is_some_and(|c| row.refused_at.as_str() < c);
                let named = signup_id.is_some_and(|id| row.record.id == id);
                !(old || named)
            })?;
            before - table.len()?
        };
        tx.commit()?;
        Ok(gone)
    }
}
