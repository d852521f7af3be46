//! The server's settings, with defaults that run a demo on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Server settings; every field has a default, and a TOML file may set any of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the database and keys.
    pub data_dir: PathBuf,
    /// Public base URL (used in receipt QR codes and posters).
    pub public_url: String,
    /// Largest WebSocket message accepted from a kiosk, in bytes.
    pub max_ws_message_bytes: usize,
    /// How long an acknowledgement request waits for the journal's changes to arrive.
    pub ack_wait_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8700)),
            data_dir: PathBuf::from("data/server"),
            public_url: "http://127.0.0.1:8700".into(),
            // A full journal of 2,000 signups is about 1 MB; leave room, refuse more.
            max_ws_message_bytes: 8 * 1024 * 1024,
            ack_wait_ms: 10_000,
        }
    }
}
