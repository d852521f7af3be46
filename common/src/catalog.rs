//! The catalog document: one per deployment, created and written only by the server.
//!
//! Layout: `{ kind: "catalog", catalog: { sites, opportunities, ambassadors, handbook,
//! consent_texts }, signature, taken: { shift id: spots taken } }`. `signature` is the
//! server's Ed25519 signature over the catalog's canonical JSON ([`crate::sign`]), written
//! in the same change as the catalog; kiosks accept only a catalog it matches. `taken` is the server's count of
//! the signups it holds per shift, so that kiosks can show spots left across kiosks; it is
//! kept apart from `catalog` so that a catalog import or export never touches it.

use std::collections::BTreeMap;

use automerge::{Automerge, ObjType, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable};

use crate::amjson::{AmJsonError, get_obj, get_string, read_json, update_json};
use crate::domain::Catalog;

pub use crate::demo::{DEMO_REFERENCE_DAY, demo_catalog, demo_catalog_from};
use crate::sign::{SignError, SigningKeyPair};

/// The value of the root `kind` field of a catalog document.
pub const CATALOG_KIND: &str = "catalog";

/// Errors reading a catalog document.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The document is not a catalog.
    #[error("the document is not a catalog")]
    NotACatalog,
    /// The catalog's content does not have the expected shape.
    #[error("the catalog has an unexpected shape: {0}")]
    Shape(#[from] serde_json::Error),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] AmJsonError),
    /// The catalog carries no signature.
    #[error("the catalog is not signed")]
    Unsigned,
    /// The signature does not hold for this catalog and key.
    #[error("the catalog's signature is not valid: {0}")]
    Signature(#[from] SignError),
}

/// The tag signed before the catalog's JSON, so no other signed content can pass for it.
pub const CATALOG_SIGNATURE_TAG: &str = "frivillig-catalog-1";

/// The bytes that are signed: the catalog's JSON as serde writes it (field order fixed by
/// the types, maps ordered), identical on every machine that reads the same catalog. Kiosks
/// from before version 2 check only this, and a field they do not know breaks it for them.
fn signed_bytes(catalog: &Catalog) -> Result<Vec<u8>, CatalogError> {
    Ok(serde_json::to_vec(catalog)?)
}

/// The tag of the second signature, over the catalog's JSON value with every map's keys
/// sorted: a kiosk checks it on the value it read from the document, whatever fields a
/// later server adds, so a new catalog field does not lock out the kiosks already out there.
pub const CATALOG_SIGNATURE_TAG_V2: &str = "frivillig-catalog-2";

/// `value` as JSON text with every map's keys in sorted order and no spaces.
fn canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value as J;
    match value {
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&J::String((*k).clone()).to_string());
                out.push(':');
                canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        J::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn canonical_bytes(value: &serde_json::Value) -> Vec<u8> {
    let mut out = String::new();
    canonical(value, &mut out);
    out.into_bytes()
}

/// A new catalog document holding `catalog` signed by `signer`, built in one change.
pub fn new_catalog_doc(
    catalog: &Catalog,
    signer: &SigningKeyPair,
) -> Result<Automerge, CatalogError> {
    let mut doc = Automerge::new();
    write_catalog(&mut doc, catalog, signer)?;
    Ok(doc)
}

/// Replace the catalog content of `doc` with `catalog` and its signature, in one change.
pub fn write_catalog(
    doc: &mut Automerge,
    catalog: &Catalog,
    signer: &SigningKeyPair,
) -> Result<(), CatalogError> {
    let value = serde_json::to_value(catalog)?;
    let signature = signer.sign(CATALOG_SIGNATURE_TAG, &signed_bytes(catalog)?);
    let signature_v2 = signer.sign(CATALOG_SIGNATURE_TAG_V2, &canonical_bytes(&value));
    doc.transact::<_, _, CatalogError>(|tx| {
        tx.put(ROOT, "kind", CATALOG_KIND)
            .map_err(AmJsonError::from)?;
        // Only what differs from the catalog there: an edit of one job is a small change.
        update_json(tx, &ROOT, "catalog", &value)?;
        tx.put(ROOT, "signature", signature.as_str())
            .map_err(AmJsonError::from)?;
        tx.put(ROOT, "signature_v2", signature_v2.as_str())
            .map_err(AmJsonError::from)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// Read the catalog held in `doc`.
pub fn read_catalog<R: ReadDoc>(doc: &R) -> Result<Catalog, CatalogError> {
    if get_string(doc, &ROOT, "kind").as_deref() != Some(CATALOG_KIND) {
        return Err(CatalogError::NotACatalog);
    }
    let obj = get_obj(doc, &ROOT, "catalog").ok_or(CatalogError::NotACatalog)?;
    Ok(serde_json::from_value(read_json(doc, &obj))?)
}

/// Read the catalog held in `doc` and check the server's signature on it with
/// `public_hex` (the server's public signing key): the second signature, over the value as
/// the document holds it, when there is one; else the first.
pub fn read_signed_catalog<R: ReadDoc>(doc: &R, public_hex: &str) -> Result<Catalog, CatalogError> {
    if get_string(doc, &ROOT, "kind").as_deref() != Some(CATALOG_KIND) {
        return Err(CatalogError::NotACatalog);
    }
    let obj = get_obj(doc, &ROOT, "catalog").ok_or(CatalogError::NotACatalog)?;
    let value = read_json(doc, &obj);
    if let Some(signature) = get_string(doc, &ROOT, "signature_v2") {
        crate::sign::verify(
            public_hex,
            CATALOG_SIGNATURE_TAG_V2,
            &canonical_bytes(&value),
            &signature,
        )?;
        return Ok(serde_json::from_value(value)?);
    }
    let catalog: Catalog = serde_json::from_value(value)?;
    let signature = get_string(doc, &ROOT, "signature").ok_or(CatalogError::Unsigned)?;
    crate::sign::verify(
        public_hex,
        CATALOG_SIGNATURE_TAG,
        &signed_bytes(&catalog)?,
        &signature,
    )?;
    Ok(catalog)
}

/// The spots taken per shift, as the server last counted them. Empty if never counted.
pub fn read_taken<R: ReadDoc>(doc: &R) -> BTreeMap<String, u32> {
    let Some(obj) = get_obj(doc, &ROOT, "taken") else {
        return BTreeMap::new();
    };
    doc.keys(&obj)
        .filter_map(|key| {
            let n = match doc.get(&obj, key.as_str()).ok()?? {
                (Value::Scalar(s), _) => match s.as_ref() {
                    ScalarValue::Uint(n) => u32::try_from(*n).ok(),
                    ScalarValue::Int(n) => u32::try_from(*n).ok(),
                    _ => None,
                },
                (Value::Object(_), _) => None,
            }?;
            Some((key, n))
        })
        .collect()
}

/// Write the spots taken per shift, changing only the entries that differ, in one change.
/// Returns whether anything changed (no empty changes for kiosks to sync).
pub fn write_taken(
    doc: &mut Automerge,
    taken: &BTreeMap<String, u32>,
) -> Result<bool, CatalogError> {
    let current = read_taken(doc);
    if &current == taken {
        return Ok(false);
    }
    doc.transact::<_, _, CatalogError>(|tx| {
        // Only the server writes the catalog document, so creating the map here cannot race
        // another writer's creation of it.
        let obj = match get_obj(tx, &ROOT, "taken") {
            Some(obj) => obj,
            None => tx
                .put_object(ROOT, "taken", ObjType::Map)
                .map_err(AmJsonError::from)?,
        };
        for (shift, n) in taken {
            if current.get(shift) != Some(n) {
                tx.put(&obj, shift.as_str(), u64::from(*n))
                    .map_err(AmJsonError::from)?;
            }
        }
        for shift in current.keys().filter(|k| !taken.contains_key(*k)) {
            tx.delete(&obj, shift.as_str()).map_err(AmJsonError::from)?;
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_counts_change_only_what_differs_and_leave_the_catalog_alone() {
        let keys = SigningKeyPair::generate();
        let mut doc = new_catalog_doc(&demo_catalog(), &keys).expect("doc");
        assert!(read_taken(&doc).is_empty());
        let mut taken = BTreeMap::from([("a".to_owned(), 2), ("b".to_owned(), 1)]);
        assert!(write_taken(&mut doc, &taken).expect("write"));
        assert_eq!(read_taken(&doc), taken);
        let heads = doc.get_heads();
        assert!(
            !write_taken(&mut doc, &taken).expect("write"),
            "no empty change"
        );
        assert_eq!(doc.get_heads(), heads);
        taken.remove("b");
        taken.insert("a".into(), 3);
        assert!(write_taken(&mut doc, &taken).expect("write"));
        assert_eq!(read_taken(&doc), taken);
        assert_eq!(read_catalog(&doc).expect("catalog"), demo_catalog());
        // A catalog import rewrites `catalog` and keeps the counts.
        write_catalog(&mut doc, &demo_catalog(), &keys).expect("import");
        assert_eq!(read_taken(&doc), taken);
        // The counts are not part of what is signed.
        assert!(read_signed_catalog(&doc, &keys.public_hex()).is_ok());
    }

    #[test]
    fn catalog_round_trips_through_a_document() {
        let catalog = demo_catalog();
        let keys = SigningKeyPair::generate();
        let doc = new_catalog_doc(&catalog, &keys).expect("doc");
        let bytes = doc.save();
        let mut loaded = Automerge::load(&bytes).expect("load");
        assert_eq!(read_catalog(&loaded).expect("read"), catalog);
        // What a kiosk reads back verifies: the signed bytes survive the document.
        assert_eq!(
            read_signed_catalog(&loaded, &keys.public_hex()).expect("signed"),
            catalog
        );
        let stranger = SigningKeyPair::generate().public_hex();
        assert!(matches!(
            read_signed_catalog(&loaded, &stranger),
            Err(CatalogError::Signature(_))
        ));
        // A change to the catalog without a new signature is refused.
        let obj = get_obj(&loaded, &ROOT, "catalog").expect("catalog");
        let sites = get_obj(&loaded, &obj, "sites").expect("sites");
        loaded
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                let first = tx.get(&sites, 0usize)?.map(|(_, id)| id).expect("site");
                tx.put(&first, "name", "Falsk sted")?;
                Ok(())
            })
            .map_err(|f| f.error)
            .expect("tamper");
        assert_eq!(
            read_catalog(&loaded).expect("read").sites[0].name,
            "Falsk sted"
        );
        assert!(matches!(
            read_signed_catalog(&loaded, &keys.public_hex()),
            Err(CatalogError::Signature(_))
        ));
        let unsigned = {
            let mut d = Automerge::new();
            d.transact::<_, _, CatalogError>(|tx| {
                tx.put(ROOT, "kind", CATALOG_KIND)
                    .map_err(AmJsonError::from)?;
                crate::amjson::put_json(tx, &ROOT, "catalog", &serde_json::to_value(&catalog)?)?;
                Ok(())
            })
            .map_err(|f| f.error)
            .expect("unsigned");
            d
        };
        assert!(matches!(
            read_signed_catalog(&unsigned, &keys.public_hex()),
            Err(CatalogError::Unsigned)
        ));
    }

    #[test]
    fn a_field_this_version_does_not_know_keeps_the_catalog_readable() {
        let keys = SigningKeyPair::generate();
        let mut doc = new_catalog_doc(&demo_catalog(), &keys).expect("doc");
        // A later server adds a field to a job and signs the whole value.
        let mut value = serde_json::to_value(demo_catalog()).expect("json");
        value["opportunities"][0]["parking"] = serde_json::json!("Bag biblioteket");
        let v2 = keys.sign(CATALOG_SIGNATURE_TAG_V2, &canonical_bytes(&value));
        doc.transact::<_, _, CatalogError>(|tx| {
            update_json(tx, &ROOT, "catalog", &value)?;
            tx.put(ROOT, "signature_v2", v2.as_str())
                .map_err(AmJsonError::from)?;
            Ok(())
        })
        .map_err(|f| f.error)
        .expect("later server");
        let read = read_signed_catalog(&doc, &keys.public_hex()).expect("still signed");
        assert_eq!(read, demo_catalog());
        // And the second signature holds only for what was signed.
        doc.transact::<_, _, CatalogError>(|tx| {
            let obj = get_obj(tx, &ROOT, "catalog").expect("catalog");
            tx.put(&obj, "extra", "falsk").map_err(AmJsonError::from)?;
            Ok(())
        })
        .map_err(|f| f.error)
        .expect("tamper");
        assert!(matches!(
            read_signed_catalog(&doc, &keys.public_hex()),
            Err(CatalogError::Signature(_))
        ));
    }

    #[test]
    fn a_journal_is_not_a_catalog() {
        assert!(matches!(
            read_catalog(&Automerge::new()),
            Err(CatalogError::NotACatalog)
        ));
    }
}
