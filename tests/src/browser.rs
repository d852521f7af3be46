//! A cookie-keeping web client for the web pages, and the portal's signup form through it.

use anyhow::anyhow;

/// A web client that keeps cookies like a browser (per name, no expiry handling) and does
/// not follow redirects, so tests see every answer.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: std::collections::BTreeMap<String, String>,
    /// The `Set-Cookie` headers of the last answer, as sent.
    pub last_set_cookies: Vec<String>,
    /// `Accept-Language` sent with every request.
    pub language: &'static str,
}

/// An answer as a test looks at it.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Location`, if any.
    pub location: Option<String>,
    /// The body as bytes.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The value of the first `<input ... name="NAME" value="...">` on the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let text = self.text();
        let at = text.find(&format!("name=\"{name}\" value=\""))?;
        let rest = &text[at + name.len() + 15..];
        Some(rest[..rest.find('"')?].to_owned())
    }
}

impl Browser {
    /// A browser pointed at `base` (e.g. the server's URL), preferring Danish.
    pub fn new(base: &str) -> anyhow::Result<Browser> {
        Self::from_address(base, None)
    }

    /// A browser whose connections leave from `local` (e.g. `127.0.0.2`, so that a proxy
    /// in front of the server sees another client), when given.
    pub fn from_address(base: &str, local: Option<std::net::IpAddr>) -> anyhow::Result<Browser> {
        Ok(Browser {
            // No connection reuse: a test that sends an over-limit body gets its connection
            // closed by the server, and the next request must not pick that one up.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .local_address(local)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            cookies: Default::default(),
            last_set_cookies: Vec::new(),
            language: "da-DK,da;q=0.9",
        })
    }

    /// The current value of a cookie.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Set (or, with `None`, forget) a cookie by hand.
    pub fn set_cookie(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(v) => self.cookies.insert(name.to_owned(), v.to_owned()),
            None => self.cookies.remove(name),
        };
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> anyhow::Result<Answer> {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = req.header("accept-language", self.language);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        let resp = req.send().await?;
        self.last_set_cookies = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for c in &self.last_set_cookies {
            if let Some((k, v)) = c.split(';').next().and_then(|kv| kv.split_once('=')) {
                if v.is_empty() {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().to_owned(), v.to_owned());
                }
            }
        }
        Ok(Answer {
            status: resp.status().as_u16(),
            location: resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            bytes: resp.bytes().await?.to_vec(),
        })
    }

    /// GET a path.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Answer> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// POST a form to a path.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> anyhow::Result<Answer> {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    /// POST raw bytes with a content type to a path.
    pub async fn post_raw(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Answer> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        self.send(req).await
    }

    /// Open the login page and log in; returns the answer to the login.
    pub async fn log_in(&mut self, user: &str, password: &str) -> anyhow::Result<Answer> {
        let page = self.get("/admin/login").await?;
        let csrf = page
            .field("csrf")
            .ok_or_else(|| anyhow!("no CSRF field on the login page"))?;
        self.post(
            "/admin/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }
}

/// A portal signup for the homework café, through the public form.
pub async fn web_signup(b: &mut Browser, name: &str, email: &str) -> anyhow::Result<()> {
    let page = b.get("/frivilligjob/lektiecafe").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf on the job page"))?;
    let a = b
        .post(
            "/frivilligjob/lektiecafe/tilmeld",
            &[
                ("csrf", csrf.as_str()),
                ("shift", "lektiecafe-tor"),
                ("name", name),
                ("phone", ""),
                ("email", email),
                ("age", "ja"),
                ("note", ""),
                ("consent", "ja"),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "web signup: {} {}", a.status, a.text());
    Ok(())
}
