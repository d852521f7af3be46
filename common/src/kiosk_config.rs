//! The kiosk's configuration file, written by the provisioning tool at enrolment. It lives
//! here, not in the kiosk crate, so the provisioning tool and the fuzz targets read it
//! without the kiosk's screens.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a kiosk needs to know to work and to reach its server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// Base URL of the server, e.g. `http://frivillig.glostrup.local:8700`.
    pub server_url: String,
    /// This kiosk's id.
    pub kiosk_id: String,
    /// The device secret issued at enrolment.
    pub device_secret: String,
    /// The server's sealing public key (hex).
    pub server_public_key: String,
    /// The server's public signing key (hex): a catalog without its valid signature is
    /// refused, so a tampered link cannot change what visitors are shown.
    pub server_signing_key: String,
    /// The site the kiosk stands at.
    pub site_id: String,
    /// Public URL of the portal, for receipt QR codes.
    pub public_url: String,
    /// Folder for the kiosk's database.
    pub data_dir: PathBuf,
    /// SHA-256 of the server's CA certificate: over https the kiosk trusts a server only
    /// if its certificate is signed by that CA (see [`crate::tls`]). Required for https.
    #[serde(default)]
    pub server_ca_sha256: Option<String>,
    /// PIN for staff mode: this kiosk's own, chosen or generated at enrolment (there is no
    /// shared default). A file without one gets a new one the first time it is loaded.
    #[serde(default)]
    pub staff_pin: String,
    /// Festival mode: where the kiosk listens for the other kiosks of its site, `host:port`
    /// (e.g. `0.0.0.0:7420`). Unset, it neither listens nor dials them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_listen: Option<String>,
    /// Festival mode: addresses (`host:port`) of other kiosks typed or scanned by staff, for
    /// networks that drop multicast. Kiosks the server named are dialled as well.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<String>,
    /// The camera staff scan receipts with at check-in (a Video4Linux device, e.g.
    /// `/dev/video0`). Unset, codes are typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<PathBuf>,
}

/// Whether `text` is `host:port` (a name or an address, and a port number).
pub fn is_host_port(text: &str) -> bool {
    match text.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty() && !host.contains(' ') && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
        None => false,
    }
}

/// The PIN older versions gave every kiosk, published in their README: refused.
const OLD_DEFAULT_PIN: &str = "2600";

/// A new random staff PIN of six digits.
pub fn generate_pin() -> String {
    use rand::Rng as _;
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    format!("{n:06}")
}

/// Why `pin` cannot be a staff PIN, if it cannot.
pub fn pin_problem(pin: &str) -> Option<String> {
    if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Some("staff_pin: use 4 to 12 digits".into());
    }
    if pin == OLD_DEFAULT_PIN {
        return Some(format!(
            "staff_pin: {OLD_DEFAULT_PIN} was everyone's default and is published; choose another"
        ));
    }
    None
}

/// A problem with the configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
}

impl KioskConfig {
    /// The configuration an enrolment answer gives, with a new random staff PIN.
    pub fn from_enrolment(
        server_url: &str,
        enrolment: crate::api::EnrolResponse,
        site_id: &str,
        data_dir: PathBuf,
    ) -> KioskConfig {
        KioskConfig {
            server_url: server_url.trim_end_matches('/').to_owned(),
            kiosk_id: enrolment.kiosk_id,
            device_secret: enrolment.device_secret,
            server_public_key: enrolment.server_public_key,
            server_signing_key: enrolment.server_signing_key,
            site_id: site_id.to_owned(),
            public_url: enrolment.public_url,
            server_ca_sha256: enrolment.server_ca_sha256,
            data_dir,
            staff_pin: generate_pin(),
            peer_listen: None,
            peers: Vec::new(),
            camera: None,
        }
    }

