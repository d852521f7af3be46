//! The owner's word on its journals (festival mode). A kiosk signs the heads of its own
//! journals with its device key when it tells its peers of them; a kiosk holding a peer's
//! journal keeps the owner's latest such signature, checked against the key the server
//! named for that peer, and a kiosk carrying the journal to the server brings it along.
//! The server takes a carried journal only as far as its owner signed: a carrier cannot
//! pass off records it wrote itself as the owner's.

use frivillig_common::sign::{DeviceSigner, verify_device_heads};
use samod::DocHandle;

use super::KioskCore;
use crate::store::SignedHeads;

impl KioskCore {
    /// The kiosk's device key, once the first certificate request has made it.
    fn signer(&self) -> Option<&DeviceSigner> {
        if let Some(signer) = self.inner.signer.get() {
            return Some(signer);
        }
        match crate::identity::device_signer(&self.inner.config.data_dir) {
            Ok(Some(signer)) => {
                let _ = self.inner.signer.set(signer);
                self.inner.signer.get()
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "the device key cannot sign the journals' heads");
                None
            }
        }
    }

    /// This kiosk's signature on `heads` of its own journal `doc_id` (the one made for the
    /// same heads before, so a manifest that did not change says the same).
    pub(crate) fn vouch(&self, doc_id: &str, heads: &[String]) -> Option<SignedHeads> {
        let mut made = self
            .inner
            .vouched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(signed) = made.get(doc_id).filter(|s| s.heads == heads) {
            return Some(signed.clone());
        }
        let signature = self.signer()?.sign_heads(doc_id, heads).ok()?;
        let signed = SignedHeads {
            heads: heads.to_vec(),
            signature,
        };
        made.insert(doc_id.to_owned(), signed.clone());
        Some(signed)
    }

    /// Whether `signed` is `owner`'s signature on heads of its journal `doc_id`, by the key
    /// the server named for `owner` at the last contact.
    pub(crate) fn owner_signed(&self, owner: &str, doc_id: &str, signed: &SignedHeads) -> bool {
        self.site_peers()
            .into_iter()
            .find(|p| p.kiosk_id == owner)
            .is_some_and(|p| {
                verify_device_heads(&p.signing_key, doc_id, &signed.heads, &signed.signature)
                    .is_ok()
            })
    }
}

/// What a peer's word is worth against the one held.
enum Word {
    /// It replaces the one held.
    Newer,
    /// It reaches no further than the one held: never worth looking at again.
    Stale,
    /// The copy here lacks changes it names; it may be newer once they arrive.
    NotYet,
}

impl KioskCore {
    /// Take the owner's word `word` for the held journal `doc_id` (copy `handle`) if it is
    /// the owner's and newer than `current`; told by `from`. Cheap for a word seen before:
    /// manifests repeat words, and checking one costs a signature check and, from a peer
    /// other than the owner, a fork of the copy.
    pub(super) fn take_word(
        &self,
        (from, owner, doc_id): (&str, &str, &str),
        handle: &DocHandle,
        current: Option<&SignedHeads>,
        word: &SignedHeads,
    ) -> bool {
        if current == Some(word) {
            return false;
        }
        let mut stale = self
            .inner
            .stale_words
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if stale.get(doc_id) == Some(word) || !self.owner_signed(owner, doc_id, word) {
            return false;
        }
        match newer_word(handle, current, word, from == owner) {
            Word::Newer => true,
            Word::Stale => {
                stale.insert(doc_id.to_owned(), word.clone());
                false
            }
            Word::NotYet => false,
        }
    }
}

/// Whether the owner's word `new` should replace `current` for the copy `handle`. Told by
/// the owner itself, it is the owner's latest word, taken even before the changes it names
/// have arrived here (the owner tells it again only when it changes; the server waits for
/// the changes). Told by another peer, it must name heads the copy holds and reach at least
/// as far as `current`, so a peer cannot wind it back.
fn newer_word(
    handle: &DocHandle,
    current: Option<&SignedHeads>,
    new: &SignedHeads,
    from_owner: bool,
) -> Word {
    let Some(heads) = frivillig_common::sync::parse_heads(&new.heads) else {
        return Word::Stale;
    };
    if from_owner {
        return Word::Newer;
    }
    handle.with_document(|doc| {
        if !heads
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some())
        {
            return Word::NotYet;
        }
        let Some(current) = current.and_then(|c| frivillig_common::sync::parse_heads(&c.heads))
        else {
            return Word::Newer;
        };
        let reaches = doc.fork_at(&heads).is_ok_and(|f| {
            current
                .iter()
                .all(|h| f.get_change_meta_by_hash(h).is_some())
        });
        if reaches { Word::Newer } else { Word::Stale }
    })
}
