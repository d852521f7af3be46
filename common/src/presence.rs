//! Check-ins a kiosk records in its own journal for signups it may not hold the record of
//! (festival mode): the volunteer signed up at another kiosk, or days ago. No kiosk writes
//! another's journal, so the check-in goes into the checking kiosk's own.
//!
//! Layout: the journal's root map `presence`: `{ <signup id>: [ <check-in as a JSON
//! string> ] }`. Only the journal's owner writes it; it creates the map in the change of its
//! first check-in, and each signup's list in the change of that signup's first.
//!
//! A short code printed under the receipt's QR code lets staff type what a camera cannot
//! read: eight characters of Crockford's base32 of the receipt hash, which every journal
//! holding the signup carries (never the secret token).

use automerge::{Automerge, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable};

use crate::amjson::get_obj;
use crate::domain::CheckIn;
use crate::journal::JournalError;

/// The key of the map in a journal's root.
pub const PRESENCE_KEY: &str = "presence";

/// At most this many check-ins per signup are read from one journal.
pub const MAX_PER_SIGNUP: usize = 16;

/// Record `check_in` for `signup_id` in `doc` (the kiosk's own journal), in one change.
pub fn add_presence(
    doc: &mut Automerge,
    signup_id: &str,
    check_in: &CheckIn,
) -> Result<(), JournalError> {
    let entry = serde_json::to_string(check_in)?;
    doc.transact::<_, _, JournalError>(|tx| {
        let map = match get_obj(tx, &ROOT, PRESENCE_KEY) {
            Some(m) => m,
            None => tx.put_object(ROOT, PRESENCE_KEY, automerge::ObjType::Map)?,
        };
        let list = match get_obj(tx, &map, signup_id) {
            Some(l) => l,
            None => tx.put_object(&map, signup_id, automerge::ObjType::List)?,
        };
        let len = tx.length(&list);
        tx.insert(&list, len, entry.as_str())?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// Every check-in the journal records in its `presence` map, by signup id; what does not
/// decode is skipped, and at most [`MAX_PER_SIGNUP`] are read per signup.
pub fn read_presence<R: ReadDoc>(doc: &R) -> Vec<(String, CheckIn)> {
    let Some(map) = get_obj(doc, &ROOT, PRESENCE_KEY) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in doc.map_range(&map, ..) {
        let list = item.id();
        for i in 0..doc.length(&list).min(MAX_PER_SIGNUP) {
            if let Ok(Some((Value::Scalar(s), _))) = doc.get(&list, i)
                && let ScalarValue::Str(text) = s.as_ref()
                && let Ok(c) = serde_json::from_str::<CheckIn>(text)
            {
                out.push((item.key.to_string(), c));
            }
        }
    }
    out
}

/// The short code of a receipt, from its hash (hex): `XXXX-XXXX` in Crockford's base32.
pub fn short_code(receipt_hash: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = hex::decode(receipt_hash).unwrap_or_default();
    let mut bits: u64 = 0;
    for b in bytes.iter().take(5) {
        bits = (bits << 8) | u64::from(*b);
    }
    let chars: String = (0..8)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The short code of the receipt whose link is `url` (what the kiosk prints under its QR
/// code), if `url` is a receipt link.
pub fn short_code_of_receipt(url: &str) -> Option<String> {
    let (_, token) = crate::receipt::parse_receipt_url(url)?;
    Some(short_code(&crate::receipt::receipt_hash(&token)))
}

/// A short code as typed: upper case, without spaces or dashes, with the letters people
/// mistake for digits read as those digits (Crockford's rule), and the dash put back.
pub fn normalize_short_code(typed: &str) -> String {
    let chars: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    if chars.len() == 8 {
        format!("{}-{}", &chars[..4], &chars[4..])
    } else {
        chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{JournalHeader, new_journal_doc};

    /// Check-ins for several signups land in the map, in order, and read back; a journal
    /// without the map reads as none; junk in a list is skipped.
    #[test]
    fn check_ins_for_other_journals_signups_read_back() {
        let mut doc = new_journal_doc(&JournalHeader {
            owner: "kiosk:telt-2".into(),
            day: "2026-12-04".into(),
        })
        .expect("journal");
        assert!(read_presence(&doc).is_empty());
        let at = |t: &str, out| CheckIn {
            at: t.into(),
            by: "telt-2".into(),
            out,
        };
        add_presence(&mut doc, "s1", &at("2026-12-04T17:00:00+01:00", false)).expect("in");
        add_presence(&mut doc, "s2", &at("2026-12-04T17:01:00+01:00", false)).expect("in");
        add_presence(&mut doc, "s1", &at("2026-12-04T20:00:00+01:00", true)).expect("out");
        let read = read_presence(&doc);
        assert_eq!(read.len(), 3);
        assert_eq!(
            read[0],
            ("s1".into(), at("2026-12-04T17:00:00+01:00", false))
        );
        assert_eq!(
            read[1],
            ("s1".into(), at("2026-12-04T20:00:00+01:00", true))
        );
        assert_eq!(read[2].0, "s2");
        let map = get_obj(&doc, &ROOT, PRESENCE_KEY).expect("map");
        let list = get_obj(&doc, &map, "s2").expect("list");
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.insert(&list, 1, "not json"))
            .expect("junk");
        assert_eq!(read_presence(&doc).len(), 3);
    }

    /// The code is eight characters of base32 with a dash; typing it in lower case, without
    /// the dash or with O for 0 finds the same code.
    #[test]
    fn short_codes_are_typed_forgivingly() {
        let code = short_code(&"0f".repeat(32));
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert_eq!(
            normalize_short_code(&code.to_lowercase().replace('-', " ")),
            code
        );
        let zeros = short_code(&"00".repeat(32));
        assert_eq!(zeros, "0000-0000");
        assert_eq!(normalize_short_code("oooo-oooo"), zeros);
        assert_ne!(short_code(&"01".repeat(32)), zeros);
    }
}
