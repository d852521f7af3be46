//! JSON-shaped values in and out of Automerge documents.
//!
//! The catalog and each signup record are written as nested maps and lists. Writing a whole
//! value in one call creates every container inside it in the same change, which is what the
//! journal invariant asks for (a container is created once, by its creator, with everything
//! inside it). Reading accepts both Rust-written strings and JS-written text objects.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value, transaction::Transactable};
use serde_json::{Map, Number, Value as Json};

/// Errors while reading or writing JSON-shaped values in a document.
#[derive(Debug, thiserror::Error)]
pub enum AmJsonError {
    /// Automerge refused an operation.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A number that neither i64, u64 nor f64 can hold.
    #[error("a number out of range at {0}")]
    Number(String),
}

/// Put `value` at `key` in the map `obj`, creating nested containers as needed.
pub fn put_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &Json,
) -> Result<(), AmJsonError> {
    match value {
        Json::Object(map) => {
            let child = tx.put_object(obj, key, ObjType::Map)?;
            fill_map(tx, &child, map)?;
        }
        Json::Array(items) => {
            let child = tx.put_object(obj, key, ObjType::List)?;
            fill_list(tx, &child, items)?;
        }
        scalar => tx.put(obj, key, to_scalar(scalar, key)?)?,
    }
    Ok(())
}

/// Insert `value` at `index` in the list `obj`.
pub fn insert_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    index: usize,
    value: &Json,
) -> Result<(), AmJsonError> {
    match value {
        Json::Object(map) => {
            let child = tx.insert_object(obj, index, ObjType::Map)?;
            fill_map(tx, &child, map)?;
        }
        Json::Array(items) => {
            let child = tx.insert_object(obj, index, ObjType::List)?;
            fill_list(tx, &child, items)?;
        }
        scalar => tx.insert(obj, index, to_scalar(scalar, "list item")?)?,
    }
    Ok(())
}

fn fill_map<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    map: &Map<String, Json>,
) -> Result<(), AmJsonError> {
    for (k, v) in map {
        put_json(tx, obj, k, v)?;
    }
    Ok(())
}

fn fill_list<T: Transactable>(tx: &mut T, obj: &ObjId, items: &[Json]) -> Result<(), AmJsonError> {
    for (i, v) in items.iter().enumerate() {
        insert_json(tx, obj, i, v)?;
    }
    Ok(())
}

fn to_scalar(value: &Json, at: &str) -> Result<ScalarValue, AmJsonError> {
    Ok(match value {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else if let Some(f) = n.as_f64() {
                ScalarValue::F64(f)
            } else {
                return Err(AmJsonError::Number(at.to_owned()));
            }
        }
        Json::Object(_) | Json::Array(_) => ScalarValue::Null,
    })
}

/// Make the value at `key` of map `obj` equal `new`, changing only what differs from what
/// is there: unchanged values are left alone, maps are updated key by key, and lists of
/// objects with an `"id"` are matched by id (an element keeps its place and is updated in
/// place; what is new is inserted, what went is deleted). An edit of one job in a catalog
/// of thousands is then a change of a few operations, not a second copy of the catalog.
pub fn update_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    new: &Json,
) -> Result<(), AmJsonError> {
    match (tx.get(obj, key)?, new) {
        (Some((Value::Object(ObjType::Map), id)), Json::Object(m)) => update_map(tx, &id, m),
        (Some((Value::Object(ObjType::List), id)), Json::Array(items)) => {
            update_list(tx, &id, items)
        }
        (Some((Value::Scalar(s), _)), scalar)
            if !scalar.is_object() && !scalar.is_array() && *s == to_scalar(scalar, key)? =>
        {
            Ok(())
        }
        _ => put_json(tx, obj, key, new),
    }
}

fn update_map<T: Transactable>(
    tx: &mut T,
    map: &ObjId,
    new: &Map<String, Json>,
) -> Result<(), AmJsonError> {
    let gone: Vec<String> = tx.keys(map).filter(|k| !new.contains_key(k)).collect();
    for k in gone {
        tx.delete(map, k.as_str())?;
    }
    for (k, v) in new {
        update_json(tx, map, k, v)?;
    }
    Ok(())
}

fn element_id<R: ReadDoc>(doc: &R, list: &ObjId, i: usize) -> Option<String> {
    match doc.get(list, i) {
        Ok(Some((Value::Object(ObjType::Map), id))) => get_string(doc, &id, "id"),
        _ => None,
    }
}

fn json_id(v: &Json) -> Option<&str> {
    v.as_object()?.get("id")?.as_str()
}

fn update_list<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    items: &[Json],
) -> Result<(), AmJsonError> {
    for (i, item) in items.iter().enumerate() {
        let len = tx.length(list);
        let found = match json_id(item) {
            // The same element further on: what stands between went (or moved, and is
            // inserted again where it now is).
            Some(id) => (i..len).find(|&j| element_id(tx, list, j).as_deref() == Some(id)),
            None => (i < len).then_some(i),
        };
        match found {
            Some(j) => {
                for _ in i..j {
                    tx.delete(list, i)?;
                }
                update_element(tx, list, i, item)?;
            }
            None => insert_json(tx, list, i, item)?,
        }
    }
    while tx.length(list) > items.len() {
        tx.delete(list, tx.length(list) - 1)?;
    }
    Ok(())
}

