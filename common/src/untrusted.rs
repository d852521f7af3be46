//! Automerge on bytes that may be damaged or hostile.
//!
//! Fuzzing found three panics in automerge 0.12 on malformed input: a change whose actor
//! table does not match its operations (`op_set2/change/batch.rs`, an `unwrap` while
//! applying it), a change whose sequence number does not follow its actor's last one
//! (`change_graph.rs`, an `assert`), and a sync message whose bloom filter has entries but
//! no bits (a division by zero in `sync/bloom.rs` when the receiver computes what to send
//! back). Longer fuzzing found more panics of the loading kind in hexane, automerge's
//! column encoding, while a saved document is rebuilt (`unexpected null in non-nullable
//! column`, a run read across the end of its slab), and a bloom filter that claims a
//! billion probes per hash, for which the receiver allocates gigabytes (an abort that
//! nothing catches). The loading ones panic whoever loads such a document or applies such a
//! change; the bloom filters fail the side that answers the message. Until automerge
//! refuses them itself:
//!
//! - [`load`] and [`load_incremental`] turn a panic while loading into an error (a kiosk
//!   with a damaged chunk starts and says so instead of crashing at every start);
//! - [`screen_sync_message`] is run by the server on every message from a kiosk before
//!   samod sees it, and refuses a message with an unsound bloom filter (no bits, or more
//!   than 64 probes). samod answers the catalog's sync for every kiosk from one document
//!   actor; a panic there would stop catalog sync for all of them. A hostile change to a
//!   kiosk's own journal can still panic that journal's actor inside samod; samod contains
//!   it to that document (shown by a test), and a kiosk can write only its own journals.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::Automerge;

/// Why bytes were refused.
#[derive(Debug, thiserror::Error)]
pub enum UntrustedError {
    /// Automerge refused them.
    #[error("not a valid Automerge document or change: {0}")]
    Invalid(#[from] automerge::AutomergeError),
    /// Automerge panicked on them (a bug of automerge's that the input found).
    #[error("malformed Automerge data (the decoder failed on it)")]
    Malformed,
    /// A sync message that would make its receiver fail.
    #[error("refused sync message: {0}")]
    Refused(&'static str),
}

/// Load a saved document.
pub fn load(bytes: &[u8]) -> Result<Automerge, UntrustedError> {
    match catch_unwind(|| Automerge::load(bytes)) {
        Ok(r) => Ok(r?),
        Err(_) => Err(UntrustedError::Malformed),
    }
}

/// Load chunks (changes or a document) into `doc`; returns the number of operations
/// applied. After [`UntrustedError::Malformed`] `doc` may be half-changed: the caller
/// must not keep it (start again from what loaded before).
pub fn load_incremental(doc: &mut Automerge, bytes: &[u8]) -> Result<usize, UntrustedError> {
    match catch_unwind(AssertUnwindSafe(|| doc.load_incremental(bytes))) {
        Ok(r) => Ok(r?),
        Err(_) => Err(UntrustedError::Malformed),
    }
}

/// The fields of an automerge-repo wire message (a CBOR map) that the server looks at.
#[derive(Default)]
struct WireFields<'a> {
    kind: Option<&'a str>,
    sender: Option<&'a str>,
    data: Option<&'a [u8]>,
}

/// The fields the server looks at, or `None` if the message does not decode (samod refuses
/// those itself).
fn wire_fields(wire: &[u8]) -> Option<WireFields<'_>> {
    let mut d = minicbor::Decoder::new(wire);
    let fields = d.map().ok()??;
    let mut f = WireFields::default();
    for _ in 0..fields {
        match d.str().ok()? {
            "type" => f.kind = Some(d.str().ok()?),
            "senderId" => f.sender = Some(d.str().ok()?),
            "data" => f.data = Some(d.bytes().ok()?),
            _ => d.skip().ok()?,
        }
    }
    Some(f)
}

/// The Automerge part of an automerge-repo wire message: `data` of a `sync` or `request`.
fn sync_payload(wire: &[u8]) -> Option<&[u8]> {
    let f = wire_fields(wire)?;
    matches!(f.kind, Some("sync" | "request"))
        .then_some(f.data)
        .flatten()
}

/// The `senderId` of an automerge-repo `join` message, or `None` for any other message
/// (or one that does not decode).
pub fn join_sender(wire: &[u8]) -> Option<&str> {
    let f = wire_fields(wire)?;
    (f.kind == Some("join")).then_some(f.sender).flatten()
}

/// The most probes per hash a bloom filter from a peer may ask for. Automerge (Rust and
/// JS) uses 7; the receiver allocates a probe list of the claimed length for every hash it
/// checks, so a ten-byte filter claiming a billion probes made it allocate gigabytes (an
/// abort no `catch_unwind` stops; found by fuzzing).
const MAX_BLOOM_PROBES: u64 = 64;

/// Whether a bloom filter (as encoded: entries, bits per entry and probes as LEB128, then
/// the bits) can be probed: one that claims entries must have bits, and at most
/// [`MAX_BLOOM_PROBES`] probes.
fn bloom_is_sound(encoded: &[u8]) -> bool {
    if encoded.is_empty() {
        return true;
    }
    let mut rest = encoded;
    let (mut entries, mut probes) = (0u64, 0u64);
    for field in 0..3 {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let Some((&b, tail)) = rest.split_first() else {
                return false;
            };
            rest = tail;
            if shift < 64 {
                value |= u64::from(b & 0x7f) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        match field {
            0 => entries = value,
            2 => probes = value,
            _ => {}
        }
    }
    entries == 0 || (!rest.is_empty() && probes <= MAX_BLOOM_PROBES)
}

/// Check a wire message from a peer before samod handles it (see the module docs).
/// Messages that are not sync messages, or do not decode, pass: samod refuses those
/// without failing.
pub fn screen_sync_message(wire: &[u8]) -> Result<(), UntrustedError> {
    let Some(data) = sync_payload(wire) else {
        return Ok(());
    };
    let Ok(message) = automerge::sync::Message::decode(data) else {
        return Ok(());
    };
    if message
        .have
        .iter()
        .all(|have| bloom_is_sound(&have.bloom.to_bytes()))
    {
        Ok(())
    } else {
        Err(UntrustedError::Refused(
            "a bloom filter with entries but no bits, or more probes than any peer uses",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bloom_filter_without_bits_or_with_absurd_probes_is_refused_and_a_real_one_passes() {
        assert!(bloom_is_sound(&[]));
        // 3 entries of no bits each, 7 probes: what the fuzzer sent.
        assert!(!bloom_is_sound(&[3, 0, 7]));
        let filter = automerge::sync::BloomFilter::try_from(&[3u8, 0, 7][..]).expect("parses");
        assert!(!bloom_is_sound(&filter.to_bytes()));
        assert!(bloom_is_sound(&[3, 10, 7, 0xff, 0x01]));
        assert!(!bloom_is_sound(&[0x80]));
        // One entry of 8 bits and 2^30 probes: a probe list of 4 GiB per hash checked.
        assert!(!bloom_is_sound(&[1, 8, 0x80, 0x80, 0x80, 0x80, 0x04, 0xff]));
        assert!(bloom_is_sound(&[1, 8, 64, 0xff]));
        assert!(!bloom_is_sound(&[1, 8, 65, 0xff]));
    }
}
