//! The server's own tables in redb, beside samod's chunks in the same file.
//!
//! The documents are the truth; these tables are what the server derived from them and
//! committed: enrolled devices, which kiosk owns which journal, the durable copy of each
//! journal (as incremental chunks), the opened signups and the index tables the coordinators'
//! listing reads. An acknowledgement to a kiosk is given only after a commit here.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use serde::{Deserialize, Serialize};

use frivillig_common::api::{KioskSummary, SignupView};
use frivillig_common::domain::{PersonalData, SignupRecord, Status};
use frivillig_common::storage::RedbStorage;

/// Enrolled devices: kiosk id -> [`DeviceRow`] (JSON).
pub(crate) const DEVICES: TableDefinition<&str, &[u8]> = TableDefinition::new("devices");
/// Journals: document id -> [`JournalRow`] (JSON).
pub(crate) const JOURNALS: TableDefinition<&str, &[u8]> = TableDefinition::new("journals");
/// The durable copy of each journal: (document id, chunk number) -> Automerge chunk.
pub(crate) const JOURNAL_CHUNKS: TableDefinition<(&str, u32), &[u8]> =
    TableDefinition::new("journal_chunks");
/// Opened signups: signup id -> [`SignupRow`] (JSON).
pub(crate) const SIGNUPS: TableDefinition<&str, &[u8]> = TableDefinition::new("signups");
/// Index: (field, value, signup id) -> ().
pub(crate) const INDEX: TableDefinition<(&str, &str, &str), ()> =
    TableDefinition::new("signup_index");
/// One-time enrolment codes: SHA-256 of the normalised code -> [`EnrolCodeRow`] (JSON).
pub(crate) const ENROL_CODES: TableDefinition<&str, &[u8]> = TableDefinition::new("enrol_codes");
/// Settings: name -> value.
pub(crate) const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

/// The fields signups are indexed by.
pub const INDEX_FIELDS: [&str; 5] = ["status", "opportunity", "shift", "site", "date"];

/// A failure of the server's store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// redb failed.
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    /// A stored row does not decode.
    #[error("a stored row is damaged: {0}")]
    Row(#[from] serde_json::Error),
    /// The database is closed or being opened again after an I/O error.
    #[error("{0}")]
    Storage(#[from] frivillig_common::storage::StorageError),
}

frivillig_common::from_redb_errors!(StoreError);

/// An enrolled kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRow {
    /// Site it stands at.
    pub site_id: String,
    /// SHA-256 of its secret.
    pub secret_hash: String,
    /// Revoked devices are refused at once.
    pub revoked: bool,
    /// RFC 3339.
    pub enrolled_at: String,
    /// RFC 3339 of the last authenticated request.
    pub last_contact: Option<String>,
    /// Unacknowledged signups it reported.
    pub queued: u64,
    /// The app version it reported at its last sync round.
    #[serde(default)]
    pub version: Option<String>,
    /// A benchmark client, not a kiosk (see `ServerConfig::bench_devices`).
    #[serde(default)]
    pub bench: bool,
}

impl DeviceRow {
    /// A newly enrolled device that has not been in touch yet.
    pub fn new(site_id: &str, secret_hash: String, enrolled_at: String) -> DeviceRow {
        DeviceRow {
            site_id: site_id.to_owned(),
            secret_hash,
            revoked: false,
            enrolled_at,
            last_contact: None,
            queued: 0,
            version: None,
            bench: false,
        }
    }
}

/// A one-time enrolment code as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolCodeRow {
    /// The kiosk it enrols.
    pub kiosk_id: String,
    /// Its site.
    pub site_id: String,
    /// RFC 3339 end of validity.
    pub expires_at: String,
    /// Redeemed already.
    pub used: bool,
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// No such code (mistyped or guessed).
    Unknown,
    /// Used once already.
    Used,
    /// Past its time.
    Expired,
    /// The kiosk id it names was enrolled meanwhile.
    KioskTaken,
}

