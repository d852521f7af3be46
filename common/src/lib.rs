//! Frivillig's shared core: the domain of volunteer jobs and signups, how that domain is laid
//! out in Automerge documents, the sealing of personal data to the server's key, the redb
//! storage adapter that samod stores documents through, and the JSON shapes of the HTTP API
//! between kiosks, coordinators and the server.
//!
//! Layout: [`domain`] holds plain data and the validation of a signup form; [`amjson`] maps
//! JSON-shaped values into and out of Automerge; [`catalog`] and [`journal`] are the two kinds
//! of document; [`markdown`] reads the small markdown of job descriptions for the kiosk and
//! the portal alike; [`seal`] and [`receipt`] are the cryptographic pieces; [`storage`] is the samod
//! adapter; [`api`] the wire types; [`sync`] the small interface over samod that kiosk and
//! server share; [`ids`] identifiers as types; [`text`] the language and the texts kiosk and portal both show.
//!
//! Invariant: this crate depends on neither egui nor axum.

pub mod amjson;
pub mod api;
pub mod catalog;
pub mod catalog_check;
pub mod catalog_file;
pub mod demo;
pub mod domain;
pub mod ids;
pub mod journal;
pub mod kiosk_config;
pub mod markdown;
pub mod offer;
pub mod presence;
pub mod receipt;
pub mod refusal;
pub mod seal;
pub mod sign;
pub mod storage;
pub mod sync;
pub mod text;
pub mod tls;
pub mod untrusted;

pub use samod::DocumentId;
