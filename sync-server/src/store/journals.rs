//! Journals: which kiosk owns each, and the server's durable copy of it.

use redb::ReadableTable;

use super::schema::{JOURNAL_CHUNKS, JOURNALS, RETIRED};
use super::{JournalOwner, JournalRow, Store, StoreError};

impl Store {
    /// A journal's row.
    pub fn journal(&self, doc_id: &str) -> Result<Option<JournalRow>, StoreError> {
        JOURNALS.read(&self.read()?)?.get(doc_id)
    }

    /// Every journal id.
    pub fn journal_ids(&self) -> Result<Vec<String>, StoreError> {
        let tx = self.read()?;
        let t = JOURNALS.read(&tx)?;
        t.iter()?.map(|i| Ok(i?.0.value().to_owned())).collect()
    }

    /// Record that `owner` created journal `doc_id`. Returns the owner on record (which is
    /// `owner` unless someone else claimed it first), or `None` for a retired journal.
    pub fn claim_journal(
        &self,
        doc_id: &str,
        owner: &JournalOwner,
        day: &str,
    ) -> Result<Option<JournalOwner>, StoreError> {
        let tx = self.write()?;
        // A journal retired by an erasure rewrite can never be registered again.
        if tx.open_table(RETIRED)?.get(doc_id)?.is_some() {
            return Ok(None);
        }
        let existing = {
            let mut t = JOURNALS.open(&tx)?;
            match t.get(doc_id)? {
                Some(row) => row.owner,
                None => {
                    let row = JournalRow {
                        owner: owner.clone(),
                        day: day.to_owned(),
                        saved_heads: Vec::new(),
                        chunks: 0,
                        signups: 0,
                        needs_rewrite: false,
                        relayed_by: Vec::new(),
                    };
                    t.insert(doc_id, &row)?;
                    owner.clone()
                }
            }
        };
        tx.commit()?;
        Ok(Some(existing))
    }

    /// How many journals `kiosk_id` carried for other kiosks (festival mode).
    pub fn journals_relayed_by(&self, kiosk_id: &str) -> Result<usize, StoreError> {
        let tx = self.read()?;
        let t = JOURNALS.read(&tx)?;
        let mut n = 0;
        for item in t.iter()? {
            let (_, row) = item?;
            n += usize::from(row.relayed_by.iter().any(|k| k == kiosk_id));
        }
        Ok(n)
    }

    /// Record that `relayer` carries journal `doc_id` for its owner; `false` if the journal
    /// is unknown. Returns whether the relayer is new.
    pub fn note_relayer(&self, doc_id: &str, relayer: &str) -> Result<bool, StoreError> {
        let tx = self.write()?;
        let added = {
            let mut t = JOURNALS.open(&tx)?;
            match t.get(doc_id)? {
                Some(mut row) if !row.relayed_by.iter().any(|k| k == relayer) => {
                    row.relayed_by.push(relayer.to_owned());
                    t.insert(doc_id, &row)?;
                    true
                }
                _ => false,
            }
        };
        tx.commit()?;
        Ok(added)
    }

    /// The durable copy of a journal: its chunks concatenated (loadable by Automerge).
    pub fn journal_bytes(&self, doc_id: &str) -> Result<Vec<u8>, StoreError> {
        let tx = self.read()?;
        let t = tx.open_table(JOURNAL_CHUNKS)?;
        let mut out = Vec::new();
        for item in t.range((doc_id, 0)..=(doc_id, u32::MAX))? {
            out.extend_from_slice(item?.1.value());
        }
        Ok(out)
    }
}
