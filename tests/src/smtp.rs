//! A real SMTP server for the mail tests: `tests/smtp/sink.py` (aiosmtpd, Debian's
//! `python3-aiosmtpd`, which `.ci/run` installs) in its own process, writing what it accepts
//! as `.eml` files. It can refuse everything for a while (451) and bounces any address with
//! "bounce" in it (550).

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's Python, which has aiosmtpd (a pyenv or venv `python3` on the PATH may not).
const PYTHON: &str = "/usr/bin/python3";

/// A running SMTP sink.
pub struct SmtpSink {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// Where the accepted messages are written.
    pub dir: PathBuf,
}

impl SmtpSink {
    /// Start one writing into `dir`.
    pub fn start(dir: &Path) -> anyhow::Result<SmtpSink> {
        Self::start_with(dir, None)
    }

    /// Start one that requires STARTTLS with the certificate and key in `tls` (PEM files).
    pub fn start_tls(dir: &Path, cert: &Path, key: &Path) -> anyhow::Result<SmtpSink> {
        Self::start_with(dir, Some((cert, key)))
    }

    fn start_with(dir: &Path, tls: Option<(&Path, &Path)>) -> anyhow::Result<SmtpSink> {
        std::fs::create_dir_all(dir)?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp/sink.py");
        let mut command = Command::new(PYTHON);
        command.arg(&script).arg(dir);
        if let Some((cert, key)) = tls {
            command.arg(cert).arg(key);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!(
                    "{PYTHON} {} could not start ({e}); .ci/run installs python3-aiosmtpd",
                    script.display()
                )
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| {
                let _ = child.kill();
                anyhow::anyhow!(
                    "the SMTP sink did not start (is python3-aiosmtpd installed?): {line:?}"
                )
            })?;
        Ok(SmtpSink {
            child,
            port,
            dir: dir.to_owned(),
        })
    }

    /// Answer every recipient with 451 (`true`) or accept again (`false`).
    pub fn refuse(&self, on: bool) -> std::io::Result<()> {
        let flag = self.dir.join("refuse");
        if on {
            std::fs::write(flag, b"")
        } else {
            std::fs::remove_file(flag)
        }
    }

    /// Every message accepted so far, oldest first, as it arrived.
    pub fn messages(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        Ok(names.iter().map(std::fs::read).collect::<Result<_, _>>()?)
    }

    /// Wait until at least `n` messages arrived; all of them.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> anyhow::Result<Vec<Vec<u8>>> {
        let start = Instant::now();
        loop {
            let got = self.messages()?;
            if got.len() >= n {
                return Ok(got);
            }
            if start.elapsed() > timeout {
                anyhow::bail!("{} of {n} messages arrived in {timeout:?}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
