//! Pieces shared by the public portal and the admin web app: the language of a page,
//! security headers, cookies, constant-time comparison and the few texts both show.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

pub(crate) use frivillig_common::text::Lang;

/// What pages need of a language beyond the shared texts.
pub(crate) trait PageLang: Sized {
    /// The query string that keeps this language on a link (`?lang=en`, or nothing).
    fn query(self) -> &'static str;
    /// The query string of a link to the same page in the other language.
    fn other_query(self) -> &'static str;
    /// English if the browser prefers it (its first `Accept-Language` is English), else
    /// Danish: for the admin app, whose users rarely switch.
    fn from_headers(headers: &HeaderMap) -> Self;
}

impl PageLang for Lang {
    fn query(self) -> &'static str {
        self.pick("", "?lang=en")
    }

    fn other_query(self) -> &'static str {
        self.pick("?lang=en", "")
    }

    fn from_headers(headers: &HeaderMap) -> Lang {
        let first = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .unwrap_or("");
        if first.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Da
        }
    }
}

/// Compare without stopping at the first difference, so timing says nothing about the hash.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A page with the headers every HTML page of ours carries: no referrer (links can be keys),
/// no caching (pages can hold personal data), no sniffing, and a CSP that allows no script.
pub(crate) fn secure(markup: Markup) -> Response {
    let mut r = markup.into_response();
    let h = r.headers_mut();
    // The link is a key: never send it on as a referrer, never keep the page in a cache.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

/// The value of cookie `name`, if it is a hex token (32 or 64 characters); anything else
/// is treated as absent.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, v)| {
            *k == name && matches!(v.len(), 32 | 64) && v.chars().all(|c| c.is_ascii_hexdigit())
        })
        .map(|(_, v)| v.to_owned())
}

/// The `<head>` of every page: UTF-8, scaled for phones, the title and the style sheet at
/// `css` (the CSP allows style sheets from this server only, and no inline styles).
pub(crate) fn head(title: &str, css: &'static str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            link rel="stylesheet" href=(css);
        }
    }
}

/// A file with personal data, for whoever may have it: not cached, no referrer, saved
/// under `name`.
pub(crate) fn private_file(
    body: impl IntoResponse,
    content_type: &'static str,
    name: &str,
) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// A style sheet as a response: cached for a day (its link carries the version).
pub(crate) fn stylesheet(css: &'static str) -> Response {
    let mut r = css.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}
