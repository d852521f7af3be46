//! What opening the store does to rows an older server wrote, so every data folder opens.
//!
//! Before statuses were typed, a journal could bring any status text and the server stored
//! it. Such a row would no longer decode, and one undecodable row would stop the listing at
//! start, retention and the count of spots taken. Opening gives those rows the status
//! `new` (a coordinator then sees them and decides) and drops history entries with a status
//! that is not ours; every change is logged.

use redb::{ReadableTable, WriteTransaction};
use serde_json::Value;

use frivillig_common::domain::Status;

use super::StoreError;
use super::schema::SIGNUPS;

fn known(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).and_then(Status::parse).is_some()
}

/// Give rows with a status that is not ours the status `new`, and drop history entries with
/// one. Rows are read as plain JSON, so nothing here needs them to decode first.
pub(super) fn repair_statuses(tx: &WriteTransaction) -> Result<(), StoreError> {
    let mut table = tx.open_table(SIGNUPS.def())?;
    let mut repaired: Vec<(String, Vec<u8>)> = Vec::new();
    for item in table.iter()? {
        let (key, bytes) = item?;
        let Ok(mut row) = serde_json::from_slice::<Value>(bytes.value()) else {
            continue;
        };
        let Some(record) = row.get_mut("record").and_then(Value::as_object_mut) else {
            continue;
        };
        let mut changed = false;
        if !known(record.get("status")) {
            record.insert("status".into(), Value::from(Status::New.as_str()));
            changed = true;
        }
        if let Some(history) = record
            .get_mut("status_history")
            .and_then(Value::as_array_mut)
        {
            let before = history.len();
            history.retain(|change| known(change.get("status")));
            changed |= history.len() != before;
        }
        if changed {
            tracing::warn!(signup = %key.value(), "a stored signup had a status that is not ours; it now reads as new");
            repaired.push((key.value().to_owned(), serde_json::to_vec(&row)?));
        }
    }
    for (key, bytes) in repaired {
        table.insert(key.as_str(), bytes.as_slice())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use frivillig_common::storage::RedbStorage;

    #[test]
    fn a_row_with_a_status_not_ours_opens_as_new() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.redb");
        let record = serde_json::json!({
            "id": "x", "opportunity_id": "o", "shift_id": null, "site_id": "s",
            "source": {"kind": "kiosk", "id": "k1"}, "created_at": "2026-11-27T10:00:00+01:00",
            "consent_version": 1, "consent_at": "2026-11-27T10:00:00+01:00",
            "receipt_hash": "", "sealed": "", "status": "approved-by-me",
            "status_history": [
                {"status": "contacted", "at": "2026-11-27T11:00:00Z", "by": "anna"},
                {"status": "hacked", "at": "2026-11-27T12:00:00Z", "by": "k1"}
            ],
            "check_ins": [], "notes": []
        });
        let row = serde_json::json!({
            "record": record, "person": null, "journal_doc_id": "j", "received_at": "2026-11-27T10:00:01Z"
        });
        {
            let db = redb::Database::create(&path).expect("db");
            let tx = db.begin_write().expect("tx");
            tx.open_table(SIGNUPS.def())
                .expect("table")
                .insert("x", serde_json::to_vec(&row).expect("json").as_slice())
                .expect("insert");
            tx.commit().expect("commit");
        }
        let store = Store::new(RedbStorage::open(&path).expect("open")).expect("store opens");
        let stored = store.signup("x").expect("read").expect("row");
        assert_eq!(stored.record.status, Status::New);
        assert_eq!(stored.record.status_history.len(), 1);
        assert_eq!(stored.record.status_history[0].status, Status::Contacted);
        assert_eq!(store.listing().len(), 1);
    }
}