fn update_element<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    i: usize,
    new: &Json,
) -> Result<(), AmJsonError> {
    match (tx.get(list, i)?, new) {
        (Some((Value::Object(ObjType::Map), id)), Json::Object(m)) => update_map(tx, &id, m),
        (Some((Value::Object(ObjType::List), id)), Json::Array(items)) => {
            update_list(tx, &id, items)
        }
        (Some((Value::Scalar(s), _)), scalar)
            if !scalar.is_object()
                && !scalar.is_array()
                && *s == to_scalar(scalar, "list item")? =>
        {
            Ok(())
        }
        _ => {
            tx.delete(list, i)?;
            insert_json(tx, list, i, new)
        }
    }
}

/// Read the object `obj` (map, list or text) as JSON.
pub fn read_json<R: ReadDoc>(doc: &R, obj: &ObjId) -> Json {
    match doc.object_type(obj) {
        Ok(ObjType::Map) | Ok(ObjType::Table) => {
            let mut out = Map::new();
            for item in doc.map_range(obj, ..) {
                let id = item.id();
                out.insert(
                    item.key.to_string(),
                    value_json(doc, item.value.into_value(), &id),
                );
            }
            Json::Object(out)
        }
        Ok(ObjType::List) => Json::Array(
            doc.list_range(obj, ..)
                .map(|item| {
                    let id = item.id();
                    value_json(doc, item.value.into_value(), &id)
                })
                .collect(),
        ),
        Ok(ObjType::Text) => Json::String(doc.text(obj).unwrap_or_default()),
        Err(_) => Json::Null,
    }
}

fn value_json<R: ReadDoc>(doc: &R, value: Value<'_>, id: &ObjId) -> Json {
    match value {
        Value::Object(_) => read_json(doc, id),
        Value::Scalar(s) => scalar_json(&s),
    }
}

fn scalar_json(s: &ScalarValue) -> Json {
    match s {
        ScalarValue::Null => Json::Null,
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(i) => Json::Number((*i).into()),
        ScalarValue::Uint(u) => Json::Number((*u).into()),
        ScalarValue::Counter(c) => Json::Number(i64::from(c).into()),
        ScalarValue::Timestamp(t) => Json::Number((*t).into()),
        ScalarValue::F64(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        ScalarValue::Bytes(b) => Json::String(hex::encode(b)),
        ScalarValue::Unknown { .. } => Json::Null,
    }
}

/// The object id stored at `key` of map `obj`, if that value is an object.
pub fn get_obj<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

/// The string stored at `key` of map `obj`, whether a plain string or a text object.
pub fn get_string<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        Ok(Some((Value::Object(ObjType::Text), id))) => doc.text(&id).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ROOT};

    #[test]
    fn nested_values_round_trip() {
        let value = serde_json::json!({
            "name": "Kulturnat", "n": 3, "neg": -2, "f": 1.5, "ok": true, "none": null,
            "list": [1, {"a": "b"}, [2]],
        });
        let mut doc = AutoCommit::new();
        put_json(&mut doc, &ROOT, "v", &value).expect("put");
        let obj = get_obj(&doc, &ROOT, "v").expect("object");
        assert_eq!(read_json(&doc, &obj), value);
    }

    #[test]
    fn an_update_changes_only_what_differs_and_reads_back_as_the_new_value() {
        let job = |id: &str, title: &str, shifts: &[&str]| serde_json::json!({"id": id, "title": title, "shifts": shifts.iter().map(|s| serde_json::json!({"id": s, "capacity": 4})).collect::<Vec<_>>()});
        let old = serde_json::json!({"jobs": [job("a", "A", &["a1", "a2"]), job("b", "B", &[]), job("c", "C", &["c1"])], "n": 1, "gone": true});
        let mut doc = AutoCommit::new();
        put_json(&mut doc, &ROOT, "v", &old).expect("put");
        let before = doc.save().len();
        doc.commit();
        // One title changed, one shift added, a job removed, one added, one moved.
        let new = serde_json::json!({"jobs": [job("c", "C", &["c1"]), job("a", "A2", &["a1", "a2", "a3"]), job("d", "D", &[])], "n": 1});
        update_json(&mut doc, &ROOT, "v", &new).expect("update");
        let obj = get_obj(&doc, &ROOT, "v").expect("object");
        assert_eq!(read_json(&doc, &obj), new);
        // Nothing changes when nothing differs.
        let heads = doc.get_heads();
        update_json(&mut doc, &ROOT, "v", &new).expect("again");
        doc.commit();
        assert_eq!(
            doc.get_heads(),
            heads,
            "an update without differences made a change"
        );
        assert!(
            doc.save().len() < before * 3,
            "the update rewrote the value"
        );
        // Unrelated kinds are replaced whole.
        let other = serde_json::json!({"jobs": "none", "n": [1, 2]});
        update_json(&mut doc, &ROOT, "v", &other).expect("replace");
        let obj = get_obj(&doc, &ROOT, "v").expect("object");
        assert_eq!(read_json(&doc, &obj), other);
    }

    #[test]
    fn text_objects_read_as_strings() {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "t", ObjType::Text).expect("text");
        doc.splice_text(&text, 0, 0, "æblegrød").expect("splice");
        assert_eq!(get_string(&doc, &ROOT, "t").as_deref(), Some("æblegrød"));
        assert_eq!(read_json(&doc, &ROOT), serde_json::json!({"t": "æblegrød"}));
    }
}
