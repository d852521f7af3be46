//! The signup journal: one document per kiosk per day (rolled over early at a size cap), and
//! one per day for web signups made at the server.
//!
//! Layout: `{ kind: "journal", owner, day, signups: { <signup id>: record }, runs: { <key>:
//! true } }`. `runs` holds the hex public key of every sealing run whose envelopes the
//! journal's records carry (see [`crate::seal`]: an envelope names its run by a short tag,
//! its key is here once). A record is `{ fixed, status, status_history: [], check_ins: [],
//! notes: [] }`. `fixed` is a JSON string of the fields that never change after the kiosk
//! writes them (job, shift, site, source, times, consent version, receipt hash, sealed
//! personal data). Nobody merges into them, and Automerge 0.12 costs about 18 µs per
//! operation, so one string instead of ten map entries makes a signup three times cheaper
//! to write and smaller on the wire.
//!
//! The creator writes the root maps in the journal's first change, and each signup record
//! with all its containers in the change that adds it, so no two replicas ever create the
//! same container concurrently (that would hide one of them after a merge).

use automerge::{Automerge, ObjId, ROOT, ReadDoc, transaction::Transactable};

use crate::amjson::{AmJsonError, get_obj, get_string, insert_json, put_json, read_json};
use crate::domain::{CheckIn, Note, SignupRecord, Source, Status, StatusChange};
use crate::seal::RunKeys;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The part of a record that is written once, stored as one JSON string.
#[derive(Serialize, Deserialize)]
struct FixedPart {
    opportunity_id: String,
    shift_id: Option<String>,
    site_id: String,
    source: Source,
    created_at: String,
    consent_version: u32,
    consent_at: String,
    receipt_hash: String,
    sealed: String,
}

/// The changing part, as stored.
#[derive(Deserialize)]
struct StoredRecord {
    fixed: String,
    status: Status,
    status_history: Vec<StatusChange>,
    check_ins: Vec<CheckIn>,
    notes: Vec<Note>,
    /// Absent until a coordinator assigns the signup (older records have none).
    #[serde(default)]
    assignee: Option<String>,
}

fn record_json(r: &SignupRecord) -> Result<Json, serde_json::Error> {
    let fixed = serde_json::to_string(&FixedPart {
        opportunity_id: r.opportunity_id.clone(),
        shift_id: r.shift_id.clone(),
        site_id: r.site_id.clone(),
        source: r.source.clone(),
        created_at: r.created_at.clone(),
        consent_version: r.consent_version,
        consent_at: r.consent_at.clone(),
        receipt_hash: r.receipt_hash.clone(),
        sealed: r.sealed.clone(),
    })?;
    let mut value = serde_json::json!({
        "fixed": fixed,
        "status": r.status,
        "status_history": r.status_history,
        "check_ins": r.check_ins,
        "notes": r.notes,
    });
    if let (Some(a), Some(map)) = (&r.assignee, value.as_object_mut()) {
        map.insert("assignee".into(), Json::String(a.clone()));
    }
    Ok(value)
}

/// The id is the record's key in the `signups` map, so it is not repeated inside.
fn record_from_json(id: &str, value: Json) -> Result<SignupRecord, serde_json::Error> {
    let stored: StoredRecord = serde_json::from_value(value)?;
    let f: FixedPart = serde_json::from_str(&stored.fixed)?;
    Ok(SignupRecord {
        id: id.to_owned(),
        opportunity_id: f.opportunity_id,
        shift_id: f.shift_id,
        site_id: f.site_id,
        source: f.source,
        created_at: f.created_at,
        consent_version: f.consent_version,
        consent_at: f.consent_at,
        receipt_hash: f.receipt_hash,
        sealed: f.sealed,
        status: stored.status,
        status_history: stored.status_history,
        check_ins: stored.check_ins,
        notes: stored.notes,
        assignee: stored.assignee.filter(|a| !a.is_empty()),
    })
}

/// The value of the root `kind` field of a journal document.
pub const JOURNAL_KIND: &str = "journal";

/// How many signups a journal holds before the kiosk starts the next one, to keep documents
/// small (samod rewrites whole documents, and load time grows with size).
pub const JOURNAL_CAP: usize = 2_000;

/// Errors reading or writing a journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The document is not a journal.
    #[error("the document is not a signup journal")]
    NotAJournal,
    /// No signup with this id in the journal.
    #[error("no signup {0} in this journal")]
    UnknownSignup(String),
    /// A signup with this id exists already.
    #[error("signup {0} exists already")]
    DuplicateSignup(String),
    /// Serialising a record failed.
    #[error("a record could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// Automerge refused the change.
    #[error(transparent)]
    Write(#[from] AmJsonError),
}

impl From<automerge::AutomergeError> for JournalError {
    fn from(e: automerge::AutomergeError) -> Self {
        JournalError::Write(AmJsonError::from(e))
    }
}

