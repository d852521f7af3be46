//! Signups: the commit of each ingest, the index, and the queries over them.

use std::collections::BTreeMap;

use redb::ReadableTable;

use frivillig_common::domain::SignupRecord;

use super::outbox::{NewMessage, enqueue};
use super::refused::refused_key;
use super::schema::{
    ERASED, INDEX, JOURNAL_CHUNKS, JOURNALS, PENDING_PRESENCE, REFUSED, SAMOD_CHUNKS, SIGNUPS,
};
use super::{
    IngestBatch, IngestOutcome, RefusedRow, SignupFilter, SignupRow, Store, StoreError, now,
};

/// The index entries of a record: (field, value) for each of
/// [`INDEX_FIELDS`](super::INDEX_FIELDS) it has.
pub fn index_entries(r: &SignupRecord) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("status", r.status.as_str().to_owned()),
        ("opportunity", r.opportunity_id.clone()),
        ("site", r.site_id.clone()),
        ("date", r.created_at.chars().take(10).collect()),
    ];
    if let Some(shift) = &r.shift_id {
        out.push(("shift", shift.clone()));
    }
    out
}

/// The record a journal holds, with the coordinators' work as the store has it: the store
/// is the authority for status, history, notes and assignee (the server writes them there
/// first, and a kiosk may not write them at all); check-ins are the union of both.
fn keep_coordinators_work(stored: &SignupRecord, from_journal: SignupRecord) -> SignupRecord {
    let mut check_ins = stored.check_ins.clone();
    for c in from_journal.check_ins {
        if !check_ins.contains(&c) {
            check_ins.push(c);
        }
    }
    SignupRecord {
        status: stored.status,
        status_history: stored.status_history.clone(),
        notes: stored.notes.clone(),
        assignee: stored.assignee.clone(),
        check_ins,
        ..from_journal
    }
}

/// At most this many check-ins wait for one signup that has not arrived: a kiosk cannot
/// fill the table with check-ins for signups that do not exist.
const MAX_PENDING_PRESENCE: usize = 16;

impl Store {
    /// Change a signup's record with `edit` in one transaction (index and list with it).
    /// `None` if there is no such signup.
    pub fn edit_signup(
        &self,
        id: &str,
        edit: impl FnOnce(&mut SignupRecord),
    ) -> Result<Option<SignupRow>, StoreError> {
        self.edit_signup_with(id, edit, |_| Vec::new(), "frivillig")
    }

    /// [`Store::edit_signup`], queueing in the same transaction the messages `compose` writes
    /// for the edited row (a status notice), so the change is never stored without them.
    pub fn edit_signup_with(
        &self,
        id: &str,
        edit: impl FnOnce(&mut SignupRecord),
        compose: impl FnOnce(&SignupRow) -> Vec<(NewMessage, u64)>,
        domain: &str,
    ) -> Result<Option<SignupRow>, StoreError> {
        let tx = self.write()?;
        let row = {
            let mut signups = SIGNUPS.open(&tx)?;
            let Some(mut row) = signups.get(id)? else {
                return Ok(None);
            };
            let mut index = tx.open_table(INDEX)?;
            for (f, v) in index_entries(&row.record) {
                index.remove((f, v.as_str(), id))?;
            }
            edit(&mut row.record);
            for (f, v) in index_entries(&row.record) {
                index.insert((f, v.as_str(), id), ())?;
            }
            signups.insert(id, &row)?;
            row
        };
        for (message, due_ms) in compose(&row) {
            enqueue(&tx, message, due_ms, domain)?;
        }
        tx.commit()?;
        self.listing_mut().upsert(&row);
        Ok(Some(row))
    }

    /// Change the personal data of signup `id` (the person changed their phone or address
    /// on Min side). The store is the authority for it from then on; the kiosk's sealed
    /// copy is what was given at signup.
    pub fn edit_person(
        &self,
        id: &str,
        edit: impl FnOnce(&mut frivillig_common::domain::PersonalData),
    ) -> Result<Option<SignupRow>, StoreError> {
        let tx = self.write()?;
        let row = {
            let mut signups = SIGNUPS.open(&tx)?;
            let Some(mut row) = signups.get(id)? else {
                return Ok(None);
            };
            let Some(person) = row.person.as_mut() else {
                return Ok(None);
            };
            edit(person);
            signups.insert(id, &row)?;
            row
        };
        tx.commit()?;
        self.listing_mut().upsert(&row);
        Ok(Some(row))
    }

