//! The Frivillig kiosk: configuration, the local store, the signup path, the sync worker,
//! and the touchscreen application drawn with egui.
//!
//! Layout: [`config`] the file the provisioning tool writes; [`clock`] injected time;
//! [`store`] the kiosk's redb file; [`core`] journals, catalog cache and
//! [`KioskCore::submit_signup`]; [`sync`] the worker that reaches the server; [`state`] the
//! screens as a state machine without egui types; [`ui`] draws that state and returns
//! events; [`app`] joins them and carries out commands.
//!
//! Invariants: a signup is confirmed to a visitor only after its change is committed to redb
//! and read back; a journal is deleted only when closed and durably acknowledged in full;
//! `state` has no egui types and `ui` changes no state.

pub mod app;
pub mod camera;
pub mod clock;
pub mod config;
pub mod core;
mod dial;
pub mod enrol;
pub mod identity;
pub mod peers;
pub mod photos;
pub mod state;
pub mod store;
pub mod sync;
pub mod ui;

pub use crate::core::{
    BoardShift, COMPACT_AFTER_CHUNKS, CheckInError, HeldInfo, JournalInfo, KioskCore, OpenError,
    PeerSeen, Presence, Receipt, SubmitError, SyncStatus,
};
pub use app::{KioskApp, SetupApp};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::KioskConfig;
pub use peers::PeerNet;
pub use sync::SyncWorker;
