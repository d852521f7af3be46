//! The coordinators' web app at `/admin`: log in, find signups, follow them up, export.
//!
//! Rendered on the server (maud) and usable without JavaScript. A session is an HttpOnly,
//! SameSite=Strict cookie scoped to `/admin` (Secure when the public address is https);
//! every form carries the session's CSRF token, and the login form a token of its own in a
//! cookie (double submit). Coordinators see only the signups of their sites; admins see all.
//! Every change is written into the signup's record in its journal document, so it merges
//! with what a kiosk did meanwhile, and into the audit log.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use frivillig_common::domain::{Catalog, Note, Source, Status};
use frivillig_common::journal::{add_note, set_assignee};

use crate::AppState;
use crate::accounts::{AccountRow, Role, SessionRow};
use crate::api::{blocking, change_status, edit_signup, within_limit};
use crate::error::ApiError;
use crate::listing::{ListQuery, ListRow, SortBy};
use crate::portal::need_catalog;
use crate::store::SignupRow;
use crate::web::{Lang, cookie, head, job_title, same, secure, when};

/// Cookie holding the session token.
const SESSION_COOKIE: &str = "frivillig_session";
/// Cookie holding the login form's CSRF token.
const LOGIN_COOKIE: &str = "frivillig_login";
/// Login attempts per address per minute; enough for typos, too few to guess passwords.
const LOGINS_PER_MINUTE: u32 = 10;
/// Longest note a coordinator can add.
const MAX_NOTE_CHARS: usize = 4_000;

/// The admin app's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/login", get(login_page).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/tilmeldinger", get(signups_page))
        .route("/admin/tilmeldinger/eksport.csv", get(export_csv))
        .route("/admin/tilmeldinger/{signup_id}", get(signup_page))
        .route("/admin/tilmeldinger/{signup_id}/status", post(post_status))
        .route("/admin/tilmeldinger/{signup_id}/note", post(post_note))
        .route("/admin/tilmeldinger/{signup_id}/tildel", post(post_assign))
        .route("/admin/tilmeldinger/{signup_id}/slet", post(post_erase))
        .route("/admin/log", get(audit_page))
}

/// A logged-in person.
struct Staff {
    username: String,
    account: AccountRow,
    session: SessionRow,
    token: String,
    lang: Lang,
}

impl Staff {
    /// The sites whose signups this person sees; `None` for all.
    fn sites(&self) -> Option<&[String]> {
        match self.account.role {
            Role::Admin => None,
            Role::Coordinator => Some(&self.account.sites),
        }
    }

    fn may_see(&self, site_id: &str) -> bool {
        self.sites().is_none_or(|s| s.iter().any(|x| x == site_id))
    }

    fn checks(&self, csrf: &str) -> bool {
        same(self.session.csrf.as_bytes(), csrf.as_bytes())
    }
}

/// The logged-in person, or the answer to give instead: the login page for a page, a
/// refusal for a form.
async fn staff(state: &AppState, headers: &HeaderMap, is_form: bool) -> Result<Staff, Response> {
    let lang = Lang::from_headers(headers);
    let refuse = || {
        if is_form {
            message(
                lang,
                StatusCode::UNAUTHORIZED,
                lang.pick("Du er ikke logget ind", "You are not logged in"),
                lang.pick(
                    "Din session er udløbet eller afsluttet. Log ind igen; det, du sendte, er ikke gemt.",
                    "Your session has expired or ended. Log in again; what you sent was not saved.",
                ),
                None,
            )
        } else {
            Redirect::to("/admin/login").into_response()
        }
    };
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(refuse());
    };
    let st = state.clone();
    let t = token.clone();
    let found = blocking(move || Ok(st.store.session(&t)?))
        .await
        .map_err(IntoResponse::into_response)?;
    match found {
        Some((session, account)) => Ok(Staff {
            username: session.username.clone(),
            account,
            session,
            token,
            lang,
        }),
        None => Err(refuse()),
    }
}

fn status_name(lang: Lang, status: &str) -> &'static str {
    match Status::parse(status) {
        Some(Status::New) => lang.pick("Ny", "New"),
        Some(Status::Contacted) => lang.pick("Kontaktet", "Contacted"),
        Some(Status::Active) => lang.pick("Aktiv", "Active"),
        Some(Status::Declined) => lang.pick("Afvist", "Declined"),
        Some(Status::Withdrawn) => lang.pick("Trukket tilbage", "Withdrawn"),
        Some(Status::Waitlisted) => lang.pick("Venteliste", "Waiting list"),
        None => lang.pick("Ukendt", "Unknown"),
    }
}

