//! What an ingest commits, decided from the journal document alone: no lock, no store, no
//! samod. The shell in [`super`] finds the document, takes the ingest lock, calls
//! [`read_journal`] inside the document's lock and [`plan_ingest`] outside it (opening
//! sealed envelopes is the costly part), and commits the plan.
//!
//! What a durable acknowledgement covers is decided here: the batch's chunk holds every
//! change from the durable copy's heads up to the heads read, and those heads are what the
//! journal's row records once the batch is committed.

use automerge::{Automerge, ChangeHash};

use frivillig_common::domain::{CheckIn, PersonalData, SignupRecord, Source};
use frivillig_common::journal::{JournalHeader, read_header, read_run_keys, read_signups};
use frivillig_common::presence::read_presence;
use frivillig_common::seal::RunKeys;
use frivillig_common::sync::format_heads;

use super::trust::{KioskContext, check_kiosk_record, check_presence};
use crate::service::ServiceError;
use crate::store::{IngestBatch, JournalOwner, JournalRow, SignupRow, StoreError};

/// What the document held when it was read for an ingest.
pub struct JournalSnapshot {
    /// Its heads.
    pub heads: Vec<ChangeHash>,
    /// The changes since the durable copy's heads (all of them if that copy is empty or
    /// its heads are unknown to the document); empty when there are none.
    pub chunk: Vec<u8>,
    /// Its header, or why it is not a journal.
    header: Result<JournalHeader, String>,
    /// Its records and how many did not decode, or why it is not a journal.
    records: Result<(Vec<SignupRecord>, usize), String>,
    /// The kiosk's sealing runs, to open its envelopes with.
    runs: RunKeys,
    /// Check-ins recorded in the journal for signups of any journal.
    presence: Vec<(String, CheckIn)>,
}

/// Read what an ingest needs from `doc`, given the heads `prev` the durable copy reaches.
/// `None` when the document holds exactly `prev`: nothing to commit.
///
/// A journal that a kiosk carried for its owner (festival mode) may hold changes the
/// carrier made: for such a journal `vouched` names the heads its owner vouched for, and
/// only the changes up to those and `prev` are read. Without any, nothing new is.
pub fn read_journal(
    doc: &Automerge,
    prev: &[ChangeHash],
    vouched: Option<&[ChangeHash]>,
) -> Option<JournalSnapshot> {
    let forked;
    let doc = match vouched {
        None => doc,
        Some(vouched) => {
            let mut limit: Vec<ChangeHash> = prev.to_vec();
            limit.extend(
                vouched
                    .iter()
                    .filter(|h| !prev.contains(h) && doc.get_change_meta_by_hash(h).is_some()),
            );
            if limit.len() == prev.len() {
                return None;
            }
            forked = doc.fork_at(&limit).ok()?;
            &forked
        }
    };
    let heads = doc.get_heads();
    if !prev.is_empty() && heads == prev {
        return None;
    }
    let complete_prev = !prev.is_empty()
        && prev
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some());
    let chunk = if heads == prev {
        Vec::new()
    } else if complete_prev {
        doc.save_after(prev)
    } else {
        doc.save()
    };
    Some(JournalSnapshot {
        heads,
        chunk,
        header: read_header(doc).map_err(|e| e.to_string()),
        records: read_signups(doc).map_err(|e| e.to_string()),
        runs: read_run_keys(doc),
        presence: read_presence(doc),
    })
}

/// What an ingest will commit, and what it found wrong on the way.
pub struct IngestPlan {
    /// The rows to write.
    pub batch: IngestBatch,
    /// The heads the durable copy reaches once `batch` is committed.
    pub heads: Vec<ChangeHash>,
    /// Records that did not decode (skipped).
    pub malformed: usize,
}

