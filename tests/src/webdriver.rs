//! A real browser for the web tests: Debian's headless Chromium driven through
//! ChromeDriver's W3C WebDriver protocol (JSON over HTTP, spoken here with reqwest, so no
//! browser-automation crate is needed).
//!
//! `.ci/run` installs `chromium` and `chromium-driver`; without them the tests that need a
//! browser fail and say which packages to install.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use serde_json::{Value, json};

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running ChromeDriver with one headless Chromium session.
pub struct Chrome {
    driver: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
    /// Where downloads land.
    pub downloads: PathBuf,
}

/// An element on the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Chrome {
    /// Start ChromeDriver and a headless Chromium with a `width` x `height` window.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Chrome> {
        Self::start_with(width, height, false).await
    }

    /// As [`Chrome::start`]; with `accept_own_ca`, the browser accepts a certificate no
    /// web root signs (a test server's own CA), as a municipality's browsers would once
    /// the server has a web-PKI certificate.
    pub async fn start_with(
        width: u32,
        height: u32,
        accept_own_ca: bool,
    ) -> anyhow::Result<Chrome> {
        let (driver_bin, chrome_bin) = ("/usr/bin/chromedriver", "/usr/bin/chromium");
        for bin in [driver_bin, chrome_bin] {
            if !Path::new(bin).exists() {
                bail!(
                    "{bin} is missing: install the Debian packages chromium and chromium-driver (.ci/run does)"
                );
            }
        }
        let port = free_port()?;
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let base = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir()?;
        let downloads = profile.path().join("downloads");
        std::fs::create_dir_all(&downloads)?;
        let mut chrome = Chrome {
            driver,
            http,
            base,
            session: String::new(),
            downloads,
            _profile: profile,
        };
        // Wait for the driver to listen.
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = chrome
                .http
                .get(format!("{}/status", chrome.base))
                .send()
                .await
                && r.status().is_success()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !ready {
            bail!("chromedriver did not start");
        }
        let user_data = chrome._profile.path().join("profile");
        // Flags as the machine notes say: no sandbox as root, and no background networking,
        // which this machine's closed network would refuse many times over.
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            // Danish, as the municipality's staff and most citizens browse.
            "--lang=da-DK".to_owned(),
            format!("--user-data-dir={}", user_data.display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "acceptInsecureCerts": accept_own_ca,
                "goog:chromeOptions": {
                    "binary": chrome_bin,
                    "args": args,
                    "prefs": {
                        "download.default_directory": chrome.downloads.display().to_string(),
                        "download.prompt_for_download": false,
                        "intl.accept_languages": "da-DK,da",
                    }
                }
            }}
        });
        let v = chrome.call("POST", "/session", Some(caps)).await?;
        chrome.session = v["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id: {v}"))?
            .to_owned();
        Ok(chrome)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let resp = req
            .send()
            .await
            .with_context(|| format!("webdriver {path}"))?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            bail!("webdriver {path}: {status} {}", v["value"]["message"]);
        }
        Ok(v["value"].clone())
    }

    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Open a URL and wait for it to load.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.call("POST", &self.path("/url"), Some(json!({ "url": url })))
            .await?;
        Ok(())
    }

    /// The current URL.
    pub async fn url(&self) -> anyhow::Result<String> {
        let v = self.call("GET", &self.path("/url"), None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The page's HTML as the browser holds it now.
    pub async fn source(&self) -> anyhow::Result<String> {
        let v = self.call("GET", &self.path("/source"), None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        let v = self
            .call(
                "POST",
                &self.path("/element"),
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await
            .with_context(|| format!("finding {css}"))?;
        Ok(Element(
            v[ELEMENT]
                .as_str()
                .ok_or_else(|| anyhow!("no element for {css}"))?
                .to_owned(),
        ))
    }

    /// Type into an element (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let e = self.find(css).await?;
        self.call("POST", &self.path(&format!("/element/{}/clear", e.0)), None)
            .await?;
        self.call(
            "POST",
            &self.path(&format!("/element/{}/value", e.0)),
            Some(json!({ "text": text })),
        )
        .await?;
        Ok(())
    }

    /// Choose the file at `path` in a file input, as a person picking it would.
    pub async fn upload(&self, css: &str, path: &Path) -> anyhow::Result<()> {
        let e = self.find(css).await?;
        let text = path.to_string_lossy();
        self.call(
            "POST",
            &self.path(&format!("/element/{}/value", e.0)),
            Some(json!({ "text": text })),
        )
        .await?;
        Ok(())
    }

    /// Click an element.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let e = self.find(css).await?;
        self.call("POST", &self.path(&format!("/element/{}/click", e.0)), None)
            .await?;
        Ok(())
    }

    /// Pick an option of a `<select>` by its value.
    pub async fn select(&self, select_css: &str, value: &str) -> anyhow::Result<()> {
        self.click(&format!("{select_css} option[value=\"{value}\"]"))
            .await
    }

    /// Run JavaScript in the page (as a function body) and return its result.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.call(
            "POST",
            &self.path("/execute/sync"),
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Run asynchronous JavaScript: the last argument is the callback that ends it.
    pub async fn run_async(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.call(
            "POST",
            &self.path("/execute/async"),
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// A value of a named cookie of the current page, if set.
    pub async fn cookie(&self, name: &str) -> anyhow::Result<Option<Value>> {
        match self
            .call("GET", &self.path(&format!("/cookie/{name}")), None)
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(_) => Ok(None),
        }
    }

    /// Save a screenshot of the window as PNG.
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let v = self.call("GET", &self.path("/screenshot"), None).await?;
        let png =
            base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// End the session and the driver.
    pub async fn quit(mut self) {
        let _ = self.call("DELETE", &self.path(""), None).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Where the web tests put their screenshots: `target/browser-screenshots/` of the
/// workspace, kept after the run as artifacts.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("browser-screenshots")
}