/// "27-11-2026 14:05" from RFC 3339, in the time zone it was written in (a kiosk's local
/// time is what the visitor saw); as written if it does not parse. Danish Excel reads this
/// form as a date and time.
pub(crate) fn danish_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%d-%m-%Y %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn layout(lang: Lang, staff: Option<&Staff>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(&format!("{title} – Frivillig administration"), CSS))
            body {
                header {
                    p.brand { "Frivillig · " (lang.pick("Administration", "Administration")) }
                    @if let Some(s) = staff {
                        nav aria-label=(lang.pick("Hovedmenu", "Main menu")) {
                            a href="/admin/tilmeldinger" { (lang.pick("Tilmeldinger", "Signups")) }
                            @if s.account.role == Role::Admin {
                                " · " a href="/admin/log" { (lang.pick("Ændringslog", "Audit log")) }
                            }
                        }
                        form.logout method="post" action="/admin/logout" {
                            span { (s.account.display_name) " (" (s.username) ")" }
                            input type="hidden" name="csrf" value=(s.session.csrf);
                            button.secondary type="submit" { (lang.pick("Log ud", "Log out")) }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

const CSS: &str = "body{font-family:system-ui,sans-serif;font-size:1rem;line-height:1.45;margin:0;color:#1a1a1a;background:#fff}\
header{background:#004b87;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between}header a{color:#fff;font-weight:600}.brand{margin:0;font-weight:600}\
.logout{display:flex;gap:.6rem;align-items:center}main{max-width:80rem;margin:0 auto;padding:1rem}h1{color:#004b87;font-size:1.6rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #c8d3de;vertical-align:top}th{background:#eaf1f8}\
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;background:#eaf1f8;padding:.8rem;border-radius:.4rem}.filters label{display:flex;flex-direction:column;font-weight:600;font-size:.9rem}\
input,select,textarea{font-size:1rem;padding:.4rem;border:2px solid #444c56;border-radius:.3rem}button,.button{font-size:1rem;padding:.45rem .9rem;border-radius:.3rem;border:2px solid #004b87;background:#004b87;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}\
.secondary{background:#fff;color:#004b87}.error{color:#a8001c;font-weight:600}.ok{color:#0b6b2f;font-weight:600}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}\
.pages{display:flex;gap:.6rem;align-items:center;margin:1rem 0}.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.5rem}a{color:#004b87}:focus{outline:3px solid #a8001c;outline-offset:2px}";

fn message(
    lang: Lang,
    status: StatusCode,
    title: &str,
    text: &str,
    staff: Option<&Staff>,
) -> Response {
    let back = if staff.is_some() {
        "/admin/tilmeldinger"
    } else {
        "/admin/login"
    };
    let body = html! { p { (text) } p { a href=(back) { (lang.pick("Tilbage", "Back")) } } };
    let mut r = secure(layout(lang, staff, title, body));
    *r.status_mut() = status;
    r
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn secure_flag(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match staff(&state, &headers, false).await {
        Ok(_) => Redirect::to("/admin/tilmeldinger").into_response(),
        Err(r) => r,
    }
}

fn login_form(lang: Lang, csrf: &str, username: &str, problem: Option<&str>) -> Markup {
    html! {
        @if let Some(p) = problem { p.error id="login-error" role="alert" { (p) } }
        form method="post" action="/admin/login" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="username" { (lang.pick("Brugernavn", "User name")) } br;
                input id="username" name="username" type="text" autocomplete="username" required value=(username)
                    aria-describedby=[problem.map(|_| "login-error")]; }
            p { label for="password" { (lang.pick("Adgangskode", "Password")) } br;
                input id="password" name="password" type="password" autocomplete="current-password" required; }
            p { button type="submit" { (lang.pick("Log ind", "Log in")) } }
        }
    }
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let csrf = cookie(&headers, LOGIN_COOKIE)
        .unwrap_or_else(|| frivillig_common::sync::new_secret()[..32].to_owned());
    let mut r = secure(layout(
        lang,
        None,
        lang.pick("Log ind", "Log in"),
        login_form(lang, &csrf, "", None),
    ));
    set_cookie(
        &mut r,
        &format!(
            "{LOGIN_COOKIE}={csrf}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=3600{}",
            secure_flag(&state)
        ),
    );
    r
}

/// The login form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let title = lang.pick("Log ind", "Log in");
    let f = match form {
        Ok(Form(f)) => f,
        Err(rejection) => {
            return message(
                lang,
                rejection.status(),
                title,
                lang.pick(
                    "Formularen kunne ikke læses. Åbn siden igen.",
                    "The form could not be read. Open the page again.",
                ),
                None,
            );
        }
    };
    match within_limit(&state.login_attempts, peer.ip(), LOGINS_PER_MINUTE) {
        Ok(true) => {}
        Ok(false) => {
            return message(
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                title,
                lang.pick(
                    "For mange forsøg herfra. Vent et minut, og prøv igen.",
                    "Too many attempts from here. Wait a minute and try again.",
                ),
                None,
            );
        }
        Err(e) => return e.into_response(),
    }
    let expected = cookie(&headers, LOGIN_COOKIE);
    if expected
        .as_deref()
        .is_none_or(|c| !same(c.as_bytes(), f.csrf.as_bytes()))
    {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            title,
            lang.pick(
                "Siden er for gammel, eller formularen kom ikke fra os. Åbn login-siden igen.",
                "The page is out of date, or the form did not come from us. Open the login page again.",
            ),
            None,
        );
    }
    let st = state.clone();
    let (user, pass) = (f.username.trim().to_owned(), f.password.clone());
    let result = match blocking(move || Ok(st.store.login(&user, &pass)?)).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let Some((token, _)) = result else {
        let mut r = secure(layout(
            lang,
            None,
            title,
            login_form(
                lang,
                &f.csrf,
                f.username.trim(),
                Some(lang.pick(
                    "Forkert brugernavn eller adgangskode.",
                    "Wrong user name or password.",
                )),
            ),
        ));
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    };
    tracing::info!(user = %f.username.trim(), "coordinator logged in");
    let mut r = Redirect::to("/admin/tilmeldinger").into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    set_cookie(
        &mut r,
        &format!(
            "{SESSION_COOKIE}={token}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={}{}",
            crate::accounts::SESSION_HOURS * 3600,
            secure_flag(&state)
        ),
    );
    r
}

/// A form of a session: it carries the session's CSRF token.
trait SessionForm {
    fn csrf(&self) -> &str;
}

/// The logged-in person and their form, once the form is read and its token checked; or the
/// page to answer with (nothing is changed then).
async fn checked_form<T: SessionForm>(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<T>, FormRejection>,
) -> Result<(Staff, T), Response> {
    let s = staff(state, headers, true).await?;
    let f = match form {
        Ok(Form(f)) => f,
        Err(rejection) => return Err(unreadable(&s, rejection.status())),
    };
    if !s.checks(f.csrf()) {
        return Err(wrong_csrf(&s));
    }
    Ok((s, f))
}

macro_rules! session_form {
    ($($t:ty),*) => {$(
        impl SessionForm for $t {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}
session_form!(CsrfForm, ChangeForm, EraseForm);

/// A form that carries only the session's CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn wrong_csrf(staff: &Staff) -> Response {
    let lang = staff.lang;
    message(
        lang,
        StatusCode::FORBIDDEN,
        lang.pick("Siden er for gammel", "The page is out of date"),
        lang.pick(
            "Formularen kom ikke fra denne session. Åbn siden igen; intet er ændret.",
            "The form did not come from this session. Open the page again; nothing was changed.",
        ),
        Some(staff),
    )
}

/// The answer to a form that could not be read; `status` is the rejection's (413 for a
/// form over the size limit, 400 otherwise).
fn unreadable(staff: &Staff, status: StatusCode) -> Response {
    let lang = staff.lang;
    message(
        lang,
        status,
        lang.pick("Formularen kunne ikke læses", "The form could not be read"),
        lang.pick(
            "Åbn siden igen, og prøv en gang til; intet er ændret.",
            "Open the page again and try once more; nothing was changed.",
        ),
        Some(staff),
    )
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let (s, _) = match checked_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let st = state.clone();
    let token = s.token.clone();
    if let Err(e) = blocking(move || Ok(st.store.logout(&token)?)).await {
        return e.into_response();
    }
    let mut r = Redirect::to("/admin/login").into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    set_cookie(
        &mut r,
        &format!(
            "{SESSION_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0{}",
            secure_flag(&state)
        ),
    );
    r
}

fn query_string(q: &ListQuery, page: Option<usize>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("status", &q.status),
        ("opportunity", &q.opportunity),
        ("shift", &q.shift),
        ("site", &q.site),
        ("source", &q.source),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let sort = match q.sort {
        SortBy::Newest => "",
        SortBy::Oldest => "oldest",
        SortBy::Name => "name",
        SortBy::Status => "status",
    };
    if !sort.is_empty() {
        s.append_pair("sort", sort);
    }
    if let Some(p) = page {
        s.append_pair("page", &p.to_string());
    }
    s.finish()
}

fn opportunity_title<'a>(lang: Lang, catalog: &'a Catalog, id: &'a str) -> &'a str {
    catalog
        .opportunities
        .iter()
        .find(|o| o.id == id)
        .map_or(id, |o| job_title(lang, o))
}

fn site_name<'a>(catalog: &'a Catalog, id: &'a str) -> &'a str {
    catalog
        .sites
        .iter()
        .find(|s| s.id == id)
        .map_or(id, |s| s.name.as_str())
}

fn shift_text(lang: Lang, catalog: &Catalog, shift_id: Option<&str>) -> String {
    let Some(id) = shift_id else {
        return String::new();
    };
    catalog
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .find(|s| s.id == id)
        .map_or_else(|| id.to_owned(), |s| when(lang, &s.starts, &s.ends))
}

fn source_text(lang: Lang, source: &str) -> String {
    if source == "web" {
        lang.pick("Portalen", "Portal").to_owned()
    } else {
        format!("{} {source}", lang.pick("Kiosk", "Kiosk"))
    }
}

/// What the list and its export start from: who asks, what they ask, and the catalog.
async fn list_context(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<(Staff, ListQuery, Catalog), Response> {
    let s = staff(state, headers, false).await?;
    // Odd query strings (a hand-edited link) show the whole list rather than an error.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let catalog = need_catalog(state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((s, q, catalog))
}

/// The list of signups with search, filters, order and pages.
async fn signups_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (s, q, catalog) = match list_context(&state, &headers, query).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = s.lang;
    let page = state.store.listing().page(&q, s.sites());
    let sites: Vec<_> = catalog.sites.iter().filter(|x| s.may_see(&x.id)).collect();
    let opportunities: Vec<_> = catalog
        .opportunities
        .iter()
        .filter(|o| s.may_see(&o.site_id))
        .collect();
    let title = lang.pick("Tilmeldinger", "Signups");
    let body = html! {
        form.filters method="get" action="/admin/tilmeldinger" role="search" {
            label { (lang.pick("Søg (navn, e-mail, telefon)", "Search (name, e-mail, phone)"))
                input type="search" name="q" value=(q.q); }
            label { (lang.pick("Status", "Status"))
                select name="status" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[q.status == st.as_str()] { (status_name(lang, st.as_str())) }
                    }
                } }
            label { (lang.pick("Job", "Job"))
                select name="opportunity" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for o in &opportunities {
                        option value=(o.id) selected[q.opportunity == o.id] { (job_title(lang, o)) }
                    }
                } }
            label { (lang.pick("Sted", "Site"))
                select name="site" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for x in &sites {
                        option value=(x.id) selected[q.site == x.id] { (x.name) }
                    }
                } }
            label { (lang.pick("Kilde", "Source"))
                select name="source" {
                    option value="" { (lang.pick("Alle", "All")) }
                    option value="kiosk" selected[q.source == "kiosk"] { (lang.pick("Kiosker", "Kiosks")) }
                    option value="web" selected[q.source == "web"] { (lang.pick("Portalen", "Portal")) }
                } }
            label { (lang.pick("Fra dato", "From date")) input type="date" name="from" value=(q.from); }
            label { (lang.pick("Til dato", "To date")) input type="date" name="to" value=(q.to); }
            label { (lang.pick("Sortér", "Sort"))
                select name="sort" {
                    option value="newest" selected[q.sort == SortBy::Newest] { (lang.pick("Nyeste først", "Newest first")) }
                    option value="oldest" selected[q.sort == SortBy::Oldest] { (lang.pick("Ældste først", "Oldest first")) }
                    option value="name" selected[q.sort == SortBy::Name] { (lang.pick("Navn", "Name")) }
                    option value="status" selected[q.sort == SortBy::Status] { (lang.pick("Status", "Status")) }
                } }
            button type="submit" { (lang.pick("Vis", "Show")) }
            a.button.secondary href=(format!("/admin/tilmeldinger/eksport.csv?{}", query_string(&q, None))) {
                (lang.pick("Hent som CSV (Excel)", "Download as CSV (Excel)")) }
        }
        p role="status" { (page.total) " " (lang.pick("tilmeldinger", "signups")) }
        @if page.rows.is_empty() {
            p { (lang.pick("Ingen tilmeldinger passer til søgningen.", "No signups match the search.")) }
        } @else {
            table {
                caption.visually-hidden { (title) }
                thead { tr {
                    th scope="col" { (lang.pick("Navn", "Name")) }
                    th scope="col" { (lang.pick("Job", "Job")) }
                    th scope="col" { (lang.pick("Vagt", "Shift")) }
                    th scope="col" { (lang.pick("Sted", "Site")) }
                    th scope="col" { (lang.pick("Kilde", "Source")) }
                    th scope="col" { (lang.pick("Tilmeldt", "Signed up")) }
                    th scope="col" { (lang.pick("Status", "Status")) }
                } }
                tbody {
                    @for r in &page.rows {
                        tr {
                            td { a href=(format!("/admin/tilmeldinger/{}", r.id)) {
                                @if r.name.is_empty() { (lang.pick("(ikke åbnet)", "(not opened)")) } @else { (r.name) } } }
                            td { (opportunity_title(lang, &catalog, &r.opportunity_id)) }
                            td { (shift_text(lang, &catalog, r.shift_id.as_deref())) }
                            td { (site_name(&catalog, &r.site_id)) }
                            td { (source_text(lang, &r.source)) }
                            td { (danish_time(&r.created_at)) }
                            td { (status_name(lang, &r.status)) }
                        }
                    }
                }
            }
        }
        nav.pages aria-label=(lang.pick("Sider", "Pages")) {
            @if page.page > 1 {
                a href=(format!("/admin/tilmeldinger?{}", query_string(&q, Some(page.page - 1)))) rel="prev" { (lang.pick("← Forrige", "← Previous")) }
            }
            span { (lang.pick("Side", "Page")) " " (page.page) " / " (page.pages) }
            @if page.page < page.pages {
                a href=(format!("/admin/tilmeldinger?{}", query_string(&q, Some(page.page + 1)))) rel="next" { (lang.pick("Næste →", "Next →")) }
            }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// The signups of the current filter as CSV for Danish Excel: UTF-8 with a byte-order mark
/// (else Excel reads it as Windows-1252), semicolons (the Danish list separator), CRLF,
/// dates as dd-mm-yyyy hh:mm. Cells that Excel would run as a formula are prefixed with `'`.
async fn export_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (s, q, catalog) = match list_context(&state, &headers, query).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = s.lang;
    let rows: Vec<ListRow> = state
        .store
        .listing()
        .matching(&q, s.sites())
        .into_iter()
        .cloned()
        .collect();
    let mut out = String::from("\u{feff}");
    let head = [
        lang.pick("Navn", "Name"),
        lang.pick("Telefon", "Phone"),
        lang.pick("E-mail", "E-mail"),
        lang.pick("Job", "Job"),
        lang.pick("Vagt", "Shift"),
        lang.pick("Sted", "Site"),
        lang.pick("Kilde", "Source"),
        lang.pick("Tilmeldt", "Signed up"),
        lang.pick("Modtaget", "Received"),
        lang.pick("Status", "Status"),
        lang.pick("Tildelt", "Assigned to"),
        lang.pick("Id", "Id"),
    ];
    csv_line(&mut out, head.iter().map(|h| h.to_string()));
    for r in &rows {
        csv_line(
            &mut out,
            [
                r.name.clone(),
                r.phone.clone(),
                r.email.clone(),
                opportunity_title(lang, &catalog, &r.opportunity_id).to_owned(),
                shift_text(lang, &catalog, r.shift_id.as_deref()),
                site_name(&catalog, &r.site_id).to_owned(),
                source_text(lang, &r.source),
                danish_time(&r.created_at),
                danish_time(&r.received_at),
                status_name(lang, &r.status).to_owned(),
                r.assignee.clone(),
                r.id.clone(),
            ]
            .into_iter(),
        );
    }
    let st = state.clone();
    let (by, detail) = (
        s.username.clone(),
        format!("{} rows; {}", rows.len(), query_string(&q, None)),
    );
    if let Err(e) = blocking(move || Ok(st.store.audit(&by, "export", "signups", &detail)?)).await {
        return e.into_response();
    }
    let mut r = out.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tilmeldinger.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn csv_line(out: &mut String, cells: impl Iterator<Item = String>) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(';');
        }
        first = false;
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            cell
        };
        if cell.contains([';', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

/// A signup this person may see, or the page to show instead.
async fn visible_signup(
    state: &AppState,
    s: &Staff,
    signup_id: &str,
) -> Result<SignupRow, Response> {
    let lang = s.lang;
    let not_found = || {
        message(
            lang,
            StatusCode::NOT_FOUND,
            lang.pick("Tilmeldingen findes ikke", "Signup not found"),
            lang.pick(
                "Vi kan ikke finde den tilmelding, eller den hører til et sted, du ikke har adgang til.",
                "We cannot find that signup, or it belongs to a site you do not have access to.",
            ),
            Some(s),
        )
    };
    let plausible = !signup_id.is_empty()
        && signup_id.len() <= 64
        && signup_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plausible {
        return Err(not_found());
    }
    let st = state.clone();
    let id = signup_id.to_owned();
    match blocking(move || Ok(st.store.signup(&id)?)).await {
        Ok(Some(row)) if s.may_see(&row.record.site_id) => Ok(row),
        Ok(_) => Err(not_found()),
        Err(e) => Err(e.into_response()),
    }
}

/// One entry of a signup's history, for the page.
struct Event {
    at: String,
    by: String,
    what: String,
}

#[derive(Debug, Default, Deserialize)]
struct SavedQuery {
    gemt: Option<String>,
}

async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let s = match staff(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = s.lang;
    let row = match visible_signup(&state, &s, &signup_id).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let catalog = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let st = state.clone();
    let accounts = match blocking(move || Ok(st.store.accounts()?)).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let r = &row.record;
    let mut events: Vec<Event> = Vec::new();
    for c in &r.status_history {
        events.push(Event {
            at: c.at.clone(),
            by: c.by.clone(),
            what: format!(
                "{}: {}",
                lang.pick("Status", "Status"),
                status_name(lang, &c.status)
            ),
        });
    }
    for n in &r.notes {
        events.push(Event {
            at: n.at.clone(),
            by: n.by.clone(),
            what: format!("{}: {}", lang.pick("Note", "Note"), n.text),
        });
    }
    for c in &r.check_ins {
        events.push(Event {
            at: c.at.clone(),
            by: c.by.clone(),
            what: lang.pick("Mødt op", "Checked in").to_owned(),
        });
    }
    events.sort_by(|a, b| a.at.cmp(&b.at));
    let source = match &r.source {
        Source::Kiosk(k) => source_text(lang, k),
        Source::Web => source_text(lang, "web"),
    };
    let person = row.person.as_ref();
    let title = person.map_or(lang.pick("Tilmelding", "Signup"), |p| p.name.as_str());
    let csrf = s.session.csrf.clone();
    let base = format!("/admin/tilmeldinger/{}", r.id);
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Ændringen er gemt.", "The change is saved.")) } }
        div.cols {
            section aria-labelledby="person" {
                h2 id="person" { (lang.pick("Personen", "The person")) }
                @if let Some(p) = person {
                    dl {
                        dt { (lang.pick("Navn", "Name")) } dd { (p.name) }
                        dt { (lang.pick("Telefon", "Phone")) } dd { (p.phone.as_deref().unwrap_or("–")) }
                        dt { (lang.pick("E-mail", "E-mail")) } dd { (p.email.as_deref().unwrap_or("–")) }
                        dt { (lang.pick("Alderskrav bekræftet", "Age requirement confirmed")) }
                        dd { (if p.age_confirmed { lang.pick("Ja", "Yes") } else { lang.pick("Nej", "No") }) }
                        dt { (lang.pick("Besked fra personen", "Message from the person")) } dd { (p.note.as_deref().unwrap_or("–")) }
                    }
                } @else {
                    p.error { (lang.pick("Personoplysningerne kunne ikke åbnes med serverens nøgle.", "The personal data could not be opened with the server's key.")) }
                }
            }
            section aria-labelledby="job" {
                h2 id="job" { (lang.pick("Job og oprindelse", "Job and provenance")) }
                dl {
                    dt { (lang.pick("Job", "Job")) } dd { (opportunity_title(lang, &catalog, &r.opportunity_id)) }
                    dt { (lang.pick("Vagt", "Shift")) } dd { (shift_text(lang, &catalog, r.shift_id.as_deref())) }
                    dt { (lang.pick("Sted", "Site")) } dd { (site_name(&catalog, &r.site_id)) }
                    dt { (lang.pick("Kilde", "Source")) } dd { (source) }
                    dt { (lang.pick("Tilmeldt (kioskens tid)", "Signed up (kiosk time)")) } dd { (danish_time(&r.created_at)) }
                    dt { (lang.pick("Modtaget af serveren", "Received by the server")) } dd { (danish_time(&row.received_at)) }
                    dt { (lang.pick("Samtykke", "Consent")) } dd { (lang.pick("version ", "version ")) (r.consent_version) ", " (danish_time(&r.consent_at)) }
                    dt { (lang.pick("Journal", "Journal")) } dd { code { (row.journal_doc_id) } }
                    dt { (lang.pick("Status", "Status")) } dd { strong { (status_name(lang, &r.status)) } }
                    dt { (lang.pick("Tildelt", "Assigned to")) } dd { (r.assignee.as_deref().unwrap_or("–")) }
                }
            }
        }
        div.cols {
            form method="post" action=(format!("{base}/status")) {
                h2 { label for="status" { (lang.pick("Skift status", "Change status")) } }
                input type="hidden" name="csrf" value=(csrf);
                select id="status" name="status" {
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[r.status == st.as_str()] { (status_name(lang, st.as_str())) }
                    }
                }
                " " button type="submit" { (lang.pick("Gem status", "Save status")) }
            }
            form method="post" action=(format!("{base}/tildel")) {
                h2 { label for="assignee" { (lang.pick("Tildel til", "Assign to")) } }
                input type="hidden" name="csrf" value=(csrf);
                select id="assignee" name="assignee" {
                    option value="" { (lang.pick("Ingen", "Nobody")) }
                    @for (name, a) in &accounts {
                        @if !a.disabled {
                            option value=(name) selected[r.assignee.as_deref() == Some(name.as_str())] { (a.display_name) " (" (name) ")" }
                        }
                    }
                }
                " " button type="submit" { (lang.pick("Gem", "Save")) }
            }
            form method="post" action=(format!("{base}/note")) {
                h2 { label for="note" { (lang.pick("Tilføj note", "Add a note")) } }
                input type="hidden" name="csrf" value=(csrf);
                textarea id="note" name="text" rows="3" cols="40" maxlength=(MAX_NOTE_CHARS) required {}
                br; button type="submit" { (lang.pick("Gem note", "Save note")) }
            }
        }
        @if s.account.role == Role::Admin {
            form method="post" action=(format!("{base}/slet")) {
                h2 { (lang.pick("Slet personoplysninger", "Erase personal data")) }
                p { (lang.pick(
                    "Personen fjernes fra serverens oplysninger med det samme, og journalen, der holdt tilmeldingen, skrives om uden den, så snart ingen kiosk kan have den. Det kan ikke fortrydes.",
                    "The person is removed from the server's data at once, and the journal that held the signup is rewritten without it as soon as no kiosk can still hold it. This cannot be undone.")) }
                input type="hidden" name="csrf" value=(csrf);
                p { label { input type="checkbox" name="bekraeft" value="ja" required; " "
                    (lang.pick("Jeg bekræfter, at oplysningerne skal slettes", "I confirm that the data is to be erased")) } }
                button type="submit" { (lang.pick("Slet", "Erase")) }
            }
        }
        section aria-labelledby="history" {
            h2 id="history" { (lang.pick("Historik", "History")) }
            @if events.is_empty() {
                p { (lang.pick("Ingen ændringer endnu.", "No changes yet.")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Tid", "Time")) }
                        th scope="col" { (lang.pick("Hvem", "Who")) }
                        th scope="col" { (lang.pick("Hvad", "What")) }
                    } }
                    tbody { @for e in &events { tr { td { (danish_time(&e.at)) } td { (e.by) } td { (e.what) } } } }
                }
            }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// A change to one signup, as posted.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    assignee: String,
}

/// What a posted change asks for, once checked.
enum Change {
    Status(Status),
    Note(String),
    Assign(Option<String>),
}

async fn apply_change(
    state: &AppState,
    headers: &HeaderMap,
    signup_id: &str,
    form: Result<Form<ChangeForm>, FormRejection>,
    read: fn(&ChangeForm, &[String]) -> Option<Change>,
) -> Response {
    let (s, f) = match checked_form(state, headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = visible_signup(state, &s, signup_id).await {
        return r;
    }
    let st = state.clone();
    let usernames: Vec<String> = match blocking(move || Ok(st.store.accounts()?)).await {
        Ok(a) => a
            .into_iter()
            .filter(|(_, a)| !a.disabled)
            .map(|(n, _)| n)
            .collect(),
        Err(e) => return e.into_response(),
    };
    let Some(change) = read(&f, &usernames) else {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    };
    let by = s.username.clone();
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (action, detail, result) = match change {
        Change::Status(status) => (
            "status",
            status.as_str().to_owned(),
            change_status(state, signup_id, status, &by).await,
        ),
        Change::Note(text) => {
            let note = Note {
                at,
                by: by.clone(),
                text: text.clone(),
            };
            (
                "note",
                text,
                edit_signup(state, signup_id, move |doc, sid| add_note(doc, sid, &note)).await,
            )
        }
        Change::Assign(who) => {
            let w = who.clone();
            (
                "assign",
                who.unwrap_or_default(),
                edit_signup(state, signup_id, move |doc, sid| {
                    set_assignee(doc, sid, w.as_deref())
                })
                .await,
            )
        }
    };
    if let Err(e) = result {
        return error_page(&s, e);
    }
    let st = state.clone();
    let target = signup_id.to_owned();
    if let Err(e) = blocking(move || Ok(st.store.audit(&by, action, &target, &detail)?)).await {
        return e.into_response();
    }
    let mut r = Redirect::to(&format!("/admin/tilmeldinger/{signup_id}?gemt=1")).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

fn error_page(s: &Staff, e: ApiError) -> Response {
    let lang = s.lang;
    tracing::warn!(error = %e, "admin change failed");
    message(
        lang,
        StatusCode::CONFLICT,
        lang.pick("Ændringen blev ikke gemt", "The change was not saved"),
        lang.pick(
            "Serveren kunne ikke skrive ændringen. Åbn tilmeldingen igen, og prøv en gang til.",
            "The server could not write the change. Open the signup again and try once more.",
        ),
        Some(s),
    )
}

async fn post_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
    form: Result<Form<ChangeForm>, FormRejection>,
) -> Response {
    apply_change(&state, &headers, &signup_id, form, |f, _| {
        Status::parse(&f.status).map(Change::Status)
    })
    .await
}

async fn post_note(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
    form: Result<Form<ChangeForm>, FormRejection>,
) -> Response {
    apply_change(&state, &headers, &signup_id, form, |f, _| {
        let text = f.text.trim();
        (!text.is_empty() && text.chars().count() <= MAX_NOTE_CHARS)
            .then(|| Change::Note(text.to_owned()))
    })
    .await
}

async fn post_assign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
    form: Result<Form<ChangeForm>, FormRejection>,
) -> Response {
    apply_change(&state, &headers, &signup_id, form, |f, users| {
        match f.assignee.as_str() {
            "" => Some(Change::Assign(None)),
            name if users.iter().any(|u| u == name) => Some(Change::Assign(Some(name.to_owned()))),
            _ => None,
        }
    })
    .await
}

/// The erasure form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    bekraeft: String,
}

