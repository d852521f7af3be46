//! Photos by content hash and size, beside the catalog: the catalog names a photo by its
//! hash, kiosks fetch what they lack, and a photo never changes under its name.

use super::schema::PHOTOS;
use super::{Store, StoreError};

impl Store {
    /// Store every size of photo `id`, in one transaction (a photo is there in all its
    /// sizes or not at all).
    pub fn put_photo(&self, id: &str, sizes: &[(&str, &[u8])]) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut t = tx.open_table(PHOTOS)?;
            for (size, bytes) in sizes {
                t.insert((id, *size), *bytes)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// One size of photo `id`, if stored.
    pub fn photo(&self, id: &str, size: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.read()?;
        let t = tx.open_table(PHOTOS)?;
        Ok(t.get((id, size))?.map(|v| v.value().to_vec()))
    }
}
