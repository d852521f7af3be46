//! The write path of the kiosk's signups: a visitor's signup and a check-in, each durable
//! in the kiosk's own store before it returns, and reading what the journals hold.

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash};

use super::*;

impl KioskCore {
    /// Save a visitor's signup. Returns only once the signup is durable in the kiosk's store
    /// and has been read back; the receipt is what the visitor's QR code carries.
    pub async fn submit_signup(
        &self,
        opportunity_id: &str,
        shift_id: Option<&str>,
        form: &SignupForm,
    ) -> Result<Receipt, SubmitError> {
        let catalog = self.catalog().ok_or(SubmitError::NoCatalog)?;
        // Judged by this kiosk's clock: offline for days, it has no other.
        let opportunity = catalog
            .offered(opportunity_id, shift_id, self.inner.clock.now())
            .map_err(|e| match e {
                NotOffered::UnknownJob => SubmitError::UnknownOpportunity(opportunity_id.into()),
                NotOffered::UnknownShift => SubmitError::UnknownShift(opportunity_id.into()),
                other => SubmitError::NoLongerOffered(other),
            })?;
        let mut person = validate_form(form, opportunity.requirements.min_age.is_some())
            .map_err(SubmitError::Invalid)?;
        let consent_version = catalog.current_consent().map(|c| c.version).unwrap_or(0);
        let token = new_receipt_token();
        // Sealed beside the person, so the server's confirmation can link to the receipt.
        person.receipt_token = Some(token.clone());
        let sealed = self.inner.sealer.seal(&person)?;
        let now = rfc3339(self.inner.clock.now());
        let record = SignupRecord::new_signup(
            opportunity,
            shift_id,
            Source::Kiosk(self.inner.config.kiosk_id.clone()),
            now,
            consent_version,
            receipt_hash(&token),
            sealed.envelope,
        );
        let run_key = sealed.run_key.clone();
        let rec = record.clone();
        let written = self
            .write_current(move |doc| add_sealed_signup(doc, &rec, &run_key))
            .await?;
        // Spots left move at once, on this kiosk's screens and (through its journal) its
        // peers'.
        self.count_new_signup(&written, record.shift_id.as_deref());
        self.inner.status.send_modify(|s| {
            s.queued_signups += 1;
            s.unacked_journals = s.unacked_journals.max(1);
        });
        self.inner.wake.notify_one();
        Ok(Receipt {
            url: receipt_url(&self.inner.config.public_url, &record.id, &token),
            signup_id: record.id,
            token,
        })
    }

    /// Make one change to the journal new signups go into (a new one at a new day or the
    /// size cap), commit it to the store and hand it to samod. A journal deleted between
    /// choosing it and taking its gate is not written: the current one is chosen again (a
    /// new one if it was the last).
    pub(crate) async fn write_current(
        &self,
        change: impl Fn(&mut Automerge) -> Result<(), frivillig_common::journal::JournalError>
        + Clone
        + Send
        + 'static,
    ) -> Result<Written, SubmitError> {
        for _ in 0..3 {
            let (doc_id, handle, local, outbox, gate) = {
                let mut journals = self.inner.journals.lock().await;
                self.current_journal(&mut journals).await?
            };
            let held = gate.lock_owned().await;
            if *held {
                continue;
            }
            let storage = self.inner.store.chunks().clone();
            let change = change.clone();
            let id = doc_id.clone();
            let (bytes, before, after) = blocking(move || {
                let _held = held;
                let mut doc = local.lock().map_err(|_| SubmitError::Stopped)?;
                let before = doc.get_heads();
                change(&mut doc)?;
                let bytes = persist_last_change(&storage, &id, &mut doc)
                    .inspect_err(|_| forget_unsaved(&mut doc, &before))?;
                Ok((bytes, before, doc.get_heads()))
            })
            .await?;
            hand_to_samod(&handle, &outbox, bytes);
            return Ok(Written {
                doc_id,
                before,
                after,
            });
        }
        Err(SubmitError::Stopped)
    }

    /// Record that a volunteer checked in at this kiosk. Durable when it returns.
    pub async fn check_in(&self, signup_id: &str) -> Result<(), SubmitError> {
        self.presence(signup_id, false).await
    }

    /// Record that a volunteer checked out at this kiosk (the hours then run from the
    /// check-in to it). Durable when it returns.
    pub async fn check_out(&self, signup_id: &str) -> Result<(), SubmitError> {
        self.presence(signup_id, true).await
    }

    async fn presence(&self, signup_id: &str, out: bool) -> Result<(), SubmitError> {
        let at = rfc3339(self.inner.clock.now());
        let by = self.inner.config.kiosk_id.clone();
        let open: Vec<_> = {
            let journals = self.inner.journals.lock().await;
            journals
                .iter()
                .map(|(id, j)| {
                    let parts = (j.local.clone(), j.handle.clone(), j.outbox.clone());
                    (id.clone(), parts, j.gate.clone())
                })
                .collect()
        };
        for (doc_id, (local, handle, outbox), gate) in open {
            let held = gate.lock_owned().await;
            if *held {
                continue;
            }
            let storage = self.inner.store.chunks().clone();
            let (sid, at, by) = (signup_id.to_owned(), at.clone(), by.clone());
            let change = blocking(move || -> Result<Option<Vec<u8>>, SubmitError> {
                let _held = held;
                let mut doc = local.lock().map_err(|_| SubmitError::Stopped)?;
                if frivillig_common::journal::read_signup(&*doc, &sid).is_err() {
                    return Ok(None);
                }
                let before = doc.get_heads();
                add_check_in(&mut doc, &sid, &CheckIn { at, by, out })?;
                persist_last_change(&storage, &doc_id, &mut doc)
                    .inspect_err(|_| forget_unsaved(&mut doc, &before))
                    .map(Some)
            })
            .await?;
            if let Some(change) = change {
                hand_to_samod(&handle, &outbox, change);
                self.refresh_queue().await;
                self.inner.wake.notify_one();
                return Ok(());
            }
        }
        Err(SubmitError::Journal(
            frivillig_common::journal::JournalError::UnknownSignup(signup_id.to_owned()),
        ))
    }

