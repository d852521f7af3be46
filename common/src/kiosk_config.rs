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
    /// PIN for staff mode.
    #[serde(default = "default_pin")]
    pub staff_pin: String,
}

fn default_pin() -> String {
    "2600".into()
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
    /// The configuration an enrolment answer gives, with the default staff PIN.
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
            data_dir,
            staff_pin: default_pin(),
        }
    }

    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<KioskConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
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
        url::Url::parse(&self.server_url).map_err(|e| format!("server_url: {e}"))?;
        if self.device_secret.is_empty() {
            return Err("device_secret is empty".into());
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

    #[test]
    fn save_load_and_errors_name_the_problem() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kiosk.toml");
        let config = KioskConfig {
            server_url: "http://127.0.0.1:8700".into(),
            kiosk_id: "bibliotek-1".into(),
            device_secret: "s".into(),
            server_public_key: "00".repeat(32),
            server_signing_key: crate::sign::SigningKeyPair::generate().public_hex(),
            site_id: "bibliotek".into(),
            public_url: "http://127.0.0.1:8700".into(),
            data_dir: dir.path().join("data"),
            staff_pin: "1234".into(),
        };
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
}
