//! Store and forward (festival mode): a kiosk that reaches the server delivers the peers'
//! journals it holds. It registers each as carried for its owner (the server checks the
//! owner is a kiosk of the same site and ingests the journal as the owner's), lets samod
//! sync it, and asks for the server's signed acknowledgement, which the peers then carry
//! to the owner. A refusal of one relayed journal is logged and never stops the kiosk's own
//! sync.

use frivillig_common::api::{AckRequest, AckResponse, RegisterJournal};
use samod::DocumentId;

use super::Round;
use crate::core::KioskCore;
use crate::store::SignedHeads;

/// Register and acknowledge the held journals the server does not yet hold in full.
pub(super) async fn relay_held(core: &KioskCore, round: &Round) {
    let inner = &core.inner;
    let pending: Vec<(String, String, String)> = {
        let held = inner.held.lock().await;
        held.iter()
            .filter(|(_, h)| !h.meta.registered)
            .map(|(id, h)| (id.clone(), h.meta.day.clone(), h.meta.owner.clone()))
            .collect()
    };
    for (id, day, owner) in pending {
        let request = RegisterJournal {
            doc_id: id.clone(),
            day,
            owner: Some(owner),
        };
        let answer: Result<serde_json::Value, _> =
            round.post("/api/device/journals", &request).await;
        if let Err(e) = answer {
            tracing::warn!(journal = %id, error = %e, "the server refused a relayed journal");
            continue;
        }
        if let Ok(doc_id) = id.parse::<DocumentId>() {
            inner.sharing.send_modify(|s| {
                s.registered.insert(doc_id);
            });
        }
        let mut held = inner.held.lock().await;
        if let Some(h) = held.get_mut(&id) {
            let mut meta = h.meta.clone();
            meta.registered = true;
            if inner.store.put_peer_journal(&id, &meta).is_ok() {
                h.meta = meta;
            }
        }
    }
    // Asked as far as the owner signed, with its signature: the server takes a carried
    // journal no further (changes beyond may be the owner's, not yet signed, or anyone's).
    let mut waiting = false;
    let todo: Vec<(String, SignedHeads)> = {
        let held = inner.held.lock().await;
        held.iter()
            .filter(|(_, h)| h.meta.registered)
            .filter_map(|(id, h)| {
                let word = h.meta.owner_signed.clone()?;
                let acked = h.meta.ack.as_ref().is_some_and(|a| a.heads == word.heads);
                // Only once the copy here holds what the owner signed: the server would
                // otherwise wait for changes this kiosk cannot give it yet.
                let held = frivillig_common::sync::parse_heads(&word.heads).is_some_and(|heads| {
                    h.handle.with_document(|d| {
                        heads.iter().all(|x| d.get_change_meta_by_hash(x).is_some())
                    })
                });
                waiting |= !acked && !held;
                (!acked && held).then(|| (id.clone(), word))
            })
            .collect()
    };
    if waiting {
        // The changes are on their way from a peer: look again soon, not at the next
        // round in five seconds.
        let core = core.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            core.inner.wake.notify_one();
        });
    }
    for (id, word) in todo {
        let heads = word.heads.clone();
        let request = AckRequest {
            heads: heads.clone(),
            queued: 0,
            owner_signature: Some(word.signature),
        };
        let ack: AckResponse = match round
            .post(&format!("/api/device/journals/{id}/ack"), &request)
            .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(journal = %id, error = %e, "no acknowledgement of a relayed journal");
                continue;
            }
        };
        let signed = SignedHeads {
            heads: ack.acked_heads,
            signature: ack.signature,
        };
        // Kept only if the server's signature holds: it is what the owner will delete on.
        if signed.heads != heads || !core.ack_holds(&id, &signed) {
            tracing::warn!(journal = %id, "an acknowledgement of a relayed journal did not verify");
            continue;
        }
        let mut held = inner.held.lock().await;
        if let Some(h) = held.get_mut(&id) {
            let mut meta = h.meta.clone();
            meta.ack = Some(signed);
            if inner.store.put_peer_journal(&id, &meta).is_ok() {
                h.meta = meta;
                tracing::info!(journal = %id, owner = %h.meta.owner, "relayed journal acknowledged by the server");
            }
        }
    }
}