/// Who owns a journal and how far the server's durable copy reaches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JournalRow {
    /// Kiosk id of the owner, or `web`.
    pub owner: String,
    /// Day it covers.
    pub day: String,
    /// Heads (hex) of the durable copy.
    pub saved_heads: Vec<String>,
    /// How many chunks the durable copy has.
    pub chunks: u32,
    /// Signups ingested from it.
    pub signups: u64,
    /// A signup in it was erased: the journal is to be rewritten without it.
    #[serde(default)]
    pub needs_rewrite: bool,
}

/// An ingested signup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignupRow {
    /// The record as in the journal.
    pub record: SignupRecord,
    /// The opened personal data.
    pub person: Option<PersonalData>,
    /// Journal holding it.
    pub journal_doc_id: String,
    /// RFC 3339 time of the first commit here.
    pub received_at: String,
}

impl From<SignupRow> for SignupView {
    fn from(row: SignupRow) -> Self {
        SignupView {
            record: row.record,
            person: row.person,
            journal_doc_id: row.journal_doc_id,
            received_at: row.received_at,
        }
    }
}

/// What one ingest writes.
pub struct IngestBatch {
    /// The journal.
    pub doc_id: String,
    /// The heads the durable copy reaches after this batch.
    pub heads: Vec<String>,
    /// The chunk to append (changes since the previous saved heads); empty if none.
    pub chunk: Vec<u8>,
    /// Records read from the document, with their personal data if newly opened.
    pub records: Vec<(SignupRecord, Option<PersonalData>)>,
}

/// The outcome of an ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOutcome {
    /// Signups in the journal after the ingest.
    pub signups: u64,
    /// Signups new to the server in this ingest.
    pub new: u64,
    /// Records refused (e.g. an id that belongs to another journal).
    pub refused: u64,
}

/// Filters for listing signups; all given filters must match.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SignupFilter {
    /// Status name.
    pub status: Option<String>,
    /// Opportunity id.
    pub opportunity: Option<String>,
    /// Shift id.
    pub shift: Option<String>,
    /// Site id.
    pub site: Option<String>,
    /// Kiosk-local date `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Skip this many.
    pub offset: Option<u64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// The server's tables, and the in-memory signup list derived from them.
#[derive(Clone)]
pub struct Store {
    /// Asked for the database at each operation, so one opened again after an I/O error
    /// serves every later one.
    storage: RedbStorage,
    listing: Arc<std::sync::RwLock<crate::listing::Listing>>,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn index_entries(r: &SignupRecord) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("status", r.status.clone()),
        ("opportunity", r.opportunity_id.clone()),
        ("site", r.site_id.clone()),
        ("date", r.created_at.chars().take(10).collect()),
    ];
    if let Some(shift) = &r.shift_id {
        out.push(("shift", shift.clone()));
    }
    out
}

impl Store {
    /// Use the database of `storage`, creating the tables.
    pub fn new(storage: RedbStorage) -> Result<Self, StoreError> {
        let db = storage.database()?;
        let tx = db.begin_write()?;
        tx.open_table(DEVICES)?;
        tx.open_table(JOURNALS)?;
        tx.open_table(JOURNAL_CHUNKS)?;
        tx.open_table(SIGNUPS)?;
        tx.open_table(INDEX)?;
        tx.open_table(META)?;
        tx.open_table(ENROL_CODES)?;
        tx.open_table(crate::accounts::ACCOUNTS)?;
        tx.open_table(crate::accounts::SESSIONS)?;
        tx.open_table(crate::audit::AUDIT)?;
        tx.open_table(crate::erasure::ERASED)?;
        tx.open_table(crate::erasure::RETIRED)?;
        tx.open_table(crate::review::DUPLICATES)?;
        tx.commit()?;
        let mut listing = crate::listing::Listing::default();
        {
            let tx = db.begin_read()?;
            for item in tx.open_table(SIGNUPS)?.iter()? {
                let (_, v) = item?;
                listing.upsert(&serde_json::from_slice(v.value())?);
            }
        }
        drop(db);
        Ok(Store {
            storage,
            listing: Arc::new(std::sync::RwLock::new(listing)),
        })
    }