    /// Read and check a configuration file. A file an older version wrote without a staff
    /// PIN gets a new random one, saved into the file (IT reads it there); one with the old
    /// shared default is refused with the reason.
    pub fn load(path: &Path) -> Result<KioskConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let mut config: KioskConfig = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if config.staff_pin.is_empty() {
            config.staff_pin = generate_pin();
            config.check().map_err(invalid)?;
            config.save(path)?;
            return Ok(config);
        }
        config.check().map_err(invalid)?;
        Ok(config)
    }

    /// Parse and check a configuration file's text; the message names the line or field.
    pub fn from_toml(text: &str) -> Result<KioskConfig, String> {
        let config: KioskConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// Check fields that TOML cannot.
    pub fn check(&self) -> Result<(), String> {
        if !crate::sync::valid_kiosk_id(&self.kiosk_id) {
            return Err(format!(
                "kiosk_id {:?}: use 1-40 lower-case letters, digits and dashes",
                self.kiosk_id
            ));
        }
        crate::seal::SealingPublicKey::from_hex(&self.server_public_key)
            .map_err(|e| format!("server_public_key: {e}"))?;
        crate::sign::check_public_key(&self.server_signing_key)
            .map_err(|e| format!("server_signing_key: {e}"))?;
        let url = url::Url::parse(&self.server_url).map_err(|e| format!("server_url: {e}"))?;
        if url.scheme() == "https" {
            let pin = self.server_ca_sha256.as_deref().unwrap_or_default();
            crate::tls::pinned_client_config(pin)
                .map_err(|e| format!("server_ca_sha256 (needed for https): {e}"))?;
        }
        if self.device_secret.is_empty() {
            return Err("device_secret is empty".into());
        }
        if let Some(problem) = pin_problem(&self.staff_pin) {
            return Err(problem);
        }
        if let Some(listen) = &self.peer_listen {
            listen.parse::<std::net::SocketAddr>().map_err(|_| {
                format!("peer_listen {listen:?}: use address:port, e.g. 0.0.0.0:7420")
            })?;
        }
        if let Some(bad) = self.peers.iter().find(|p| !is_host_port(p)) {
            return Err(format!("peers: {bad:?} is not host:port"));
        }
        Ok(())
    }

    /// Write the file, readable by its owner only (it holds the device secret).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        use std::io::Write;
        let io = |source| ConfigError::Io {
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string_pretty(self).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(())
    }

    /// The WebSocket URL of the sync endpoint.
    pub fn sync_url(&self) -> Result<url::Url, url::ParseError> {
        let mut url = url::Url::parse(&self.server_url)?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        // Both schemes are special, so the swap cannot fail; ignore the unit error.
        let _ = url.set_scheme(scheme);
        url.set_path(crate::sync::SYNC_PATH);
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path, staff_pin: &str) -> KioskConfig {
        KioskConfig {
            server_url: "http://127.0.0.1:8700".into(),
            kiosk_id: "bibliotek-1".into(),
            device_secret: "s".into(),
            server_public_key: "00".repeat(32),
            server_signing_key: crate::sign::SigningKeyPair::generate().public_hex(),
            site_id: "bibliotek".into(),
            public_url: "http://127.0.0.1:8700".into(),
            data_dir: dir.join("data"),
            server_ca_sha256: None,
            staff_pin: staff_pin.into(),
            peer_listen: None,
            peers: Vec::new(),
            camera: None,
        }
    }

    #[test]
    fn save_load_and_errors_name_the_problem() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kiosk.toml");
        let config = sample(dir.path(), "1234");
        config.save(&path).expect("save");
        assert_eq!(KioskConfig::load(&path).expect("load"), config);
        assert_eq!(
            config.sync_url().expect("url").as_str(),
            "ws://127.0.0.1:8700/sync"
        );
        std::fs::write(&path, "kiosk_id = 3").expect("write");
        let err = KioskConfig::load(&path).expect_err("invalid").to_string();
        assert!(err.contains("kiosk.toml"), "{err}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            config.save(&path).expect("save");
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
    }

    #[test]
    fn no_kiosk_has_the_old_shared_pin_and_an_old_file_gets_its_own() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kiosk.toml");
        let mut config = sample(dir.path(), "2600");
        config.save(&path).expect("save");
        let err = KioskConfig::load(&path)
            .expect_err("the old default")
            .to_string();
        assert!(err.contains("2600") && err.contains("staff_pin"), "{err}");
        for bad in ["12", "12ab", "1234567890123"] {
            assert!(pin_problem(bad).is_some(), "{bad}");
        }
        // A file written before PINs were per kiosk: it gets one of its own, saved.
        config.staff_pin = String::new();
        config.save(&path).expect("save");
        let loaded = KioskConfig::load(&path).expect("load");
        assert!(
            pin_problem(&loaded.staff_pin).is_none(),
            "{}",
            loaded.staff_pin
        );
        assert_eq!(
            KioskConfig::load(&path).expect("again").staff_pin,
            loaded.staff_pin
        );
        // Two enrolments do not share a PIN (a million to one they would by chance; a
        // hundred tries make a shared default show).
        let pins: std::collections::HashSet<String> = (0..100).map(|_| generate_pin()).collect();
        assert!(pins.len() > 90, "{pins:?}");
    }
}