/// Who a journal belongs to and which day it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalHeader {
    /// `kiosk:<id>` or `web`.
    pub owner: String,
    /// ISO date, `YYYY-MM-DD`, local to the owner.
    pub day: String,
}

/// A new journal document with its root maps, in one change.
pub fn new_journal_doc(header: &JournalHeader) -> Result<Automerge, JournalError> {
    let mut doc = Automerge::new();
    doc.transact::<_, _, JournalError>(|tx| {
        tx.put(ROOT, "kind", JOURNAL_KIND)?;
        tx.put(ROOT, "owner", header.owner.as_str())?;
        tx.put(ROOT, "day", header.day.as_str())?;
        tx.put_object(ROOT, "signups", automerge::ObjType::Map)?;
        tx.put_object(ROOT, "runs", automerge::ObjType::Map)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(doc)
}

/// The header of a journal document.
pub fn read_header<R: ReadDoc>(doc: &R) -> Result<JournalHeader, JournalError> {
    if get_string(doc, &ROOT, "kind").as_deref() != Some(JOURNAL_KIND) {
        return Err(JournalError::NotAJournal);
    }
    Ok(JournalHeader {
        owner: get_string(doc, &ROOT, "owner").ok_or(JournalError::NotAJournal)?,
        day: get_string(doc, &ROOT, "day").ok_or(JournalError::NotAJournal)?,
    })
}

fn signups_obj<R: ReadDoc>(doc: &R) -> Result<ObjId, JournalError> {
    if get_string(doc, &ROOT, "kind").as_deref() != Some(JOURNAL_KIND) {
        return Err(JournalError::NotAJournal);
    }
    get_obj(doc, &ROOT, "signups").ok_or(JournalError::NotAJournal)
}

fn signup_obj<R: ReadDoc>(doc: &R, id: &str) -> Result<ObjId, JournalError> {
    let signups = signups_obj(doc)?;
    get_obj(doc, &signups, id).ok_or_else(|| JournalError::UnknownSignup(id.to_owned()))
}

/// Add a signup record, with all its containers, in one change.
pub fn add_signup(doc: &mut Automerge, record: &SignupRecord) -> Result<(), JournalError> {
    add_record(doc, record, None)
}

/// Add a signup record whose personal data a kiosk's [`crate::seal::Sealer`] sealed, and
/// its run's key if the journal does not hold it yet, in one change: the record never
/// reaches a peer without the key that opens it.
pub fn add_sealed_signup(
    doc: &mut Automerge,
    record: &SignupRecord,
    run_key: &str,
) -> Result<(), JournalError> {
    add_record(doc, record, Some(run_key))
}

fn add_record(
    doc: &mut Automerge,
    record: &SignupRecord,
    run_key: Option<&str>,
) -> Result<(), JournalError> {
    let signups = signups_obj(doc)?;
    if get_obj(doc, &signups, &record.id).is_some() {
        return Err(JournalError::DuplicateSignup(record.id.clone()));
    }
    let value = record_json(record)?;
    let runs = get_obj(doc, &ROOT, "runs");
    let new_run = run_key.filter(|key| {
        !runs
            .as_ref()
            .is_some_and(|runs| matches!(doc.get(runs, *key), Ok(Some(_))))
    });
    doc.transact::<_, _, JournalError>(|tx| {
        put_json(tx, &signups, &record.id, &value)?;
        if let Some(key) = new_run {
            // A journal begun before runs existed gets the map with its first sealed record.
            let runs = match &runs {
                Some(runs) => runs.clone(),
                None => tx.put_object(ROOT, "runs", automerge::ObjType::Map)?,
            };
            tx.put(&runs, key, true)?;
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// The sealing run keys a journal holds, from every `runs` map a merge left (should two
/// replicas have made one concurrently, both are read).
pub fn read_run_keys<R: ReadDoc>(doc: &R) -> RunKeys {
    let maps = doc.get_all(&ROOT, "runs").unwrap_or_default();
    let keys: Vec<String> = maps
        .into_iter()
        .filter(|(value, _)| matches!(value, automerge::Value::Object(automerge::ObjType::Map)))
        .flat_map(|(_, runs)| doc.keys(&runs).collect::<Vec<_>>())
        .collect();
    RunKeys::from_hex(keys.iter().map(String::as_str))
}

/// Set a signup's status and append the change to its history, in one change.
pub fn set_status(
    doc: &mut Automerge,
    signup_id: &str,
    status: Status,
    at: &str,
    by: &str,
) -> Result<(), JournalError> {
    let obj = signup_obj(doc, signup_id)?;
    let history = get_obj(doc, &obj, "status_history")
        .ok_or_else(|| JournalError::UnknownSignup(signup_id.to_owned()))?;
    let entry = serde_json::to_value(StatusChange {
        status,
        at: at.to_owned(),
        by: by.to_owned(),
    })?;
    doc.transact::<_, _, JournalError>(|tx| {
        tx.put(&obj, "status", status.as_str())?;
        let len = tx.length(&history);
        insert_json(tx, &history, len, &entry)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// Add a coordinator's note, in one change. Notes are appended, so notes written at the
/// same time elsewhere are all kept.
pub fn add_note(doc: &mut Automerge, signup_id: &str, note: &Note) -> Result<(), JournalError> {
    append_entry(doc, signup_id, "notes", serde_json::to_value(note)?)
}

/// Assign the signup to a coordinator (`None` or empty: to nobody), in one change. The
/// last writer wins, as for the status.
pub fn set_assignee(
    doc: &mut Automerge,
    signup_id: &str,
    assignee: Option<&str>,
) -> Result<(), JournalError> {
    let obj = signup_obj(doc, signup_id)?;
    doc.transact::<_, _, JournalError>(|tx| {
        tx.put(&obj, "assignee", assignee.unwrap_or(""))?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// Append `entry` to the list `field` of a signup, in one change.
fn append_entry(
    doc: &mut Automerge,
    signup_id: &str,
    field: &str,
    entry: Json,
) -> Result<(), JournalError> {
    let obj = signup_obj(doc, signup_id)?;
    let list = get_obj(doc, &obj, field)
        .ok_or_else(|| JournalError::UnknownSignup(signup_id.to_owned()))?;
    doc.transact::<_, _, JournalError>(|tx| {
        let len = tx.length(&list);
        insert_json(tx, &list, len, &entry)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// Record that a volunteer checked in, in one change.
pub fn add_check_in(
    doc: &mut Automerge,
    signup_id: &str,
    check_in: &CheckIn,
) -> Result<(), JournalError> {
    append_entry(doc, signup_id, "check_ins", serde_json::to_value(check_in)?)
}

/// How many signups the journal holds.
pub fn signup_count<R: ReadDoc>(doc: &R) -> Result<usize, JournalError> {
    let signups = signups_obj(doc)?;
    Ok(doc.length(&signups))
}

/// Every well-formed signup in the journal, and how many entries were malformed (a hostile
/// or broken peer may write anything; we read what we can and say how much we could not).
pub fn read_signups<R: ReadDoc>(doc: &R) -> Result<(Vec<SignupRecord>, usize), JournalError> {
    let signups = signups_obj(doc)?;
    let mut records = Vec::new();
    let mut malformed = 0;
    for item in doc.map_range(&signups, ..) {
        let value = read_json(doc, &item.id());
        match record_from_json(item.key.as_ref(), value) {
            Ok(record) => records.push(record),
            Err(_) => malformed += 1,
        }
    }
    Ok((records, malformed))
}

/// One signup by id.
pub fn read_signup<R: ReadDoc>(doc: &R, id: &str) -> Result<SignupRecord, JournalError> {
    let obj = signup_obj(doc, id)?;
    Ok(record_from_json(id, read_json(doc, &obj))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Source;

    pub(crate) fn record(id: &str) -> SignupRecord {
        SignupRecord {
            id: id.into(),
            opportunity_id: "gaatur".into(),
            shift_id: Some("gaatur-lor".into()),
            site_id: "plejecenter".into(),
            source: Source::Kiosk("k1".into()),
            created_at: "2026-11-27T10:00:00+01:00".into(),
            consent_version: 1,
            consent_at: "2026-11-27T10:00:00+01:00".into(),
            receipt_hash: "00".into(),
            sealed: "AA==".into(),
            status: Status::New,
            status_history: Vec::new(),
            check_ins: Vec::new(),
            notes: Vec::new(),
            assignee: None,
        }
    }

    #[test]
    fn a_sealed_record_brings_its_run_key_once_and_old_journals_get_the_map() {
        use crate::seal::{Sealer, SealingKeyPair};
        let server = SealingKeyPair::generate();
        let sealer = Sealer::new(&server.public());
        let header = JournalHeader {
            owner: "kiosk:k1".into(),
            day: "2026-11-27".into(),
        };
        // A journal begun before runs existed has no map; the first sealed record adds it.
        let mut old = Automerge::new();
        old.transact::<_, _, JournalError>(|tx| {
            tx.put(ROOT, "kind", JOURNAL_KIND)?;
            tx.put(ROOT, "owner", "kiosk:k1")?;
            tx.put(ROOT, "day", "2026-11-27")?;
            tx.put_object(ROOT, "signups", automerge::ObjType::Map)?;
            Ok(())
        })
        .map_err(|f| f.error)
        .expect("old journal");
        for mut doc in [new_journal_doc(&header).expect("new"), old] {
            let mut envelopes = Vec::new();
            for i in 0..3 {
                let sealed = sealer
                    .seal(&crate::domain::PersonalData {
                        name: format!("Person {i}"),
                        phone: None,
                        email: None,
                        age_confirmed: true,
                        note: None,
                        lang: None,
                        receipt_token: None,
                    })
                    .expect("seal");
                let mut r = record(&format!("s{i}"));
                r.sealed = sealed.envelope.clone();
                let ops_before = doc.get_changes(&[]).iter().map(|c| c.len()).sum::<usize>();
                add_sealed_signup(&mut doc, &r, &sealed.run_key).expect("add");
                let ops = doc.get_changes(&[]).iter().map(|c| c.len()).sum::<usize>() - ops_before;
                envelopes.push((ops, sealed.envelope));
            }
            // The key is written with the first record of the run only.
            assert!(envelopes[0].0 > envelopes[1].0, "{envelopes:?}");
            assert_eq!(envelopes[1].0, envelopes[2].0);
            let runs = read_run_keys(&doc);
            for (i, (_, envelope)) in envelopes.iter().enumerate() {
                let person = server.open_in_journal(envelope, &runs).expect("open");
                assert_eq!(person.name, format!("Person {i}"));
            }
            assert_eq!(
                doc.keys(get_obj(&doc, &ROOT, "runs").as_ref().expect("runs"))
                    .count(),
                1
            );
        }
        // An envelope whose run key its journal lacks does not open; what is not a key is skipped.
        let mut doc = new_journal_doc(&header).expect("new");
        let runs = get_obj(&doc, &ROOT, "runs").expect("runs");
        doc.transact::<_, _, JournalError>(|tx| {
            tx.put(&runs, "not a key", true)?;
            Ok(())
        })
        .map_err(|f| f.error)
        .expect("put");
        let sealed = sealer
            .seal(&crate::domain::PersonalData {
                name: "X".into(),
                phone: None,
                email: None,
                age_confirmed: true,
                note: None,
                lang: None,
                receipt_token: None,
            })
            .expect("seal");
        assert!(
            server
                .open_in_journal(&sealed.envelope, &read_run_keys(&doc))
                .is_err()
        );
    }

    fn header() -> JournalHeader {
        JournalHeader {
            owner: "kiosk:k1".into(),
            day: "2026-11-27".into(),
        }
    }

    #[test]
    fn a_status_that_is_not_ours_makes_the_record_malformed() {
        let mut doc = new_journal_doc(&header()).expect("journal");
        add_signup(&mut doc, &record("good")).expect("add");
        add_signup(&mut doc, &record("odd")).expect("add");
        let odd = signup_obj(&doc, "odd").expect("record");
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(&odd, "status", "approved-by-me")?;
            Ok(())
        })
        .expect("write");
        let (records, malformed) = read_signups(&doc).expect("read");
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!((ids, malformed), (vec!["good"], 1));
        assert!(read_signup(&doc, "odd").is_err());
    }

    #[test]
    fn concurrent_status_and_check_in_both_survive() {
        let mut kiosk = new_journal_doc(&header()).expect("journal");
        add_signup(&mut kiosk, &record("s1")).expect("add");
        let mut server = kiosk.fork();
        set_status(
            &mut server,
            "s1",
            Status::Contacted,
            "2026-11-27T11:00:00Z",
            "anna",
        )
        .expect("status");
        add_check_in(
            &mut kiosk,
            "s1",
            &CheckIn {
                at: "2026-11-27T11:00:01+01:00".into(),
                by: "k1".into(),
                out: false,
            },
        )
        .expect("check in");
        kiosk.merge(&mut server).expect("merge");
        server.merge(&mut kiosk).expect("merge");
        for doc in [&kiosk, &server] {
            let r = read_signup(doc, "s1").expect("read");
            assert_eq!(r.status, "contacted");
            assert_eq!(r.status_history.len(), 1);
            assert_eq!(r.check_ins.len(), 1);
        }
    }

    #[test]
    fn signups_added_on_two_replicas_all_survive() {
        let mut a = new_journal_doc(&header()).expect("journal");
        let mut b = a.fork();
        for i in 0..20 {
            add_signup(&mut a, &record(&format!("a{i}"))).expect("add");
            add_signup(&mut b, &record(&format!("b{i}"))).expect("add");
        }
        a.merge(&mut b).expect("merge");
        let (records, malformed) = read_signups(&a).expect("read");
        assert_eq!((records.len(), malformed), (40, 0));
        assert_eq!(read_header(&a).expect("header"), header());
    }

    #[test]
    fn a_duplicate_id_is_refused() {
        let mut a = new_journal_doc(&header()).expect("journal");
        add_signup(&mut a, &record("x")).expect("add");
        assert!(matches!(
            add_signup(&mut a, &record("x")),
            Err(JournalError::DuplicateSignup(_))
        ));
    }
}