    /// Change the signup list (after a commit that changed signups).
    pub(crate) fn listing_mut(&self) -> std::sync::RwLockWriteGuard<'_, crate::listing::Listing> {
        self.listing
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Read the signup list. A poisoned lock (a panic while updating it) is recovered: the
    /// list is rebuilt from redb only at start, so serving the last state is the best left.
    pub fn listing(&self) -> std::sync::RwLockReadGuard<'_, crate::listing::Listing> {
        self.listing
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The database, for one operation (never keep it: see [`RedbStorage::database`]).
    pub fn database(&self) -> Result<Arc<Database>, StoreError> {
        Ok(self.storage.database()?)
    }

    /// A write transaction that is durable when committed.
    pub(crate) fn write(&self) -> Result<redb::WriteTransaction, StoreError> {
        let mut tx = self.database()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        Ok(tx)
    }

    /// A setting.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(key)?.map(|v| v.value().to_owned()))
    }

    /// Set a setting.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.open_table(META)?.insert(key, value)?;
        tx.commit()?;
        Ok(())
    }

    /// A device by kiosk id.
    pub fn device(&self, kiosk_id: &str) -> Result<Option<DeviceRow>, StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(DEVICES)?;
        Ok(match t.get(kiosk_id)? {
            Some(v) => Some(serde_json::from_slice(v.value())?),
            None => None,
        })
    }

    /// Add a device; `false` if the id is taken.
    pub fn add_device(&self, kiosk_id: &str, row: &DeviceRow) -> Result<bool, StoreError> {
        let tx = self.write()?;
        {
            let mut t = tx.open_table(DEVICES)?;
            if t.get(kiosk_id)?.is_some() {
                return Ok(false);
            }
            t.insert(kiosk_id, serde_json::to_vec(row)?.as_slice())?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Change a device; `false` if unknown.
    pub fn update_device(
        &self,
        kiosk_id: &str,
        f: impl FnOnce(&mut DeviceRow),
    ) -> Result<bool, StoreError> {
        let tx = self.write()?;
        {
            let mut t = tx.open_table(DEVICES)?;
            let Some(mut row) = t
                .get(kiosk_id)?
                .map(|v| serde_json::from_slice::<DeviceRow>(v.value()))
                .transpose()?
            else {
                return Ok(false);
            };
            f(&mut row);
            t.insert(kiosk_id, serde_json::to_vec(&row)?.as_slice())?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Store a new enrolment code (by its hash).
    pub fn add_enrol_code(&self, code_hash: &str, row: &EnrolCodeRow) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.open_table(ENROL_CODES)?
            .insert(code_hash, serde_json::to_vec(row)?.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Redeem a code: in one transaction, check it, enrol the device, mark the code used.
    pub fn redeem_enrol_code(
        &self,
        code_hash: &str,
        now: &str,
        device: DeviceRow,
    ) -> Result<Result<EnrolCodeRow, CodeRefusal>, StoreError> {
        let tx = self.write()?;
        let outcome = {
            let mut codes = tx.open_table(ENROL_CODES)?;
            let mut devices = tx.open_table(DEVICES)?;
            let row: Option<EnrolCodeRow> = codes
                .get(code_hash)?
                .map(|v| serde_json::from_slice(v.value()))
                .transpose()?;
            match row {
                None => Err(CodeRefusal::Unknown),
                Some(r) if r.used => Err(CodeRefusal::Used),
                // RFC 3339 in UTC with a fixed format compares correctly as text.
                Some(r) if r.expires_at.as_str() <= now => Err(CodeRefusal::Expired),
                Some(r) if devices.get(r.kiosk_id.as_str())?.is_some() => {
                    Err(CodeRefusal::KioskTaken)
                }
                Some(mut r) => {
                    let device = DeviceRow {
                        site_id: r.site_id.clone(),
                        ..device
                    };
                    devices.insert(r.kiosk_id.as_str(), serde_json::to_vec(&device)?.as_slice())?;
                    r.used = true;
                    codes.insert(code_hash, serde_json::to_vec(&r)?.as_slice())?;
                    Ok(r)
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Every device.
    pub fn devices(&self) -> Result<Vec<KioskSummary>, StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(DEVICES)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, v) = item?;
            let row: DeviceRow = serde_json::from_slice(v.value())?;
            out.push(KioskSummary {
                kiosk_id: k.value().to_owned(),
                site_id: row.site_id,
                revoked: row.revoked,
                last_contact: row.last_contact,
                queued: row.queued,
                version: row.version,
            });
        }
        Ok(out)
    }

    /// A journal's row.
    pub fn journal(&self, doc_id: &str) -> Result<Option<JournalRow>, StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(JOURNALS)?;
        Ok(match t.get(doc_id)? {
            Some(v) => Some(serde_json::from_slice(v.value())?),
            None => None,
        })
    }

    /// Every journal id.
    pub fn journal_ids(&self) -> Result<Vec<String>, StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(JOURNALS)?;
        t.iter()?.map(|i| Ok(i?.0.value().to_owned())).collect()
    }

    /// Record that `owner` created journal `doc_id`. Returns the owner on record (which is
    /// `owner` unless someone else claimed it first).
    pub fn claim_journal(
        &self,
        doc_id: &str,
        owner: &str,
        day: &str,
    ) -> Result<String, StoreError> {
        let tx = self.write()?;
        // A journal retired by an erasure rewrite can never be registered again.
        if tx
            .open_table(crate::erasure::RETIRED)?
            .get(doc_id)?
            .is_some()
        {
            return Ok(String::new());
        }
        let existing = {
            let mut t = tx.open_table(JOURNALS)?;
            let existing = t
                .get(doc_id)?
                .map(|v| serde_json::from_slice::<JournalRow>(v.value()))
                .transpose()?;
            match existing {
                Some(row) => row.owner,
                None => {
                    let row = JournalRow {
                        owner: owner.to_owned(),
                        day: day.to_owned(),
                        ..Default::default()
                    };
                    t.insert(doc_id, serde_json::to_vec(&row)?.as_slice())?;
                    owner.to_owned()
                }
            }
        };
        tx.commit()?;
        Ok(existing)
    }

    /// The durable copy of a journal: its chunks concatenated (loadable by Automerge).
    pub fn journal_bytes(&self, doc_id: &str) -> Result<Vec<u8>, StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(JOURNAL_CHUNKS)?;
        let mut out = Vec::new();
        for item in t.range((doc_id, 0)..=(doc_id, u32::MAX))? {
            out.extend_from_slice(item?.1.value());
        }
        Ok(out)
    }

    /// Whether a signup's personal data is already opened here (so it need not be again).
    pub fn has_person(&self, signup_id: &str) -> Result<bool, StoreError> {
        Ok(self.signup(signup_id)?.is_some_and(|r| r.person.is_some()))
    }

    /// Commit one ingest: the chunk, the journal row, every signup and its index entries.
    pub fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        let tx = self.write()?;
        let mut changed: Vec<SignupRow> = Vec::new();
        let outcome = {
            let mut journals = tx.open_table(JOURNALS)?;
            let mut chunks = tx.open_table(JOURNAL_CHUNKS)?;
            let mut signups = tx.open_table(SIGNUPS)?;
            let mut index = tx.open_table(INDEX)?;
            let erased = tx.open_table(crate::erasure::ERASED)?;
            let mut row: JournalRow = journals
                .get(batch.doc_id.as_str())?
                .map(|v| serde_json::from_slice(v.value()))
                .transpose()?
                .unwrap_or_default();
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
                tx.open_table(frivillig_common::storage::CHUNKS)?
                    .insert(key.as_str(), batch.chunk.as_slice())?;
            }
            row.saved_heads = batch.heads.clone();
            let mut outcome = IngestOutcome {
                signups: 0,
                new: 0,
                refused: 0,
            };
            let received_at = now();
            for (record, person) in batch.records {
                // An erased signup stays erased, whatever copy of its journal arrives.
                if erased.get(record.id.as_str())?.is_some() {
                    continue;
                }
                let old: Option<SignupRow> = signups
                    .get(record.id.as_str())?
                    .map(|v| serde_json::from_slice(v.value()))
                    .transpose()?;
                let new_row = match old {
                    // An id that lives in another journal: a broken or hostile peer must not
                    // overwrite someone else's signup.
                    Some(old) if old.journal_doc_id != batch.doc_id => {
                        outcome.refused += 1;
                        continue;
                    }
                    Some(old) => {
                        if old.record == record && (old.person.is_some() || person.is_none()) {
                            outcome.signups += 1;
                            continue;
                        }
                        for (f, v) in index_entries(&old.record) {
                            index.remove((f, v.as_str(), record.id.as_str()))?;
                        }
                        SignupRow {
                            person: person.or(old.person),
                            record,
                            ..old
                        }
                    }
                    None => {
                        outcome.new += 1;
                        SignupRow {
                            record,
                            person,
                            journal_doc_id: batch.doc_id.clone(),
                            received_at: received_at.clone(),
                        }
                    }
                };
                for (f, v) in index_entries(&new_row.record) {
                    index.insert((f, v.as_str(), new_row.record.id.as_str()), ())?;
                }
                signups.insert(
                    new_row.record.id.as_str(),
                    serde_json::to_vec(&new_row)?.as_slice(),
                )?;
                changed.push(new_row);
                outcome.signups += 1;
            }
            row.signups = outcome.signups;
            journals.insert(batch.doc_id.as_str(), serde_json::to_vec(&row)?.as_slice())?;
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
        let tx = self.database()?.begin_read()?;
        let index = tx.open_table(INDEX)?;
        let signups = tx.open_table(SIGNUPS)?;
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
                let row: SignupRow = serde_json::from_slice(row.value())?;
                let status = Status::parse(&row.record.status);
                if !matches!(status, Some(Status::Declined | Status::Withdrawn)) {
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
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(SIGNUPS)?;
        Ok(match t.get(id)? {
            Some(v) => Some(serde_json::from_slice(v.value())?),
            None => None,
        })
    }

    /// How many signups the server holds.
    pub fn signup_count(&self) -> Result<u64, StoreError> {
        let tx = self.database()?.begin_read()?;
        Ok(tx.open_table(SIGNUPS)?.len()?)
    }

    /// List signups matching `filter`, newest id order is not meaningful: ordered by id.
    pub fn list_signups(&self, filter: &SignupFilter) -> Result<(Vec<SignupRow>, u64), StoreError> {
        let tx = self.database()?.begin_read()?;
        let signups = tx.open_table(SIGNUPS)?;
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
            None => signups
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
            if let Some(v) = signups.get(id.as_str())? {
                out.push(serde_json::from_slice(v.value())?);
            }
        }
        Ok((out, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::domain::Source;

    fn record(id: &str, status: &str, opp: &str) -> SignupRecord {
        SignupRecord {
            id: id.into(),
            opportunity_id: opp.into(),
            shift_id: None,
            site_id: "bibliotek".into(),
            source: Source::Kiosk("k1".into()),
            created_at: "2026-11-27T10:00:00+01:00".into(),
            consent_version: 1,
            consent_at: "2026-11-27T10:00:00+01:00".into(),
            receipt_hash: String::new(),
            sealed: String::new(),
            status: status.into(),
            status_history: vec![],
            check_ins: vec![],
            notes: vec![],
            assignee: None,
        }
    }

    #[test]
    fn ingest_indexes_and_refuses_foreign_ids() {
        let dir = tempfile::tempdir().expect("tmp");
        let storage = RedbStorage::open(&dir.path().join("s.redb")).expect("db");
        let store = Store::new(storage).expect("store");
        let batch = |doc: &str, recs: Vec<SignupRecord>| IngestBatch {
            doc_id: doc.into(),
            heads: vec![],
            chunk: b"x".to_vec(),
            records: recs.into_iter().map(|r| (r, None)).collect(),
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
        store
            .ingest(batch("j1", vec![record("a", "contacted", "o1")]))
            .expect("ingest");
        let f = SignupFilter {
            status: Some("contacted".into()),
            ..Default::default()
        };
        let (rows, total) = store.list_signups(&f).expect("list");
        assert_eq!((rows.len(), total), (1, 1));
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
        assert_eq!(store.journal_bytes("j1").expect("bytes"), b"xx");
    }
}