    /// Read a signup the kiosk still holds (for tests and staff; personal data stays sealed).
    pub async fn signup(&self, signup_id: &str) -> Option<SignupRecord> {
        let journals = self.inner.journals.lock().await;
        for j in journals.values() {
            let id = signup_id.to_owned();
            let found = j
                .handle
                .with_document_async(move |d| frivillig_common::journal::read_signup(d, &id).ok())
                .await
                .ok()
                .flatten();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The ids of every signup in the journals the kiosk holds, read from its own replicas
    /// (what its store holds), in one pass.
    pub async fn signup_ids(&self) -> HashSet<String> {
        let journals = self.inner.journals.lock().await;
        let mut ids = HashSet::new();
        for j in journals.values() {
            if let Ok(doc) = j.local.lock()
                && let Ok((records, _)) = frivillig_common::journal::read_signups(&*doc)
            {
                ids.extend(records.into_iter().map(|r| r.id));
            }
        }
        ids
    }

    /// The journal new signups go into, rolling over at a new day or at the size cap.
    async fn current_journal(
        &self,
        journals: &mut BTreeMap<String, OpenJournal>,
    ) -> Result<
        (
            String,
            DocHandle,
            Arc<std::sync::Mutex<Automerge>>,
            Outbox,
            Gate,
        ),
        SubmitError,
    > {
        let today = self.inner.clock.now().date_naive().to_string();
        let mut current = None;
        for (id, j) in journals.iter_mut() {
            if j.meta.closed {
                continue;
            }
            let full = j.local_count() >= JOURNAL_CAP as u64;
            if j.meta.day != today || full {
                j.meta.closed = true;
                self.inner.store.put_journal(id, &j.meta)?;
            } else {
                current = Some((
                    id.clone(),
                    j.handle.clone(),
                    j.local.clone(),
                    j.outbox.clone(),
                    j.gate.clone(),
                ));
            }
        }
        if let Some(c) = current {
            return Ok(c);
        }
        let header = JournalHeader {
            owner: format!("kiosk:{}", self.inner.config.kiosk_id),
            day: today.clone(),
        };
        let doc = new_journal_doc(&header)?;
        let local = Arc::new(std::sync::Mutex::new(doc.fork()));
        let outbox = Outbox::default();
        let gate = Gate::default();
        let created = doc.save();
        let handle = self
            .inner
            .repo
            .create(doc)
            .await
            .map_err(|_| SubmitError::Stopped)?;
        let id = handle.document_id().to_string();
        // Peers get it read-only from now on (festival mode).
        self.inner.sharing.send_modify(|s| {
            s.own.insert(handle.document_id().clone());
        });
        // samod keeps its own writes in memory on a kiosk: store the new journal durably
        // before it is recorded (a crash in between leaves an orphan that start-up purges).
        self.inner
            .store
            .chunks()
            .put_chunk(&format!("{id}/snapshot/created"), &created)?;
        let seq = journals.values().map(|j| j.meta.seq + 1).max().unwrap_or(0);
        let meta = JournalMeta {
            day: today,
            seq,
            closed: false,
            registered: false,
            acked_heads: Vec::new(),
            acked_signups: 0,
            acked_signature: String::new(),
        };
        self.inner.store.put_journal(&id, &meta)?;
        journals.insert(
            id.clone(),
            OpenJournal {
                meta,
                handle: handle.clone(),
                local: local.clone(),
                outbox: outbox.clone(),
                gate: gate.clone(),
            },
        );
        Ok((id, handle, local, outbox, gate))
    }
}

/// Which journal a change went into, and its heads before and after.
pub(crate) struct Written {
    pub(crate) doc_id: String,
    pub(crate) before: Vec<ChangeHash>,
    pub(crate) after: Vec<ChangeHash>,
}

/// Run the blocking part of a signup (Automerge change, redb commit) on the blocking pool,
/// never on one of the runtime's worker threads: a slow disk then stalls this signup only,
/// not the sync round or the screen's other work. (The hand-off costs about 0.1 ms.)
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SubmitError> + Send + 'static,
) -> Result<T, SubmitError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| SubmitError::Stopped)?
}

/// Take a change that did not reach the disk back out of the kiosk's copy: the visitor was
/// told it was not saved, and the next change would otherwise depend on it, so the next
/// one could not be stored or synced on its own. The copy continues under a new actor, so
/// the forgotten change's sequence number is never reused for other content.
fn forget_unsaved(doc: &mut Automerge, heads: &[ChangeHash]) {
    match doc.fork_at(heads) {
        Ok(back) => *doc = back,
        Err(e) => tracing::error!(error = %e, "cannot take an unsaved change back out"),
    }
}

/// Write the document's last local change into the store ourselves, durably, and read it
/// back. samod writes it too, later; the key is content-addressed so both agree.
fn persist_last_change(
    storage: &frivillig_common::storage::RedbStorage,
    doc_id: &str,
    doc: &mut automerge::Automerge,
) -> Result<Vec<u8>, SubmitError> {
    let change = doc.get_last_local_change().ok_or_else(|| {
        SubmitError::Storage(StorageError::Corrupt("no local change to persist".into()))
    })?;
    let hash: ChangeHash = change.hash();
    let bytes = change.raw_bytes().to_vec();
    storage.put_chunk(&format!("{doc_id}/incremental/{hash}"), &bytes)?;
    Ok(bytes)
}