/// Decide what to commit for the journal `doc_id`, on record as `row`, from `snapshot`.
///
/// Only records whose source is the journal's owner are taken (a kiosk cannot write into
/// the web's signups or another kiosk's). A kiosk's journal is checked record by record
/// against `trust` (see [`super::trust`]); what fails is set aside with its reason, and the
/// rest of the journal still arrives. The web's journal, which only the server writes, is
/// not (`trust` is `None`). `stored(id)` is the signup as the server holds it, if it does
/// (its personal data is then not opened again); `open` opens an envelope with the
/// journal's run keys (`None`: it cannot be opened, the signup is kept without it).
pub fn plan_ingest(
    doc_id: &str,
    row: &JournalRow,
    snapshot: JournalSnapshot,
    trust: Option<&KioskContext<'_>>,
    mut stored: impl FnMut(&str) -> Result<Option<SignupRow>, StoreError>,
    open: impl Fn(&SignupRecord, &RunKeys) -> Option<PersonalData>,
) -> Result<IngestPlan, ServiceError> {
    let header = snapshot
        .header
        .map_err(|e| ServiceError::Conflict(format!("not a journal: {e}")))?;
    if header.owner != row.owner.header_owner() {
        return Err(ServiceError::Conflict(
            "the journal names another owner".into(),
        ));
    }
    let (records, malformed) = snapshot
        .records
        .map_err(|e| ServiceError::Conflict(format!("not a journal: {e}")))?;
    let mut batch_records = Vec::with_capacity(records.len());
    let mut refused = Vec::new();
    for record in records
        .into_iter()
        .filter(|r| source_matches(r, &row.owner))
    {
        let old = stored(&record.id)?;
        let person = if old.as_ref().is_some_and(|o| o.person.is_some()) {
            None
        } else {
            open(&record, &snapshot.runs)
        };
        // A record under an id of another journal is refused by the store's commit.
        let ours = old.as_ref().filter(|o| o.journal_doc_id == doc_id);
        if let Some(ctx) = trust
            && (old.is_none() || ours.is_some())
            && let Err(reason) =
                check_kiosk_record(ctx, &record, person.as_ref(), ours.map(|o| &o.record))
        {
            refused.push((record, reason));
            continue;
        }
        batch_records.push((record, person));
    }
    Ok(IngestPlan {
        batch: IngestBatch {
            doc_id: doc_id.to_owned(),
            heads: format_heads(&snapshot.heads),
            chunk: snapshot.chunk,
            records: batch_records,
            refused,
            // Only a kiosk writes check-ins there, each its own (the web's journal has none).
            presence: match trust {
                Some(ctx) => snapshot
                    .presence
                    .into_iter()
                    .filter(|(id, c)| check_presence(ctx, id, c))
                    .collect(),
                None => Vec::new(),
            },
        },
        heads: snapshot.heads,
        malformed,
    })
}

