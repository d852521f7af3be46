//! Pieces shared by the public portal and the admin web app: the language of a page,
//! security headers, cookies, constant-time comparison and the few texts both show.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use frivillig_common::domain::Opportunity;
use maud::{Markup, html};

/// The language of a page: Danish first, English on request.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Lang {
    /// Dansk.
    Da,
    /// English.
    En,
}

impl Lang {
    pub(crate) fn pick(self, da: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Da => da,
            Lang::En => en,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        self.pick("da", "en")
    }

    pub(crate) fn query(self) -> &'static str {
        self.pick("", "?lang=en")
    }

    /// English if the browser prefers it (its first `Accept-Language` is English), else
    /// Danish: for the admin app, whose users rarely switch.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Lang {
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
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

pub(crate) fn job_title(lang: Lang, o: &Opportunity) -> &str {
    match lang {
        Lang::En if !o.title_en.trim().is_empty() => &o.title_en,
        _ => &o.title,
    }
}

/// "lør. 5. dec. 10.00–12.00" from two RFC 3339 times, as written if they do not parse.
pub(crate) fn when(lang: Lang, starts: &str, ends: &str) -> String {
    use chrono::{DateTime, Datelike, Timelike};
    const DAYS_DA: [&str; 7] = ["man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn."];
    const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let (Ok(s), Ok(e)) = (
        DateTime::parse_from_rfc3339(starts),
        DateTime::parse_from_rfc3339(ends),
    ) else {
        return format!("{starts} – {ends}");
    };
    let wd = s.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Da => format!(
            "{} {}/{} kl. {:02}.{:02}–{:02}.{:02}",
            DAYS_DA[wd],
            s.day(),
            s.month(),
            s.hour(),
            s.minute(),
            e.hour(),
            e.minute()
        ),
        Lang::En => format!(
            "{} {}/{}, {:02}:{:02}–{:02}:{:02}",
            DAYS_EN[wd],
            s.day(),
            s.month(),
            s.hour(),
            s.minute(),
            e.hour(),
            e.minute()
        ),
    }
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