/// Erase a signup's personal data (admins only, with a confirmation box ticked).
async fn post_erase(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
    form: Result<Form<EraseForm>, FormRejection>,
) -> Response {
    let (s, f) = match checked_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = s.lang;
    if s.account.role != Role::Admin {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            lang.pick("Kun for administratorer", "Administrators only"),
            lang.pick(
                "Kun en administrator kan slette personoplysninger.",
                "Only an administrator can erase personal data.",
            ),
            Some(&s),
        );
    }
    if let Err(r) = visible_signup(&state, &s, &signup_id).await {
        return r;
    }
    if f.bekraeft != "ja" {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    if let Err(e) = crate::erasure::erase(&state, &signup_id, &s.username).await {
        return error_page(&s, e);
    }
    let mut r = Redirect::to("/admin/tilmeldinger").into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

/// The audit log, newest first (admins only).
async fn audit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match staff(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = s.lang;
    if s.account.role != Role::Admin {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            lang.pick("Kun for administratorer", "Administrators only"),
            lang.pick(
                "Ændringsloggen kan kun ses af administratorer.",
                "Only administrators can see the audit log.",
            ),
            Some(&s),
        );
    }
    const PER_PAGE: usize = 100;
    let page = query.ok().and_then(|Query(q)| q.page).unwrap_or(1).max(1);
    let st = state.clone();
    let (entries, total) = match blocking(move || {
        Ok(st.store.audit_entries((page - 1) * PER_PAGE, PER_PAGE)?)
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let title = lang.pick("Ændringslog", "Audit log");
    let body = html! {
        p { (total) " " (lang.pick("ændringer", "changes")) }
        table {
            thead { tr {
                th scope="col" { (lang.pick("Tid", "Time")) }
                th scope="col" { (lang.pick("Hvem", "Who")) }
                th scope="col" { (lang.pick("Handling", "Action")) }
                th scope="col" { (lang.pick("Hvad", "What")) }
                th scope="col" { (lang.pick("Detaljer", "Details")) }
            } }
            tbody { @for e in &entries { tr {
                td { (danish_time(&e.at)) } td { (e.by) } td { (e.action) }
                td { @if e.action == "status" || e.action == "note" || e.action == "assign" {
                    a href=(format!("/admin/tilmeldinger/{}", e.target)) { (e.target) } } @else { (e.target) } }
                td { (e.detail) }
            } } }
        }
        nav.pages aria-label=(lang.pick("Sider", "Pages")) {
            @if page > 1 { a href=(format!("/admin/log?page={}", page - 1)) { (lang.pick("← Nyere", "← Newer")) } }
            @if (page * PER_PAGE) < total as usize { a href=(format!("/admin/log?page={}", page + 1)) { (lang.pick("Ældre →", "Older →")) } }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}
