//! A simulated disk for redb that can lose power, as SQLite's crash tests do: it records
//! every write since the last `sync_data`, and a power cut turns each of those writes into
//! kept, dropped or torn (some of its 512-byte sectors written, others not). What was synced
//! always survives. After the cut, every further write and sync fails, as the process would
//! have died.

use std::io;
use std::sync::{Arc, Mutex};

use rand::Rng;

const SECTOR: usize = 512;

#[derive(Debug, Default)]
struct Disk {
    /// What survives any power cut.
    durable: Vec<u8>,
    /// What the running program sees.
    current: Vec<u8>,
    /// Writes since the last sync, in order.
    pending: Vec<(u64, Vec<u8>)>,
    /// Writes so far, and the write at which power goes.
    writes: u64,
    cut_at: Option<u64>,
    dead: bool,
    /// Sync does nothing: the harness must then find lost signups.
    lying_sync: bool,
    /// A fault the disk has now (it clears when set to `None`).
    fault: Option<Fault>,
    /// Operations that failed because of a fault.
    faults_hit: u64,
    /// How long each sync takes (a slow disk).
    sync_delay: std::time::Duration,
}

/// A fault a running disk can have, unlike a power cut, the program goes on through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No space left: whatever would make the file longer fails (`ENOSPC`); writes into
    /// space the file already has still land, as on a real full disk.
    Full,
    /// Every read, write and sync fails (`EIO`): a dying disk or a pulled cable.
    Broken,
}

impl Disk {
    /// The error the current fault gives an operation that would make the file `grows_to`
    /// bytes long (`None`: one that does not grow it).
    fn fault_for(&mut self, grows_to: Option<u64>) -> Result<(), io::Error> {
        let err = match self.fault {
            Some(Fault::Broken) => io::Error::from_raw_os_error(5),
            Some(Fault::Full) if grows_to.is_some_and(|n| n > self.current.len() as u64) => {
                io::Error::from_raw_os_error(28)
            }
            _ => return Ok(()),
        };
        self.faults_hit += 1;
        Err(err)
    }
}

/// A simulated disk; clones share it.
#[derive(Debug, Clone, Default)]
pub struct PowerCutDisk(Arc<Mutex<Disk>>);

fn dead() -> io::Error {
    io::Error::other("the power is off")
}

impl PowerCutDisk {
    /// An empty disk.
    pub fn new() -> PowerCutDisk {
        PowerCutDisk::default()
    }

    /// A disk holding `image`, all of it durable (what a machine finds after a restart).
    pub fn from_image(image: Vec<u8>) -> PowerCutDisk {
        PowerCutDisk(Arc::new(Mutex::new(Disk {
            durable: image.clone(),
            current: image,
            ..Disk::default()
        })))
    }

    /// A disk whose `sync_data` does nothing: a broken disk or a misconfigured database.
    pub fn lying() -> PowerCutDisk {
        let d = PowerCutDisk::default();
        d.lock().lying_sync = true;
        d
    }

    /// A lying disk that starts from `image`.
    pub fn lying_from_image(image: Vec<u8>) -> PowerCutDisk {
        let d = PowerCutDisk::from_image(image);
        d.lock().lying_sync = true;
        d
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Disk> {
        // A panic while holding the lock is a bug in this file; keep going with the data.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Cut the power `after` writes from now.
    pub fn cut_after(&self, after: u64) {
        let mut d = self.lock();
        d.cut_at = Some(d.writes + after);
    }

    /// Cut the power now.
    pub fn cut_now(&self) {
        self.lock().dead = true;
    }

    /// Whether the power is off.
    pub fn is_dead(&self) -> bool {
        self.lock().dead
    }

    /// Give the disk a fault, or clear it with `None`.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.lock().fault = fault;
    }

    /// Operations that failed because of a fault so far.
    pub fn faults_hit(&self) -> u64 {
        self.lock().faults_hit
    }

    /// Make every sync take `delay` before it lands (a slow disk).
    pub fn set_sync_delay(&self, delay: std::time::Duration) {
        self.lock().sync_delay = delay;
    }

    /// What the disk holds for certain: the bytes synced so far.
    pub fn durable_image(&self) -> Vec<u8> {
        self.lock().durable.clone()
    }

    /// What the disk holds now, as if it had been synced (after a clean stop).
    pub fn image(&self) -> Vec<u8> {
        self.lock().current.clone()
    }

    /// Writes so far.
    pub fn writes(&self) -> u64 {
        self.lock().writes
    }

    /// What the disk holds after the cut: the durable bytes, with each write since the
    /// last sync kept, dropped, or torn sector by sector, at random.
    pub fn crash_image(&self, rng: &mut impl Rng) -> Vec<u8> {
        let d = self.lock();
        let mut image = d.durable.clone();
        if image.len() < d.current.len() {
            image.resize(d.current.len(), 0);
        }
        for (offset, data) in &d.pending {
            let offset = *offset as usize;
            let end = offset + data.len();
            if image.len() < end {
                image.resize(end, 0);
            }
            match rng.gen_range(0..3) {
                0 => {}
                1 => image[offset..end].copy_from_slice(data),
                _ => {
                    for (i, sector) in data.chunks(SECTOR).enumerate() {
                        if rng.gen_bool(0.5) {
                            let at = offset + i * SECTOR;
                            image[at..at + sector.len()].copy_from_slice(sector);
                        }
                    }
                }
            }
        }
        image
    }
}

impl redb::StorageBackend for PowerCutDisk {
    fn len(&self) -> Result<u64, io::Error> {
        Ok(self.lock().current.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        let mut d = self.lock();
        d.fault_for(None)?;
        let start = offset as usize;
        let end = start + out.len();
        if end > d.current.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end",
            ));
        }
        out.copy_from_slice(&d.current[start..end]);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        let mut d = self.lock();
        if d.dead {
            return Err(dead());
        }
        d.fault_for(Some(len))?;
        d.current.resize(len as usize, 0);
        Ok(())
    }

    fn sync_data(&self) -> Result<(), io::Error> {
        let delay = self.lock().sync_delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut d = self.lock();
        if d.dead {
            return Err(dead());
        }
        d.fault_for(None)?;
        if !d.lying_sync {
            // Apply the pending writes rather than copying the whole disk: a sync costs
            // what was written, as on a real disk.
            let pending = std::mem::take(&mut d.pending);
            let len = d.current.len();
            d.durable.resize(len, 0);
            for (offset, data) in pending {
                let start = offset as usize;
                let end = (start + data.len()).min(len);
                if start < end {
                    d.durable[start..end].copy_from_slice(&data[..end - start]);
                }
            }
        }
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        let mut d = self.lock();
        if d.dead {
            return Err(dead());
        }
        d.fault_for(Some(offset + data.len() as u64))?;
        d.writes += 1;
        if d.cut_at.is_some_and(|c| d.writes >= c) {
            // The write under way when the power went is one of the pending ones: it may
            // land whole, in part, or not at all.
            d.dead = true;
            d.pending.push((offset, data.to_vec()));
            return Err(dead());
        }
        let start = offset as usize;
        let end = start + data.len();
        if d.current.len() < end {
            d.current.resize(end, 0);
        }
        d.current[start..end].copy_from_slice(data);
        d.pending.push((offset, data.to_vec()));
        Ok(())
    }
}
