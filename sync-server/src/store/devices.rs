//! Enrolled devices and the one-time codes that enrol them.

use frivillig_common::api::KioskSummary;

use super::schema::{DEVICES, ENROL_CODES};
use super::{CodeRefusal, DeviceRow, EnrolCodeRow, Store, StoreError};

impl Store {
    /// A device by kiosk id.
    pub fn device(&self, kiosk_id: &str) -> Result<Option<DeviceRow>, StoreError> {
        DEVICES.read(&self.read()?)?.get(kiosk_id)
    }

    /// Add a device; `false` if the id is taken.
    pub fn add_device(&self, kiosk_id: &str, row: &DeviceRow) -> Result<bool, StoreError> {
        let tx = self.write()?;
        {
            let mut t = DEVICES.open(&tx)?;
            if t.contains(kiosk_id)? {
                return Ok(false);
            }
            t.insert(kiosk_id, row)?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Change a device; `false` if unknown.
    pub fn update_device(
        &self,
        kiosk_id: &str,
        f: impl FnOnce(&mut DeviceRow),
    ) -> Result<bool, StoreError> {
        let tx = self.write()?;
        {
            let mut t = DEVICES.open(&tx)?;
            let Some(mut row) = t.get(kiosk_id)? else {
                return Ok(false);
            };
            f(&mut row);
            t.insert(kiosk_id, &row)?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Store a new enrolment code (by its hash).
    pub fn add_enrol_code(&self, code_hash: &str, row: &EnrolCodeRow) -> Result<(), StoreError> {
        let tx = self.write()?;
        ENROL_CODES.open(&tx)?.insert(code_hash, row)?;
        tx.commit()?;
        Ok(())
    }

    /// Redeem a code: in one transaction, check it, enrol the device, mark the code used.
    pub fn redeem_enrol_code(
        &self,
        code_hash: &str,
        now: &str,
        device: DeviceRow,
    ) -> Result<Result<EnrolCodeRow, CodeRefusal>, StoreError> {
        let tx = self.write()?;
        let outcome = {
            let mut codes = ENROL_CODES.open(&tx)?;
            let mut devices = DEVICES.open(&tx)?;
            match codes.get(code_hash)? {
                None => Err(CodeRefusal::Unknown),
                Some(r) if r.used => Err(CodeRefusal::Used),
                // RFC 3339 in UTC with a fixed format compares correctly as text.
                Some(r) if r.expires_at.as_str() <= now => Err(CodeRefusal::Expired),
                Some(r) if devices.contains(r.kiosk_id.as_str())? => Err(CodeRefusal::KioskTaken),
                Some(mut r) => {
                    let device = DeviceRow {
                        site_id: r.site_id.clone(),
                        ..device
                    };
                    devices.insert(r.kiosk_id.as_str(), &device)?;
                    r.used = true;
                    codes.insert(code_hash, &r)?;
                    Ok(r)
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Every device with its row, by kiosk id.
    pub fn device_rows(&self) -> Result<Vec<(String, DeviceRow)>, StoreError> {
        let tx = self.read()?;
        let t = DEVICES.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, row) = item?;
            out.push((k.value().to_owned(), row));
        }
        Ok(out)
    }

    /// Every device.
    pub fn devices(&self) -> Result<Vec<KioskSummary>, StoreError> {
        Ok(self
            .device_rows()?
            .into_iter()
            .map(|(kiosk_id, row)| KioskSummary {
                kiosk_id,
                site_id: row.site_id,
                revoked: row.revoked,
                last_contact: row.last_contact,
                queued: row.queued,
                version: row.version,
            })
            .collect())
    }
}