    /// Commit one ingest: the chunk, the journal row, every signup and its index entries.
    pub fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        self.ingest_with(batch, &mut |_| Vec::new(), "frivillig")
    }

    /// [`Store::ingest`], queueing in the same transaction the messages `compose` writes for
    /// each signup new to the server (its confirmation), so a signup is never stored without
    /// them nor they without it. `domain` goes into their Message-IDs.
    pub fn ingest_with(
        &self,
        batch: IngestBatch,
        compose: &mut dyn FnMut(&SignupRow) -> Vec<(NewMessage, u64)>,
        domain: &str,
    ) -> Result<IngestOutcome, StoreError> {
        let tx = self.write()?;
        let mut changed: Vec<SignupRow> = Vec::new();
        let outcome = {
            let mut journals = JOURNALS.open(&tx)?;
            let mut chunks = tx.open_table(JOURNAL_CHUNKS)?;
            let mut signups = SIGNUPS.open(&tx)?;
            let mut index = tx.open_table(INDEX)?;
            let erased = tx.open_table(ERASED)?;
            let Some(mut row) = journals.get(batch.doc_id.as_str())? else {
                return Err(StoreError::UnknownJournal(batch.doc_id));
            };
            if !batch.chunk.is_empty() {
                chunks.insert((batch.doc_id.as_str(), row.chunks), batch.chunk.as_slice())?;
                row.chunks += 1;
                // The same changes as one of samod's chunks, in this commit: samod's own
                // write of them may have failed (a full disk; samod does not retry), and
                // after a restart the server's copy of the journal must still hold all it
                // acknowledged, or a coordinator's later edit could not find the signup.
                // samod loads any key under the prefix and deletes it when it compacts.
                use sha2::Digest as _;
                let key = format!(
                    "{}/incremental/ingest-{}",
                    batch.doc_id,
                    hex::encode(sha2::Sha256::digest(&batch.chunk))
                );
                tx.open_table(SAMOD_CHUNKS)?
                    .insert(key.as_str(), batch.chunk.as_slice())?;
            }
            row.saved_heads = batch.heads.clone();
            let mut outcome = IngestOutcome {
                signups: 0,
                new: 0,
                refused: 0,
            };
            let received_at = now();
            let mut refused = REFUSED.open(&tx)?;
            let mut pending = PENDING_PRESENCE.open(&tx)?;
            for (record, person) in batch.records {
                // An erased signup stays erased, whatever copy of its journal arrives.
                if erased.get(record.id.as_str())?.is_some() {
                    continue;
                }
                let mut is_new = false;
                let new_row = match signups.get(record.id.as_str())? {
                    // An id that lives in another journal: a broken or hostile peer must not
                    // overwrite someone else's signup.
                    Some(old) if old.journal_doc_id != batch.doc_id => {
                        outcome.refused += 1;
                        continue;
                    }
                    Some(old) => {
                        let merged = keep_coordinators_work(&old.record, record);
                        if old.record == merged && (old.person.is_some() || person.is_none()) {
                            outcome.signups += 1;
                            continue;
                        }
                        for (f, v) in index_entries(&old.record) {
                            index.remove((f, v.as_str(), merged.id.as_str()))?;
                        }
                        SignupRow {
                            // What the store holds stands: a person may have changed their
                            // phone on Min side, and the sealed copy never changes.
                            person: old.person.or(person),
                            record: merged,
                            ..old
                        }
                    }
                    None => {
                        outcome.new += 1;
                        is_new = true;
                        let mut record = record;
                        // Check-ins another kiosk's journal brought before this signup came.
                        if let Some(pending) = pending.remove(record.id.as_str())? {
                            for c in pending {
                                if !record.check_ins.contains(&c) {
                                    record.check_ins.push(c);
                                }
                            }
                        }
                        SignupRow {
                            record,
                            person,
                            journal_doc_id: batch.doc_id.clone(),
                            received_at: received_at.clone(),
                        }
                    }
                };
                // Taken now: whatever was refused of it before no longer stands.
                refused.remove(refused_key(&batch.doc_id, &new_row.record.id).as_str())?;
                for (f, v) in index_entries(&new_row.record) {
                    index.insert((f, v.as_str(), new_row.record.id.as_str()), ())?;
                }
                signups.insert(new_row.record.id.as_str(), &new_row)?;
                if is_new {
                    for (message, due_ms) in compose(&new_row) {
                        enqueue(&tx, message, due_ms, domain)?;
                    }
                }
                changed.push(new_row);
                outcome.signups += 1;
            }
            for (record, reason) in batch.refused {
                outcome.refused += 1;
                let key = refused_key(&batch.doc_id, &record.id);
                let refused_at = match refused.get(key.as_str())? {
                    Some(old) if old.reason == reason => old.refused_at,
                    _ => received_at.clone(),
                };
                let kept = RefusedRow {
                    journal_doc_id: batch.doc_id.clone(),
                    owner: row.owner.to_string(),
                    record,
                    reason,
                    refused_at,
                };
                refused.insert(key.as_str(), &kept)?;
            }
            for (signup_id, c) in batch.presence {
                if erased.get(signup_id.as_str())?.is_some() {
                    continue;
                }
                match signups.get(signup_id.as_str())? {
                    Some(mut held) if !held.record.check_ins.contains(&c) => {
                        held.record.check_ins.push(c);
                        signups.insert(signup_id.as_str(), &held)?;
                        changed.push(held);
                    }
                    Some(_) => {}
                    None => {
                        let mut waiting = pending.get(signup_id.as_str())?.unwrap_or_default();
                        if !waiting.contains(&c) && waiting.len() < MAX_PENDING_PRESENCE {
                            waiting.push(c);
                            pending.insert(signup_id.as_str(), &waiting)?;
                        }
                    }
                }
            }
            row.signups = outcome.signups;
            journals.insert(batch.doc_id.as_str(), &row)?;
            outcome
        };
        tx.commit()?;
        // Only after the commit: the list never shows what redb does not hold.
        let mut listing = self.listing_mut();
        for row in &changed {
            listing.upsert(row);
        }
        Ok(outcome)
    }

    /// Spots taken on each of `shift_ids`: the signups held for the shift that were neither
    /// declined nor withdrawn. Reads the index, so it costs the shift's signups, not all.
    pub fn taken_per_shift(
        &self,
        shift_ids: &[String],
    ) -> Result<BTreeMap<String, u32>, StoreError> {
        let tx = self.read()?;
        let index = tx.open_table(INDEX)?;
        let signups = SIGNUPS.read(&tx)?;
        let mut out = BTreeMap::new();
        for shift in shift_ids {
            let mut n = 0u32;
            for entry in index.range(("shift", shift.as_str(), "")..)? {
                let (key, _) = entry?;
                let (field, value, id) = key.value();
                if field != "shift" || value != shift {
                    break;
                }
                let Some(row) = signups.get(id)? else {
                    continue;
                };
                if !row.record.status.is_closed() {
                    n += 1;
                }
            }
            if n > 0 {
                out.insert(shift.clone(), n);
            }
        }
        Ok(out)
    }

    /// One signup.
    pub fn signup(&self, id: &str) -> Result<Option<SignupRow>, StoreError> {
        SIGNUPS.read(&self.read()?)?.get(id)
    }

    /// How many signups the server holds.
    pub fn signup_count(&self) -> Result<u64, StoreError> {
        SIGNUPS.read(&self.read()?)?.len()
    }

    /// List signups matching `filter`, newest id order is not meaningful: ordered by id.
    pub fn list_signups(&self, filter: &SignupFilter) -> Result<(Vec<SignupRow>, u64), StoreError> {
        let tx = self.read()?;
        let signups = SIGNUPS.read(&tx)?;
        let index = tx.open_table(INDEX)?;
        let wanted: Vec<(&str, &str)> = [
            ("status", &filter.status),
            ("opportunity", &filter.opportunity),
            ("shift", &filter.shift),
            ("site", &filter.site),
            ("date", &filter.date),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.as_deref().map(|v| (f, v)))
        .collect();
        let ids: Vec<String> = match wanted.split_first() {
            None => tx
                .open_table(SIGNUPS.def())?
                .iter()?
                .map(|i| Ok::<_, StoreError>(i?.0.value().to_owned()))
                .collect::<Result<_, _>>()?,
            Some(((f, v), rest)) => {
                let mut ids = Vec::new();
                for item in index.range((*f, *v, "")..)? {
                    let (k, _) = item?;
                    let (kf, kv, id) = k.value();
                    if kf != *f || kv != *v {
                        break;
                    }
                    let mut keep = true;
                    for (rf, rv) in rest {
                        if index.get((*rf, *rv, id))?.is_none() {
                            keep = false;
                            break;
                        }
                    }
                    if keep {
                        ids.push(id.to_owned());
                    }
                }
                ids
            }
        };
        let total = ids.len() as u64;
        let offset = filter.offset.unwrap_or(0) as usize;
        let limit = filter.limit.unwrap_or(100).min(1000) as usize;
        let mut out = Vec::new();
        for id in ids.iter().skip(offset).take(limit) {
            if let Some(row) = signups.get(id.as_str())? {
                out.push(row);
            }
        }
        Ok((out, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::domain::Status;
    use frivillig_common::storage::RedbStorage;

    fn record(id: &str, status: &str, opp: &str) -> SignupRecord {
        crate::store::test_record(
            id,
            Status::parse(status).expect("a status"),
            opp,
            "bibliotek",
            "2026-11-27T10:00:00+01:00",
        )
    }

    #[test]
    fn ingest_indexes_and_refuses_foreign_ids() {
        let dir = tempfile::tempdir().expect("tmp");
        let storage = RedbStorage::open(&dir.path().join("s.redb")).expect("db");
        let store = Store::new(storage).expect("store");
        for j in ["j1", "j2"] {
            let owner = crate::store::JournalOwner::parse("k1").expect("owner");
            store.claim_journal(j, &owner, "2026-11-27").expect("claim");
        }
        let batch = |doc: &str, recs: Vec<SignupRecord>| IngestBatch {
            doc_id: doc.into(),
            heads: vec![],
            chunk: b"x".to_vec(),
            records: recs.into_iter().map(|r| (r, None)).collect(),
            refused: Vec::new(),
            presence: Vec::new(),
        };
        let out = store
            .ingest(batch(
                "j1",
                vec![record("a", "new", "o1"), record("b", "new", "o2")],
            ))
            .expect("ingest");
        assert_eq!(
            out,
            IngestOutcome {
                signups: 2,
                new: 2,
                refused: 0
            }
        );
        let out = store
            .ingest(batch("j2", vec![record("a", "active", "o1")]))
            .expect("ingest");
        assert_eq!(out.refused, 1);
        // A journal cannot change a status: the store's is the coordinators'.
        store
            .ingest(batch("j1", vec![record("a", "contacted", "o1")]))
            .expect("ingest");
        let contacted = SignupFilter {
            status: Some("contacted".into()),
            ..Default::default()
        };
        assert_eq!(store.list_signups(&contacted).expect("list").1, 0);
        store
            .edit_signup("a", |r| r.status = Status::Contacted)
            .expect("edit")
            .expect("a signup");
        let (rows, total) = store.list_signups(&contacted).expect("list");
        assert_eq!((rows.len(), total), (1, 1));
        // And a later ingest of the journal keeps it.
        store
            .ingest(batch("j1", vec![record("a", "new", "o1")]))
            .expect("ingest");
        assert_eq!(store.list_signups(&contacted).expect("list").1, 1);
        let f = SignupFilter {
            status: Some("new".into()),
            opportunity: Some("o2".into()),
            ..Default::default()
        };
        assert_eq!(store.list_signups(&f).expect("list").1, 1);
        let f = SignupFilter {
            status: Some("new".into()),
            opportunity: Some("o1".into()),
            ..Default::default()
        };
        assert_eq!(store.list_signups(&f).expect("list").1, 0);
        assert_eq!(store.journal_bytes("j1").expect("bytes"), b"xxx");
    }
}
