//! The Frivillig kiosk without its screens: configuration, the local store, the signup path
//! and the sync worker. The eframe application draws on top of this.
//!
//! Layout: [`config`] the file the provisioning tool writes; [`clock`] injected time;
//! [`store`] the kiosk's redb file; [`core`] journals, catalog cache and
//! [`KioskCore::submit_signup`]; [`sync`] the worker that reaches the server.
//!
//! Invariant: a signup is confirmed to a visitor only after its change is committed to redb
//! and read back; a journal is deleted only when closed and durably acknowledged in full.

pub mod clock;
pub mod config;
pub mod core;
pub mod enrol;
pub mod store;
pub mod sync;

pub use crate::core::{JournalInfo, KioskCore, OpenError, Receipt, SubmitError, SyncStatus};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::KioskConfig;
pub use sync::SyncWorker;
