//! Spots taken per shift as this kiosk can know them: the server's count at the last
//! contact, plus the signups in every journal the kiosk holds (its own and, in festival
//! mode, its peers') that the server had not acknowledged. So kiosks that see each other
//! do not overbook a shift while none of them reaches the server.
//!
//! A journal's unacknowledged signups are those at its current heads less those at the
//! heads the server acknowledged (which its count includes). Counts are kept per journal
//! and made again only when the journal's heads or its acknowledgement change.

use std::collections::{BTreeMap, HashMap};

use automerge::{Automerge, ChangeHash, ReadDoc};
use frivillig_common::journal::read_signups;
use frivillig_common::sync::parse_heads;

use super::KioskCore;

/// The counts per journal and their sum.
#[derive(Debug, Default)]
pub(crate) struct Unacked {
    /// Journal -> (its heads, the acknowledged heads, unacknowledged spots per shift).
    per_journal: HashMap<String, Counted>,
    /// The sum over journals.
    total: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq)]
struct Counted {
    heads: Vec<ChangeHash>,
    acked: Vec<String>,
    spots: BTreeMap<String, u32>,
}

/// Spots held per shift in `doc`: signups with a shift and a status that holds one.
fn spots_in<R: ReadDoc>(doc: &R) -> BTreeMap<String, u32> {
    let mut spots = BTreeMap::new();
    let Ok((records, _)) = read_signups(doc) else {
        return spots;
    };
    for r in records {
        if let Some(shift) = r.shift_id
            && !r.status.is_closed()
        {
            *spots.entry(shift).or_insert(0) += 1;
        }
    }
    spots
}

/// Spots held in `doc` beyond what its acknowledged heads hold. If the kiosk's copy lacks
/// some acknowledged head, the server holds more than the copy: nothing is beyond it.
pub(crate) fn unacked_spots(doc: &Automerge, acked: &[String]) -> BTreeMap<String, u32> {
    let now = spots_in(doc);
    let Some(acked) = parse_heads(acked) else {
        return now;
    };
    if acked.is_empty() {
        return now;
    }
    if acked.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return BTreeMap::new();
    }
    let then = spots_in(&doc.fork_at(&acked).unwrap_or_default());
    now.into_iter()
        .filter_map(|(shift, n)| {
            let more = n.saturating_sub(then.get(&shift).copied().unwrap_or(0));
            (more > 0).then_some((shift, more))
        })
        .collect()
}

impl KioskCore {
    /// Spots taken per shift: the server's count at the last contact (signups from every
    /// kiosk and the web, less those declined or withdrawn) plus the signups in the
    /// journals this kiosk holds that the server had not acknowledged then.
    pub fn taken(&self) -> BTreeMap<String, u32> {
        let mut taken = self
            .inner
            .taken
            .read()
            .map(|t| t.clone())
            .unwrap_or_default();
        if let Ok(unacked) = self.inner.unacked.read() {
            for (shift, n) in &unacked.total {
                *taken.entry(shift.clone()).or_insert(0) += n;
            }
        }
        taken
    }

    /// Count the unacknowledged spots again, for the journals whose heads or
    /// acknowledgement changed; screens hear of a change through the status.
    pub(crate) async fn recount(&self) {
        let _one = self.inner.recounting.lock().await;
        // What to count: per journal its document (a copy, so no lock is held while
        // counting) if it changed, and its acknowledged heads.
        let mut docs: Vec<(String, Vec<String>, Option<Automerge>)> = Vec::new();
        let known = |id: &str, heads: &[ChangeHash], acked: &[String]| {
            self.inner.unacked.read().is_ok_and(|u| {
                u.per_journal
                    .get(id)
                    .is_some_and(|c| c.heads == heads && c.acked == acked)
            })
        };
        {
            let journals = self.inner.journals.lock().await;
            for (id, j) in journals.iter() {
                let Ok(local) = j.local.lock() else { continue };
                let heads = local.get_heads();
                let doc = (!known(id, &heads, &j.meta.acked_heads)).then(|| local.clone());
                docs.push((id.clone(), j.meta.acked_heads.clone(), doc));
            }
        }
        {
            let held = self.inner.held.lock().await;
            for (id, h) in held.iter() {
                let acked = h
                    .meta
                    .ack
                    .as_ref()
                    .map(|a| a.heads.clone())
                    .unwrap_or_default();
                let doc = h
                    .handle
                    .with_document(|d| (!known(id, &d.get_heads(), &acked)).then(|| d.clone()));
                docs.push((id.clone(), acked, doc));
            }
        }
        let counted: Vec<(String, Option<Counted>)> = tokio::task::spawn_blocking(move || {
            docs.into_iter()
                .map(|(id, acked, doc)| {
                    let counted = doc.map(|d| Counted {
                        heads: d.get_heads(),
                        spots: unacked_spots(&d, &acked),
                        acked,
                    });
                    (id, counted)
                })
                .collect()
        })
        .await
        .unwrap_or_default();
        let changed = {
            let Ok(mut unacked) = self.inner.unacked.write() else {
                return;
            };
            let ids: std::collections::HashSet<&String> =
                counted.iter().map(|(id, _)| id).collect();
            unacked.per_journal.retain(|id, _| ids.contains(id));
            for (id, c) in counted.iter() {
                if let Some(c) = c {
                    unacked.per_journal.insert(id.clone(), c.clone());
                }
            }
            let mut total: BTreeMap<String, u32> = BTreeMap::new();
            for c in unacked.per_journal.values() {
                for (shift, n) in &c.spots {
                    *total.entry(shift.clone()).or_insert(0) += n;
                }
            }
            let changed = total != unacked.total;
            unacked.total = total;
            changed
        };
        if changed {
            self.inner.status.send_modify(|_| {});
        }
    }

    /// Count a signup just written into `written`'s journal on `shift`, without reading
    /// the journal: its count moves by one, and its heads to the new ones, if the count
    /// stood at the heads before the change; otherwise the next recount reads it all.
    pub(crate) fn count_new_signup(&self, written: &super::signups::Written, shift: Option<&str>) {
        let Ok(mut unacked) = self.inner.unacked.write() else {
            return;
        };
        let known = unacked
            .per_journal
            .get(&written.doc_id)
            .is_none_or(|c| c.heads == written.before);
        if !known {
            return;
        }
        let entry = unacked
            .per_journal
            .entry(written.doc_id.clone())
            .or_insert_with(|| Counted {
                heads: Vec::new(),
                acked: Vec::new(),
                spots: BTreeMap::new(),
            });
        entry.heads = written.after.clone();
        if let Some(shift) = shift {
            *entry.spots.entry(shift.to_owned()).or_insert(0) += 1;
            *unacked.total.entry(shift.to_owned()).or_insert(0) += 1;
        }
    }
}