fn source_matches(record: &SignupRecord, owner: &JournalOwner) -> bool {
    match &record.source {
        Source::Kiosk(id) => owner.is_kiosk(id),
        Source::Web => *owner == JournalOwner::Web,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::domain::Status;
    use frivillig_common::journal::{add_signup, new_journal_doc};
    use frivillig_common::refusal::Refusal;
    use frivillig_common::seal::{SealingKeyPair, seal_personal_data};

    fn person(name: &str) -> PersonalData {
        PersonalData {
            name: name.into(),
            phone: None,
            email: Some(format!("{}@example.dk", name.to_lowercase())),
            age_confirmed: true,
            note: None,
            lang: None,
            receipt_token: None,
        }
    }

    fn record(id: &str, source: Source, sealed: String) -> SignupRecord {
        SignupRecord {
            id: id.into(),
            opportunity_id: "lektiecafe".into(),
            shift_id: None,
            site_id: "bibliotek".into(),
            source,
            created_at: "2026-12-02T10:00:00+01:00".into(),
            consent_version: 1,
            consent_at: "2026-12-02T10:00:00+01:00".into(),
            receipt_hash: String::new(),
            sealed,
            status: Status::New,
            status_history: vec![],
            check_ins: vec![],
            notes: vec![],
            assignee: None,
        }
    }

    fn journal(owner: &str) -> Automerge {
        new_journal_doc(&JournalHeader {
            owner: owner.into(),
            day: "2026-12-02".into(),
        })
        .expect("journal")
    }

    fn row(owner: &str) -> JournalRow {
        JournalRow {
            owner: JournalOwner::parse(owner).expect("an owner"),
            day: "2026-12-02".into(),
            saved_heads: Vec::new(),
            chunks: 0,
            signups: 0,
            needs_rewrite: false,
            relayed_by: Vec::new(),
        }
    }

    /// A plan for the journal "j1" of `owner`, unchecked, with nothing held yet.
    fn plan_plain(
        owner: &str,
        snapshot: JournalSnapshot,
        keys: &SealingKeyPair,
    ) -> Result<IngestPlan, ServiceError> {
        plan_ingest(
            "j1",
            &row(owner),
            snapshot,
            None,
            |_| Ok(None),
            opener(keys),
        )
    }

    /// The ids of the records a plan takes, in order.
    fn taken(plan: &IngestPlan) -> Vec<&str> {
        plan.batch
            .records
            .iter()
            .map(|(r, _)| r.id.as_str())
            .collect()
    }

    fn held(record: SignupRecord) -> SignupRow {
        SignupRow {
            record,
            person: Some(person("Held")),
            journal_doc_id: "j1".into(),
            received_at: "2026-12-02T09:00:00.000Z".into(),
        }
    }

    fn opener(keys: &SealingKeyPair) -> impl Fn(&SignupRecord, &RunKeys) -> Option<PersonalData> {
        |r, runs| keys.open_in_journal(&r.sealed, runs).ok()
    }

    #[test]
    fn a_first_ingest_takes_the_whole_document_and_opens_the_owners_records() {
        let keys = SealingKeyPair::generate();
        let mut doc = journal("kiosk:k1");
        let sealed = seal_personal_data(&keys.public(), &person("Anna")).expect("seal");
        add_signup(&mut doc, &record("a", Source::Kiosk("k1".into()), sealed)).expect("add");
        // A record naming another kiosk as its source is not this journal's to bring.
        add_signup(
            &mut doc,
            &record("x", Source::Kiosk("k2".into()), String::new()),
        )
        .expect("add");
        let snapshot = read_journal(&doc, &[], None).expect("something to ingest");
        assert_eq!(snapshot.chunk, doc.save());
        let plan = plan_plain("k1", snapshot, &keys).expect("plan");
        assert_eq!(plan.heads, doc.get_heads());
        assert_eq!(plan.batch.heads, format_heads(&doc.get_heads()));
        assert_eq!(plan.batch.records.len(), 1);
        let (taken, opened) = &plan.batch.records[0];
        assert_eq!(taken.id, "a");
        assert_eq!(opened.as_ref().map(|p| p.name.as_str()), Some("Anna"));
    }

    /// A journal carried by another kiosk is read only as far as its owner vouched: a
    /// change the carrier added on top (a record in the owner's name) is not taken, nor is
    /// anything while the owner has vouched for nothing beyond the durable copy.
    #[test]
    fn a_carried_journal_is_read_only_as_far_as_its_owner_vouched() {
        let keys = SealingKeyPair::generate();
        let mut doc = journal("kiosk:k1");
        add_signup(
            &mut doc,
            &record("a", Source::Kiosk("k1".into()), String::new()),
        )
        .expect("add");
        let owners = doc.get_heads();
        // The carrier writes with an actor of its own, as a fork of the replica would.
        let mut carried = doc.fork();
        add_signup(
            &mut carried,
            &record("forged", Source::Kiosk("k1".into()), String::new()),
        )
        .expect("add");
        assert!(read_journal(&carried, &[], Some(&[])).is_none());
        let snapshot = read_journal(&carried, &[], Some(&owners)).expect("the owner's");
        assert_eq!(snapshot.heads, owners);
        let plan = plan_plain("k1", snapshot, &keys).expect("plan");
        assert_eq!(taken(&plan), ["a"]);
        // Once committed up to the owner's heads, there is nothing more to take on them...
        assert!(read_journal(&carried, &owners, Some(&owners)).is_none());
        // ...and without a limit (a journal only its owner delivers) all of it is read.
        let all = read_journal(&carried, &[], None).expect("all");
        assert_eq!(
            taken(&plan_plain("k1", all, &keys).expect("plan")),
            ["a", "forged"]
        );
    }

    #[test]
    fn a_later_ingest_takes_only_the_changes_since_the_durable_heads() {
        let keys = SealingKeyPair::generate();
        let mut doc = journal("kiosk:k1");
        add_signup(
            &mut doc,
            &record("a", Source::Kiosk("k1".into()), String::new()),
        )
        .expect("add");
        let prev = doc.get_heads();
        assert!(read_journal(&doc, &prev, None).is_none(), "nothing new");
        let sealed = seal_personal_data(&keys.public(), &person("Bo")).expect("seal");
        add_signup(&mut doc, &record("b", Source::Kiosk("k1".into()), sealed)).expect("add");
        let snapshot = read_journal(&doc, &prev, None).expect("one new change");
        assert_eq!(snapshot.chunk, doc.save_after(&prev));
        // The durable copy as it was, with this chunk, is the document.
        let mut copy = doc.fork_at(&prev).expect("fork");
        copy.load_incremental(&snapshot.chunk).expect("load chunk");
        assert_eq!(copy.get_heads(), doc.get_heads());
        // "a" is opened already: only "b"'s envelope is opened.
        let plan = plan_ingest(
            "j1",
            &row("k1"),
            snapshot,
            None,
            |id| {
                Ok((id == "a")
                    .then(|| held(record("a", Source::Kiosk("k1".into()), String::new()))))
            },
            opener(&keys),
        )
        .expect("plan");
        let opened: Vec<(&str, bool)> = plan
            .batch
            .records
            .iter()
            .map(|(r, p)| (r.id.as_str(), p.is_some()))
            .collect();
        assert_eq!(opened, [("a", false), ("b", true)]);
    }

    #[test]
    fn durable_heads_the_document_lacks_mean_the_whole_document() {
        let mut doc = journal("kiosk:k1");
        add_signup(
            &mut doc,
            &record("a", Source::Kiosk("k1".into()), String::new()),
        )
        .expect("add");
        let mut other = journal("kiosk:k1");
        add_signup(
            &mut other,
            &record("z", Source::Kiosk("k1".into()), String::new()),
        )
        .expect("add");
        let snapshot = read_journal(&doc, &other.get_heads(), None).expect("to ingest");
        assert_eq!(snapshot.chunk, doc.save());
    }

    #[test]
    fn a_journal_of_another_owner_or_no_journal_is_refused() {
        let keys = SealingKeyPair::generate();
        let doc = journal("kiosk:k2");
        let snapshot = read_journal(&doc, &[], None).expect("to ingest");
        let refused = plan_plain("k1", snapshot, &keys);
        assert!(matches!(refused, Err(ServiceError::Conflict(m)) if m.contains("another owner")));
        let mut not_a_journal = Automerge::new();
        not_a_journal
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                use automerge::transaction::Transactable as _;
                tx.put(automerge::ROOT, "kind", "catalog")?;
                Ok(())
            })
            .expect("write");
        let snapshot = read_journal(&not_a_journal, &[], None).expect("to ingest");
        let refused = plan_plain("k1", snapshot, &keys);
        assert!(matches!(refused, Err(ServiceError::Conflict(m)) if m.contains("not a journal")));
    }

    #[test]
    fn the_web_journal_takes_only_web_records() {
        let keys = SealingKeyPair::generate();
        let mut doc = journal("web");
        add_signup(&mut doc, &record("w", Source::Web, String::new())).expect("add");
        add_signup(
            &mut doc,
            &record("k", Source::Kiosk("k1".into()), String::new()),
        )
        .expect("add");
        let snapshot = read_journal(&doc, &[], None).expect("to ingest");
        let plan = plan_plain("web", snapshot, &keys).expect("plan");
        assert_eq!(taken(&plan), ["w"]);
    }

    #[test]
    fn a_kiosks_forged_records_are_set_aside_and_the_rest_arrive() {
        use chrono::TimeZone as _;
        let keys = SealingKeyPair::generate();
        let kiosk = frivillig_common::ids::KioskId::parse("k1").expect("an id");
        let catalog = frivillig_common::catalog::demo_catalog();
        let ctx = KioskContext {
            kiosk: &kiosk,
            catalog: &catalog,
            now: chrono::Utc
                .with_ymd_and_hms(2026, 12, 2, 12, 0, 0)
                .single()
                .expect("a time"),
        };
        let mut doc = journal("kiosk:k1");
        let good = |id: &str, name: &str| SignupRecord {
            opportunity_id: "hojtlaesning".into(),
            receipt_hash: "ab".repeat(32),
            sealed: seal_personal_data(&keys.public(), &person(name)).expect("seal"),
            ..record(id, Source::Kiosk("k1".into()), String::new())
        };
        add_signup(&mut doc, &good("ok", "Anna")).expect("add");
        // The library's job, listed under the nursing home.
        let foreign = SignupRecord {
            site_id: "plejecenter".into(),
            ..good("foreign", "Bo")
        };
        add_signup(&mut doc, &foreign).expect("add");
        add_signup(&mut doc, &good("long", &"C".repeat(500))).expect("add");
        let snapshot = read_journal(&doc, &[], None).expect("to ingest");
        let plan = plan_ingest(
            "j1",
            &row("k1"),
            snapshot,
            Some(&ctx),
            |_| Ok(None),
            opener(&keys),
        )
        .expect("plan");
        assert_eq!(taken(&plan), ["ok"]);
        let mut refused: Vec<(&str, Refusal)> = plan
            .batch
            .refused
            .iter()
            .map(|(r, why)| (r.id.as_str(), *why))
            .collect();
        refused.sort_unstable_by_key(|(id, _)| *id);
        assert_eq!(
            refused,
            [
                ("foreign", Refusal::ForeignSite),
                ("long", Refusal::InvalidPerson)
            ]
        );
    }
}
