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
    fn text_objects_read_as_strings() {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "t", ObjType::Text).expect("text");
        doc.splice_text(&text, 0, 0, "æblegrød").expect("splice");
        assert_eq!(get_string(&doc, &ROOT, "t").as_deref(), Some("æblegrød"));
        assert_eq!(read_json(&doc, &ROOT), serde_json::json!({"t": "æblegrød"}));
    }
}
