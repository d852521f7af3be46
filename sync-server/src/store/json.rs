//! Tables whose rows are JSON on disk and typed values in code.
//!
//! On disk such a table is a plain `&[u8]` table, as it was before rows were typed: redb
//! records a table's value type by name and refuses to open it as another, so a typed redb
//! value would make every existing data folder unreadable. The type lives in
//! [`JsonTable`] instead, and every read and write goes through [`Rows`], so no caller
//! writes `serde_json` by hand or can put a row of the wrong type into a table.

use std::borrow::Borrow;
use std::marker::PhantomData;

use redb::{AccessGuard, Key, ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// The bytes a row is stored as.
type Bytes = &'static [u8];

/// A table of `K` to rows of `T`, stored as JSON.
pub struct JsonTable<K: Key + 'static, T> {
    def: TableDefinition<'static, K, Bytes>,
    row: PhantomData<fn() -> T>,
}

impl<K: Key + 'static, T> Clone for JsonTable<K, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Key + 'static, T> Copy for JsonTable<K, T> {}

impl<K: Key + 'static, T> JsonTable<K, T> {
    /// The table called `name`.
    pub const fn new(name: &'static str) -> Self {
        JsonTable {
            def: TableDefinition::new(name),
            row: PhantomData,
        }
    }

    /// The untyped redb table underneath (for the schema's list of tables).
    pub const fn def(&self) -> TableDefinition<'static, K, Bytes> {
        self.def
    }

    /// Open it for writing in `tx`.
    pub fn open<'txn>(
        &self,
        tx: &'txn WriteTransaction,
    ) -> Result<Rows<redb::Table<'txn, K, Bytes>, K, T>, StoreError> {
        Ok(Rows::new(tx.open_table(self.def)?))
    }

    /// Open it for reading in `tx`.
    pub fn read(
        &self,
        tx: &ReadTransaction,
    ) -> Result<Rows<redb::ReadOnlyTable<K, Bytes>, K, T>, StoreError> {
        Ok(Rows::new(tx.open_table(self.def)?))
    }
}

/// An open [`JsonTable`]: rows in and out as `T`.
pub struct Rows<Tb, K, T> {
    table: Tb,
    types: PhantomData<fn() -> (K, T)>,
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

impl<Tb, K, T> Rows<Tb, K, T> {
    fn new(table: Tb) -> Self {
        Rows {
            table,
            types: PhantomData,
        }
    }
}

impl<Tb, K, T> Rows<Tb, K, T>
where
    Tb: ReadableTable<K, Bytes>,
    K: Key + 'static,
    T: DeserializeOwned,
{
    /// The row under `key`.
    pub fn get<'a>(&self, key: impl Borrow<K::SelfType<'a>>) -> Result<Option<T>, StoreError> {
        self.table.get(key)?.map(|v| decode(v.value())).transpose()
    }

    /// Whether a row is stored under `key` (without decoding it).
    pub fn contains<'a>(&self, key: impl Borrow<K::SelfType<'a>>) -> Result<bool, StoreError> {
        Ok(self.table.get(key)?.is_some())
    }

    /// Every row in key order.
    pub fn iter(
        &self,
    ) -> Result<
        impl DoubleEndedIterator<Item = Result<(AccessGuard<'_, K>, T), StoreError>>,
        StoreError,
    > {
        Ok(self.table.iter()?.map(|item| {
            let (k, v) = item?;
            Ok((k, decode(v.value())?))
        }))
    }

    /// The last key, if any (for tables numbered in order).
    pub fn last_key(&self) -> Result<Option<AccessGuard<'_, K>>, StoreError> {
        Ok(self.table.last()?.map(|(k, _)| k))
    }

    /// How many rows.
    pub fn len(&self) -> Result<u64, StoreError> {
        Ok(self.table.len()?)
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.table.is_empty()?)
    }
}

impl<K, T> Rows<redb::Table<'_, K, Bytes>, K, T>
where
    K: Key + 'static,
    T: Serialize + DeserializeOwned,
{
    /// Store `row` under `key`, replacing what was there.
    pub fn insert<'a>(
        &mut self,
        key: impl Borrow<K::SelfType<'a>>,
        row: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(row)?;
        self.table.insert(key, bytes.as_slice())?;
        Ok(())
    }

    /// Take out the row under `key`, returning it.
    pub fn remove<'a>(
        &mut self,
        key: impl Borrow<K::SelfType<'a>>,
    ) -> Result<Option<T>, StoreError> {
        self.table
            .remove(key)?
            .map(|v| decode(v.value()))
            .transpose()
    }

    /// Keep only the rows `keep` says yes to; a row that no longer decodes is dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) -> Result<(), StoreError> {
        self.table
            .retain(|_, v| serde_json::from_slice::<T>(v).is_ok_and(|row| keep(&row)))?;
        Ok(())
    }
}
