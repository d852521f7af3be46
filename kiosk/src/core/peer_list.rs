//! Staff's list of peer addresses (festival mode): where mDNS finds nothing (multicast is
//! often blocked on borrowed Wi-Fi) staff type another kiosk's address, read off its staff
//! screen, on this one, or hold that screen's QR code up to this kiosk's camera. The list is kept in the store, so it survives a restart, and is
//! dialled beside the configuration's `peers`, mDNS's finds and the server's addresses.

use frivillig_common::kiosk_config::is_host_port;
use frivillig_common::storage::StorageError;

use super::KioskCore;

/// The store's key for the list.
const TYPED_PEERS: &str = "typed_peers";
/// How many addresses staff may keep (a festival has a handful of kiosks).
pub const TYPED_PEERS_MAX: usize = 16;
/// What a kiosk's address QR code says before the address, so that a receipt's code (or
/// anything else) is never taken for one.
const QR_PREFIX: &str = "frivillig-peer:";

/// The text of the QR code that gives `address` to another kiosk's camera.
pub fn peer_qr_text(address: &str) -> String {
    format!("{QR_PREFIX}{address}")
}

/// Why an address was not added, in Danish then English after " / ".
#[derive(Debug, thiserror::Error)]
pub enum PeerListError {
    /// Not `host:port`.
    #[error(
        "Skriv adressen som vært:port, fx 10.0.0.5:7420 / Type the address as host:port, e.g. 10.0.0.5:7420"
    )]
    NotAnAddress,
    /// The camera saw no kiosk's address QR code.
    #[error(
        "Kameraet så ingen kiosk-adresse; hold den anden kiosks QR-kode op foran det / The camera saw no kiosk address; hold the other kiosk's QR code up to it"
    )]
    NoCode,
    /// The list is full.
    #[error("Listen er fuld; fjern en adresse først / The list is full; remove an address first")]
    Full,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StorageError),
}

/// The list as stored, or empty.
pub(super) fn load(store: &crate::store::KioskStore) -> Vec<String> {
    store
        .meta(TYPED_PEERS)
        .ok()
        .flatten()
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

impl KioskCore {
    /// The addresses staff typed, oldest first.
    pub fn typed_peers(&self) -> Vec<String> {
        self.inner
            .typed_peers
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Add `address` (`host:port`, spaces around it ignored) to staff's list; an address
    /// already there is not added twice. Stored before it is used.
    pub fn add_typed_peer(&self, address: &str) -> Result<(), PeerListError> {
        let address = address.trim();
        if !is_host_port(address) {
            return Err(PeerListError::NotAnAddress);
        }
        let mut list = self.typed_peers();
        if list.iter().any(|a| a == address) {
            return Ok(());
        }
        if list.len() >= TYPED_PEERS_MAX {
            return Err(PeerListError::Full);
        }
        list.push(address.to_owned());
        self.keep_typed_peers(list)
    }

    /// Add the address in the first kiosk-address QR code the camera shows, looking at up
    /// to `frames` frames (blocking: it waits for the camera). Returns the address.
    pub fn add_peer_from_camera(
        &self,
        camera: &mut dyn crate::camera::Camera,
        frames: usize,
    ) -> Result<String, PeerListError> {
        let text = crate::camera::find_code(camera, frames).ok_or(PeerListError::NoCode)?;
        let address = text.strip_prefix(QR_PREFIX).ok_or(PeerListError::NoCode)?;
        self.add_typed_peer(address)?;
        Ok(address.trim().to_owned())
    }

    /// Take `address` off staff's list.
    pub fn remove_typed_peer(&self, address: &str) -> Result<(), PeerListError> {
        let mut list = self.typed_peers();
        list.retain(|a| a != address);
        self.keep_typed_peers(list)
    }

    fn keep_typed_peers(&self, list: Vec<String>) -> Result<(), PeerListError> {
        let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
        self.inner.store.set_meta(TYPED_PEERS, &json)?;
        if let Ok(mut typed) = self.inner.typed_peers.write() {
            *typed = list;
        }
        Ok(())
    }
}
