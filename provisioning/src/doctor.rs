//! `doctor`: checks a kiosk's configuration against its server, or a server's data folder,
//! and says in plain words what is wrong.

use std::path::{Path, PathBuf};
use std::time::Duration;

use frivillig_common::api::DeviceInfo;
use frivillig_common::kiosk_config::KioskConfig;
use frivillig_common::sync::device_token;

/// One finding.
pub struct Finding {
    /// Passed or not.
    pub ok: bool,
    /// What was checked and what was found.
    pub text: String,
}

fn ok(text: impl Into<String>) -> Finding {
    Finding {
        ok: true,
        text: text.into(),
    }
}

fn bad(text: impl Into<String>) -> Finding {
    Finding {
        ok: false,
        text: text.into(),
    }
}

/// Free bytes on the file system holding `dir`, from `df` (no extra crate for one number).
fn free_bytes(dir: &Path) -> Option<u64> {
    let out = std::process::Command::new("df")
        .arg("-Pk")
        .arg(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn check_space(dir: &Path, findings: &mut Vec<Finding>) {
    let existing = dir
        .ancestors()
        .find(|d| d.exists())
        .unwrap_or(Path::new("."));
    match free_bytes(existing) {
        Some(b) if b < 100 * 1024 * 1024 => findings.push(bad(format!(
            "Diskplads / disk space: only {} MiB free at {}; signups need room",
            b / (1024 * 1024),
            existing.display()
        ))),
        Some(b) => findings.push(ok(format!(
            "Diskplads / disk space: {} MiB free",
            b / (1024 * 1024)
        ))),
        None => findings.push(ok(format!(
            "Diskplads / disk space: could not be read at {}",
            existing.display()
        ))),
    }
}

/// Check a kiosk configuration file and its server.
pub async fn kiosk(config_path: &Path) -> Vec<Finding> {
    let mut findings = Vec::new();
    let config = match KioskConfig::load(config_path) {
        Ok(c) => {
            findings.push(ok(format!(
                "Konfiguration / configuration: {} is valid",
                config_path.display()
            )));
            c
        }
        Err(e) => {
            findings.push(bad(format!("Konfiguration / configuration: {e}")));
            return findings;
        }
    };
    check_space(&config.data_dir, &mut findings);
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            findings.push(bad(format!("HTTP: {e}")));
            return findings;
        }
    };
    let base = config.server_url.trim_end_matches('/');
    match http.get(format!("{base}/healthz")).send().await {
        Ok(r) if r.status().is_success() => findings.push(ok(format!("Server: {base} answers"))),
        Ok(r) => findings.push(bad(format!(
            "Server: {base} answered {} to a health check",
            r.status()
        ))),
        Err(e) => {
            findings.push(bad(format!(
                "Server: {base} cannot be reached ({e}); the kiosk keeps working offline and syncs later"
            )));
            return findings;
        }
    }
    let token = device_token(&config.kiosk_id, &config.device_secret);
    let resp = match http
        .get(format!("{base}/api/device/info"))
        .bearer_auth(token)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            findings.push(bad(format!("Enhed / device: request failed: {e}")));
            return findings;
        }
    };
    match resp.status().as_u16() {
        200 => findings.push(ok(format!(
            "Enhed / device: kiosk {} is enrolled and accepted",
            config.kiosk_id
        ))),
        401 => {
            findings.push(bad(format!(
                "Enhed / device: the server does not know kiosk {} with this secret; enrol it again",
                config.kiosk_id
            )));
            return findings;
        }
        403 => {
            findings.push(bad(format!(
                "Enhed / device: kiosk {} is revoked; enrol it anew to use it again",
                config.kiosk_id
            )));
            return findings;
        }
        code => {
            findings.push(bad(format!("Enhed / device: the server answered {code}")));
            return findings;
        }
    }
    let Ok(info) = resp.json::<DeviceInfo>().await else {
        findings.push(bad("Enhed / device: the server's answer could not be read"));
        return findings;
    };
    if info.server_public_key != config.server_public_key {
        findings.push(bad(
            "Nøgle / key: the configuration seals to a different key than the server's; the server could not open this kiosk's signups. Enrol the kiosk again",
        ));
    } else {
        findings.push(ok("Nøgle / key: matches the server's"));
    }
    if info.server_signing_key != config.server_signing_key {
        findings.push(bad(
            "Signatur / signature: the configuration expects the catalog signed by a different key than the server's; the kiosk refuses every catalog it receives. Enrol the kiosk again",
        ));
    } else {
        findings.push(ok(
            "Signatur / signature: the kiosk checks the catalog against the server's key",
        ));
    }
    match chrono::DateTime::parse_from_rfc3339(&info.server_time) {
        Ok(server_time) => {
            let skew = (chrono::Utc::now() - server_time.to_utc()).num_seconds();
            if skew.abs() > 120 {
                findings.push(bad(format!(
                    "Ur / clock: this machine is {skew} s off the server's; journals are split by local day, so set the clock (NTP)"
                )));
            } else {
                findings.push(ok(format!(
                    "Ur / clock: within {} s of the server's",
                    skew.abs()
                )));
            }
        }
        Err(_) => findings.push(bad("Ur / clock: the server sent no readable time")),
    }
    findings
}

/// Check a server's data folder (and, if it runs, its health).
pub async fn server(data_dir: &Path, url: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    /// A key file, what it is, and how to tell it holds a valid key.
    type KeyCheck = (PathBuf, &'static str, fn(&str) -> bool);
    let keys: [KeyCheck; 2] = [
        (
            frivillig_sync_server::keys::sealing_key_path(data_dir),
            "sealing",
            |t| frivillig_common::seal::SealingKeyPair::from_secret_hex(t).is_ok(),
        ),
        (
            frivillig_sync_server::keys::signing_key_path(data_dir),
            "signing",
            |t| frivillig_common::sign::SigningKeyPair::from_secret_hex(t).is_ok(),
        ),
    ];
    for (key, kind, valid) in keys {
        match std::fs::read_to_string(&key) {
            Ok(text) if valid(&text) => findings.push(ok(format!(
                "Nøgle / key: {} is a valid {kind} key",
                key.display()
            ))),
            Ok(_) => findings.push(bad(format!("Nøgle / key: {} is damaged", key.display()))),
            Err(e) => findings.push(bad(format!(
                "Nøgle / key: {} cannot be read ({e}); run `frivillig-provision init` or restore a backup",
                key.display()
            ))),
        }
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(&key) {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                findings.push(bad(format!(
                    "Nøgle / key: {} is readable by others; chmod 600 it",
                    key.display()
                )));
            }
        }
    }
    check_space(data_dir, &mut findings);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build();
    match http {
        Ok(http) => match http
            .get(format!("{}/healthz", url.trim_end_matches('/')))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => findings.push(ok(format!("Server: {url} answers"))),
            Ok(r) => findings.push(bad(format!("Server: {url} answered {}", r.status()))),
            Err(e) => findings.push(bad(format!(
                "Server: {url} does not answer ({e}); is it running?"
            ))),
        },
        Err(e) => findings.push(bad(format!("HTTP: {e}"))),
    }
    findings
}
