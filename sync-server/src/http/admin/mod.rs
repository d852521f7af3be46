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
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::http::web::{Lang, cookie, head, job_title, same, secure, when};
use crate::service::ServiceError;
use crate::service::accounts::{AccountRow, Role, SessionRow};
use crate::service::catalog::catalog as need_catalog;
use crate::service::signups::{change_status, edit_signup};
use crate::store::SignupRow;
use crate::store::listing::{ListQuery, ListRow, SortBy};

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
        .route("/admin/oversigt", get(overview_page))
        .route("/admin/koer", get(queues_page))
        .route("/admin/koer/dublet", post(post_pair))
        .route("/admin/kiosker", get(kiosks_page))
        .route("/admin/katalog", get(catalog_page).post(post_catalog))
        .route("/admin/katalog/samtykke", post(post_consent))
        .route("/admin/kiosker/{kiosk_id}/spaer", post(post_revoke))
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
        .map_err(|e| e.into_response())?;
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
                            " · " a href="/admin/oversigt" { (lang.pick("Oversigt", "Overview")) }
                            " · " a href="/admin/koer" { (lang.pick("Til gennemsyn", "To review")) }
                            @if s.account.role == Role::Admin {
                                " · " a href="/admin/kiosker" { (lang.pick("Kiosker", "Kiosks")) }
                                " · " a href="/admin/katalog" { (lang.pick("Katalog", "Catalog")) }
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
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.inline{display:inline}.hint{color:#444c56}.pages{display:flex;gap:.6rem;align-items:center;margin:1rem 0}.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.5rem}a{color:#004b87}:focus{outline:3px solid #a8001c;outline-offset:2px}";

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

/// A table's header row: each column's name in Danish and English.
fn thead(lang: Lang, columns: &[(&'static str, &'static str)]) -> Markup {
    html! { thead { tr { @for (da, en) in columns { th scope="col" { (lang.pick(da, en)) } } } } }
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
    if !state
        .login_attempts
        .allow_address(peer.ip(), LOGINS_PER_MINUTE)
    {
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
    set_cookie(
        &mut r,
        &format!(
            "{SESSION_COOKIE}={token}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={}{}",
            crate::service::accounts::SESSION_HOURS * 3600,
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

/// As [`checked_form`], for a form only admins may send.
async fn checked_admin_form<T: SessionForm>(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<T>, FormRejection>,
) -> Result<(Staff, T), Response> {
    let (s, f) = checked_form(state, headers, form).await?;
    match admins_only(&s) {
        Some(r) => Err(r),
        None => Ok((s, f)),
    }
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
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok((s, q, catalog))
}

/// Who asks, and the catalog: what every page but the list starts from.
async fn page_context(state: &AppState, headers: &HeaderMap) -> Result<(Staff, Catalog), Response> {
    let (s, _, catalog) = list_context(state, headers, Ok(Query(ListQuery::default()))).await?;
    Ok((s, catalog))
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
            label { (lang.pick("Vagt", "Shift"))
                select name="shift" {
                    option value="" { (lang.pick("Alle", "All")) }
                    @for o in opportunities.iter().filter(|o| !o.shifts.is_empty()) {
                        optgroup label=(job_title(lang, o)) {
                            @for sh in &o.shifts {
                                option value=(sh.id) selected[q.shift == sh.id] { (when(lang, &sh.starts, &sh.ends)) }
                            }
                        }
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
        p role="status" { (page.total) " " (if page.total == 1 { lang.pick("tilmelding", "signup") } else { lang.pick("tilmeldinger", "signups") }) }
        @if page.rows.is_empty() {
            p { (lang.pick("Ingen tilmeldinger passer til søgningen.", "No signups match the search.")) }
        } @else {
            table {
                caption.visually-hidden { (title) }
                (thead(lang, &[("Navn", "Name"), ("Job", "Job"), ("Vagt", "Shift"), ("Sted", "Site"), ("Kilde", "Source"), ("Tilmeldt", "Signed up"), ("Status", "Status")]))
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
        Err(e) => return ApiError::from(e).into_response(),
    };
    let st = state.clone();
    let (accounts, decisions) =
        match blocking(move || Ok((st.store.accounts()?, st.store.pair_decisions()?))).await {
            Ok(a) => a,
            Err(e) => return e.into_response(),
        };
    let r = &row.record;
    // Signups a coordinator linked to this one as the same person.
    let linked: Vec<String> = decisions
        .iter()
        .filter(|(_, d)| d.decision == "linked")
        .filter_map(|(key, _)| {
            let (a, b) = key.split_once('|')?;
            if a == r.id {
                Some(b.to_owned())
            } else if b == r.id {
                Some(a.to_owned())
            } else {
                None
            }
        })
        .collect();
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
                    @if !linked.is_empty() {
                        dt { (lang.pick("Samme person som", "Same person as")) }
                        dd { @for id in &linked { a href=(format!("/admin/tilmeldinger/{id}")) { (id) } " " } }
                    }
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
                    (thead(lang, &[("Tid", "Time"), ("Hvem", "Who"), ("Hvad", "What")]))
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
    /// Where to go after the change: the queue page, or (by default) the signup's page.
    #[serde(default)]
    tilbage: String,
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
    // Only the queue page is a way back; anything else goes to the signup's own page.
    let back = if f.tilbage == "/admin/koer" {
        "/admin/koer?gemt=1".to_owned()
    } else {
        format!("/admin/tilmeldinger/{signup_id}?gemt=1")
    };
    Redirect::to(&back).into_response()
}

fn error_page(s: &Staff, e: impl Into<ApiError>) -> Response {
    let e: ApiError = e.into();
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
    let (s, f) = match checked_admin_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = visible_signup(&state, &s, &signup_id).await {
        return r;
    }
    if f.bekraeft != "ja" {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    if let Err(e) = crate::service::erasure::erase(&state, &signup_id, &s.username).await {
        return error_page(&s, e);
    }
    Redirect::to("/admin/tilmeldinger").into_response()
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
    if let Some(r) = admins_only(&s) {
        return r;
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
        p { (total) " " (if total == 1 { lang.pick("ændring", "change") } else { lang.pick("ændringer", "changes") }) }
        table {
            (thead(lang, &[("Tid", "Time"), ("Hvem", "Who"), ("Handling", "Action"), ("Hvad", "What"), ("Detaljer", "Details")]))
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

/// Admins only: the page to show anyone else.
fn admins_only(s: &Staff) -> Option<Response> {
    let lang = s.lang;
    (s.account.role != Role::Admin).then(|| {
        message(
            lang,
            StatusCode::FORBIDDEN,
            lang.pick("Kun for administratorer", "Administrators only"),
            lang.pick(
                "Den side kan kun ses og bruges af administratorer.",
                "Only administrators can see and use that page.",
            ),
            Some(s),
        )
    })
}

/// A horizontal bar chart drawn on the server, with the numbers in a table beside it (the
/// table is what screen readers and copy-paste use; the chart is for the eye).
fn bar_chart(lang: Lang, id: &str, title: &str, rows: &[(String, usize)]) -> Markup {
    const BAR: f64 = 320.0;
    const ROW: usize = 26;
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let height = rows.len().max(1) * ROW;
    html! {
        section.chart aria-labelledby=(id) {
            h2 id=(id) { (title) }
            @if rows.is_empty() {
                p { (lang.pick("Ingen tilmeldinger endnu.", "No signups yet.")) }
            } @else {
                div.cols {
                    svg xmlns="http://www.w3.org/2000/svg" width="520" height=(height) role="img" aria-labelledby=(id) {
                        @for (i, (label, n)) in rows.iter().enumerate() {
                            @let y = i * ROW;
                            text x="0" y=(y + 17) font-size="13" fill="#1a1a1a" { (label.chars().take(24).collect::<String>()) }
                            rect x="180" y=(y + 4) width=(format!("{:.1}", BAR * (*n as f64) / max)) height="18" fill="#004b87" {}
                            text x=(format!("{:.1}", 186.0 + BAR * (*n as f64) / max)) y=(y + 17) font-size="13" fill="#1a1a1a" { (n) }
                        }
                    }
                    table {
                        thead { tr { th scope="col" { (title) } th scope="col" { (lang.pick("Antal", "Count")) } } }
                        tbody { @for (label, n) in rows { tr { td { (label) } td { (n) } } } }
                    }
                }
            }
        }
    }
}

/// Signups per day, site, job, source and status, as charts with their numbers.
async fn overview_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (s, catalog) = match page_context(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = s.lang;
    let (per_day, per_site, per_job, per_source, per_status, total) = {
        let listing = state.store.listing();
        let rows = listing.matching(&ListQuery::default(), s.sites());
        let mut day: std::collections::BTreeMap<String, usize> = Default::default();
        let mut site: std::collections::BTreeMap<String, usize> = Default::default();
        let mut job: std::collections::BTreeMap<String, usize> = Default::default();
        let mut source: std::collections::BTreeMap<String, usize> = Default::default();
        let mut status: std::collections::BTreeMap<String, usize> = Default::default();
        for r in &rows {
            *day.entry(r.created_at.chars().take(10).collect())
                .or_default() += 1;
            *site
                .entry(site_name(&catalog, &r.site_id).to_owned())
                .or_default() += 1;
            *job.entry(opportunity_title(lang, &catalog, &r.opportunity_id).to_owned())
                .or_default() += 1;
            *source.entry(source_text(lang, &r.source)).or_default() += 1;
            *status.entry(r.status.clone()).or_default() += 1;
        }
        // The last 31 days that had signups, oldest first, as a Danish date.
        let days: Vec<(String, usize)> = day
            .into_iter()
            .rev()
            .take(31)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|(d, n)| {
                let label = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map(|x| x.format("%d-%m-%Y").to_string())
                    .unwrap_or(d);
                (label, n)
            })
            .collect();
        let statuses: Vec<(String, usize)> = Status::ALL
            .iter()
            .filter_map(|st| {
                status
                    .get(st.as_str())
                    .map(|n| (status_name(lang, st.as_str()).to_owned(), *n))
            })
            .collect();
        (
            days,
            site.into_iter().collect::<Vec<_>>(),
            job.into_iter().collect::<Vec<_>>(),
            source.into_iter().collect::<Vec<_>>(),
            statuses,
            rows.len(),
        )
    };
    let title = lang.pick("Oversigt", "Overview");
    let body = html! {
        p { (total) " " (if total == 1 { lang.pick("tilmelding i alt", "signup in all") } else { lang.pick("tilmeldinger i alt", "signups in all") }) }
        (bar_chart(lang, "per-day", lang.pick("Pr. dag (kioskens dato)", "Per day (kiosk date)"), &per_day))
        (bar_chart(lang, "per-site", lang.pick("Pr. sted", "Per site"), &per_site))
        (bar_chart(lang, "per-job", lang.pick("Pr. job", "Per job"), &per_job))
        (bar_chart(lang, "per-source", lang.pick("Pr. kilde", "Per source"), &per_source))
        (bar_chart(lang, "per-status", lang.pick("Pr. status", "Per status"), &per_status))
    };
    secure(layout(lang, Some(&s), title, body))
}

/// Possible duplicates and overbooked shifts.
async fn queues_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let (s, catalog) = match page_context(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = s.lang;
    let st = state.clone();
    let decisions = match blocking(move || Ok(st.store.pair_decisions()?)).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let (pairs, overbooked, by_id) = {
        let listing = state.store.listing();
        let rows = listing.matching(&ListQuery::default(), s.sites());
        let pairs = crate::service::review::duplicate_pairs(&rows);
        let overbooked = crate::service::review::overbooked(&catalog, &rows);
        let wanted: std::collections::BTreeSet<&str> = pairs
            .iter()
            .flat_map(|(a, b)| [a.as_str(), b.as_str()])
            .collect();
        let by_id: std::collections::HashMap<String, ListRow> = rows
            .iter()
            .filter(|r| wanted.contains(r.id.as_str()))
            .map(|r| (r.id.clone(), (*r).clone()))
            .collect();
        (pairs, overbooked, by_id)
    };
    let open: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(a, b)| !decisions.contains_key(&crate::service::review::pair_key(a, b)))
        .collect();
    let decided: Vec<(&(String, String), &crate::service::review::PairDecision)> = pairs
        .iter()
        .filter_map(|p| {
            decisions
                .get(&crate::service::review::pair_key(&p.0, &p.1))
                .map(|d| (p, d))
        })
        .collect();
    let csrf = s.session.csrf.clone();
    let person = |id: &str| -> Markup {
        match by_id.get(id) {
            Some(r) => html! {
                a href=(format!("/admin/tilmeldinger/{id}")) { (r.name) }
                br; (r.email) " · " (r.phone)
                br; (opportunity_title(lang, &catalog, &r.opportunity_id)) ", " (source_text(lang, &r.source)) ", " (danish_time(&r.created_at))
            },
            None => html! { (id) },
        }
    };
    let pair_form = |a: &str, b: &str, decision: &str, label: &str, class: &str| -> Markup {
        html! {
            form.inline method="post" action="/admin/koer/dublet" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="a" value=(a);
                input type="hidden" name="b" value=(b);
                input type="hidden" name="decision" value=(decision);
                button class=(class) type="submit" { (label) }
            }
        }
    };
    let title = lang.pick("Til gennemsyn", "To review");
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Ændringen er gemt.", "The change is saved.")) } }
        section aria-labelledby="dupes" {
            h2 id="dupes" { (lang.pick("Mulige dubletter", "Possible duplicates")) }
            p.hint { (lang.pick(
                "Samme e-mail eller telefonnummer og et navn, der ligner. Kæd dem sammen, hvis det er samme person, eller afvis forslaget; begge dele kan fortrydes.",
                "The same e-mail or phone number and a similar name. Link them if it is the same person, or dismiss the suggestion; either can be undone.")) }
            @if open.is_empty() {
                p { (lang.pick("Ingen forslag lige nu.", "No suggestions right now.")) }
            } @else {
                table {
                    (thead(lang, &[("Tilmelding", "Signup"), ("Mulig dublet", "Possible duplicate"), ("Afgørelse", "Decision")]))
                    tbody { @for (a, b) in &open { tr {
                        td { (person(a)) } td { (person(b)) }
                        td {
                            (pair_form(a, b, "linked", lang.pick("Samme person", "Same person"), ""))
                            " " (pair_form(a, b, "dismissed", lang.pick("Ikke samme", "Not the same"), "secondary"))
                        }
                    } } }
                }
            }
            @if !decided.is_empty() {
                h3 { (lang.pick("Afgjort", "Decided")) }
                table {
                    (thead(lang, &[("Tilmelding", "Signup"), ("Mulig dublet", "Possible duplicate"), ("Afgørelse", "Decision")]))
                    tbody { @for ((a, b), d) in &decided { tr {
                        td { (person(a)) } td { (person(b)) }
                        td {
                            (if d.decision == "linked" { lang.pick("Samme person", "Same person") } else { lang.pick("Ikke samme", "Not the same") })
                            " (" (d.by) ", " (danish_time(&d.at)) ") "
                            (pair_form(a, b, "undo", lang.pick("Fortryd", "Undo"), "secondary"))
                        }
                    } } }
                }
            }
        }
        section aria-labelledby="overbooked" {
            h2 id="overbooked" { (lang.pick("Overbookede vagter", "Overbooked shifts")) }
            @if overbooked.is_empty() {
                p { (lang.pick("Ingen vagter har flere tilmeldinger end pladser.", "No shift has more signups than spots.")) }
            }
            @for o in &overbooked {
                h3 { (opportunity_title(lang, &catalog, &o.opportunity_id)) ", " (when(lang, &o.starts, &o.ends)) }
                p { (o.holders.len()) " " (lang.pick("tilmeldt til", "signed up for")) " " (o.capacity) " " (lang.pick("pladser. De seneste foreslås til ventelisten.", "spots. The latest are suggested for the waiting list.")) }
                table {
                    (thead(lang, &[("Navn", "Name"), ("Kilde", "Source"), ("Tilmeldt", "Signed up"), ("Forslag", "Suggestion")]))
                    tbody { @for r in o.suggested() { tr {
                        td { a href=(format!("/admin/tilmeldinger/{}", r.id)) { (r.name) } }
                        td { (source_text(lang, &r.source)) }
                        td { (danish_time(&r.created_at)) }
                        td {
                            form.inline method="post" action=(format!("/admin/tilmeldinger/{}/status", r.id)) {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="status" value="waitlisted";
                                input type="hidden" name="tilbage" value="/admin/koer";
                                button type="submit" { (lang.pick("Sæt på venteliste", "Move to waiting list")) }
                            }
                        }
                    } } }
                }
            }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// A decision on a suggested pair, as posted.
#[derive(Debug, Default, Deserialize)]
pub struct PairForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    decision: String,
}

session_form!(PairForm);

async fn post_pair(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<PairForm>, FormRejection>,
) -> Response {
    let (s, f) = match checked_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let decision = match f.decision.as_str() {
        "linked" => Some("linked"),
        "dismissed" => Some("dismissed"),
        "undo" => None,
        _ => return unreadable(&s, StatusCode::BAD_REQUEST),
    };
    // Both signups must be ones this person may see.
    for id in [&f.a, &f.b] {
        if let Err(r) = visible_signup(&state, &s, id).await {
            return r;
        }
    }
    if f.a == f.b {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    let st = state.clone();
    let by = s.username.clone();
    let result = blocking(move || {
        st.store.decide_pair(&f.a, &f.b, decision, &by)?;
        st.store.audit(
            &by,
            "duplicate",
            &crate::service::review::pair_key(&f.a, &f.b),
            decision.unwrap_or("undo"),
        )?;
        Ok(())
    })
    .await;
    if let Err(e) = result {
        return error_page(&s, e);
    }
    Redirect::to("/admin/koer?gemt=1").into_response()
}

/// Every enrolled kiosk with its site, last contact, queue and version (admins only).
async fn kiosks_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (s, catalog) = match page_context(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = admins_only(&s) {
        return r;
    }
    let lang = s.lang;
    let st = state.clone();
    let kiosks = match blocking(move || Ok(st.store.devices()?)).await {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let csrf = s.session.csrf.clone();
    let title = lang.pick("Kiosker", "Kiosks");
    let body = html! {
        p { (lang.pick(
            "En ny kiosk tilmeldes med frivillig-provision enrol-code. Spærring virker med det samme: kiosken afvises, og dens forbindelser lukkes.",
            "A new kiosk is enrolled with frivillig-provision enrol-code. Revoking works at once: the kiosk is refused and its connections are closed.")) }
        table {
            (thead(lang, &[("Kiosk", "Kiosk"), ("Sted", "Site"), ("Sidste kontakt", "Last contact"), ("Tilmeldinger i kø", "Signups queued"), ("Version", "Version"), ("Tilstand", "State")]))
            tbody { @for k in &kiosks { tr {
                td { (k.kiosk_id) }
                td { (site_name(&catalog, &k.site_id)) }
                td { (k.last_contact.as_deref().map_or_else(|| lang.pick("aldrig", "never").to_owned(), danish_time)) }
                td { (k.queued) }
                td { (k.version.as_deref().unwrap_or("–")) }
                td {
                    @if k.revoked { (lang.pick("Spærret", "Revoked")) } @else {
                        form.inline method="post" action=(format!("/admin/kiosker/{}/spaer", k.kiosk_id)) {
                            input type="hidden" name="csrf" value=(csrf);
                            label { input type="checkbox" name="bekraeft" value="ja" required; " " (lang.pick("Bekræft", "Confirm")) }
                            " " button type="submit" { (lang.pick("Spær", "Revoke")) }
                        }
                    }
                }
            } } }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

async fn post_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kiosk_id): Path<String>,
    form: Result<Form<EraseForm>, FormRejection>,
) -> Response {
    let (s, f) = match checked_admin_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if f.bekraeft != "ja" {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    match crate::service::kiosks::revoke(&state, &kiosk_id, &s.username).await {
        Ok(()) => Redirect::to("/admin/kiosker").into_response(),
        Err(ServiceError::NotFound) => {
            let lang = s.lang;
            message(
                lang,
                StatusCode::NOT_FOUND,
                lang.pick("Kiosken findes ikke", "Kiosk not found"),
                lang.pick(
                    "Der er ingen kiosk med det navn.",
                    "There is no kiosk by that name.",
                ),
                Some(&s),
            )
        }
        Err(e) => error_page(&s, e),
    }
}

/// The catalog as an editable text (the same TOML the operator's tool exports and imports),
/// and a form for a new version of the consent text (admins only).
async fn catalog_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let (s, catalog) = match page_context(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = admins_only(&s) {
        return r;
    }
    let text = match frivillig_common::catalog_file::catalog_to_toml(&catalog) {
        Ok(t) => t,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    catalog_editor(
        &s,
        &catalog,
        &text,
        &[],
        saved.gemt.is_some(),
        StatusCode::OK,
    )
}

fn catalog_editor(
    s: &Staff,
    catalog: &Catalog,
    text: &str,
    problems: &[String],
    saved: bool,
    status: StatusCode,
) -> Response {
    let lang = s.lang;
    let csrf = s.session.csrf.clone();
    let current = catalog.current_consent();
    let title = lang.pick("Katalog", "Catalog");
    let body = html! {
        @if saved { p.ok role="status" { (lang.pick("Kataloget er gemt. Kioskerne får det ved deres næste synkronisering.", "The catalog is saved. The kiosks get it at their next sync.")) } }
        p { (catalog.sites.len()) " " (lang.pick("steder", "sites")) ", "
            (catalog.opportunities.len()) " " (lang.pick("job", "jobs")) ", "
            (catalog.opportunities.iter().map(|o| o.shifts.len()).sum::<usize>()) " " (lang.pick("vagter", "shifts")) ", "
            (catalog.ambassadors.len()) " " (lang.pick("ambassadører", "ambassadors")) ", "
            (catalog.handbook.len()) " " (lang.pick("håndbogssider", "handbook pages")) "." }
        section aria-labelledby="edit" {
            h2 id="edit" { label for="catalog" { (lang.pick("Rediger kataloget", "Edit the catalog")) } }
            p.hint id="catalog-hint" { (lang.pick(
                "Steder, job med vagter, pladser og krav, ambassadører og håndbogssider (markdown). Tider skrives som 2026-12-05T10:00:00+01:00. Samtykketekster ændres ikke her: lav en ny version nedenfor.",
                "Sites, jobs with shifts, spots and requirements, ambassadors and handbook pages (markdown). Times are written as 2026-12-05T10:00:00+01:00. Consent texts are not changed here: make a new version below.")) }
            @if !problems.is_empty() {
                div.error role="alert" id="catalog-errors" {
                    p { (lang.pick("Kataloget er ikke gemt. Ret dette og gem igen:", "The catalog was not saved. Correct this and save again:")) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            form method="post" action="/admin/katalog" {
                input type="hidden" name="csrf" value=(csrf);
                textarea id="catalog" name="toml" rows="30" cols="100" spellcheck="false"
                    aria-describedby=(if problems.is_empty() { "catalog-hint" } else { "catalog-hint catalog-errors" })
                    aria-invalid=[(!problems.is_empty()).then_some("true")] { (text) }
                br; button type="submit" { (lang.pick("Gem kataloget", "Save the catalog")) }
            }
        }
        section aria-labelledby="consent" {
            h2 id="consent" { (lang.pick("Ny version af samtykketeksten", "New version of the consent text")) }
            p { (lang.pick(
                "En tekst, som nogen har sagt ja til, ændres aldrig. En ny version gælder for nye tilmeldinger; hver tilmelding husker den version, personen accepterede.",
                "A text someone has agreed to is never changed. A new version applies to new signups; each signup records the version the person accepted.")) }
            @if let Some(c) = current {
                p { (lang.pick("Gældende version: ", "Current version: ")) (c.version) }
            }
            form method="post" action="/admin/katalog/samtykke" {
                input type="hidden" name="csrf" value=(csrf);
                p { label for="text_da" { (lang.pick("Tekst på dansk", "Text in Danish")) } br;
                    textarea id="text_da" name="text_da" rows="4" cols="80" required { (current.map_or("", |c| c.text_da.as_str())) } }
                p { label for="text_en" { (lang.pick("Tekst på engelsk", "Text in English")) } br;
                    textarea id="text_en" name="text_en" rows="4" cols="80" required { (current.map_or("", |c| c.text_en.as_str())) } }
                button type="submit" { (lang.pick("Gem som ny version", "Save as a new version")) }
            }
        }
    };
    let mut r = secure(layout(lang, Some(s), title, body));
    *r.status_mut() = status;
    r
}

/// The catalog text as posted.
#[derive(Debug, Default, Deserialize)]
pub struct CatalogForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    toml: String,
}

/// A new consent version as posted.
#[derive(Debug, Default, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text_da: String,
    #[serde(default)]
    text_en: String,
}

session_form!(CatalogForm, ConsentForm);

async fn post_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CatalogForm>, FormRejection>,
) -> Response {
    let (s, f) = match checked_admin_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let current = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let lang = s.lang;
    let line = lang.pick("linje", "line");
    let parsed = frivillig_common::catalog_file::parse_catalog_toml(&f.toml).map_err(|problems| {
        problems
            .iter()
            .map(|p| match p.line {
                Some(n) => format!("{line} {n}: {}", p.message),
                None => p.message.clone(),
            })
            .collect::<Vec<_>>()
    });
    let catalog = match parsed {
        // Consent texts change only through a new version, never in this text.
        Ok(c) if c.consent_texts != current.consent_texts => Err(vec![lang
            .pick(
                "Samtykketeksterne må ikke ændres her. Lav en ny version med formularen nedenfor.",
                "The consent texts may not be changed here. Make a new version with the form below.",
            )
            .to_owned()]),
        other => other,
    };
    let catalog = match catalog {
        Ok(c) => c,
        Err(problems) => {
            return catalog_editor(
                &s,
                &current,
                &f.toml,
                &problems,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    if let Err(e) = crate::service::catalog::replace_catalog(&state, catalog, &s.username).await {
        let problems = vec![match e {
            ServiceError::Invalid(m) | ServiceError::Conflict(m) => m,
            other => other.to_string(),
        }];
        return catalog_editor(
            &s,
            &current,
            &f.toml,
            &problems,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    Redirect::to("/admin/katalog?gemt=1").into_response()
}

async fn post_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ConsentForm>, FormRejection>,
) -> Response {
    let (s, f) = match checked_admin_form(&state, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (da, en) = (f.text_da.trim(), f.text_en.trim());
    if da.is_empty() || en.is_empty() || da.len() > 10_000 || en.len() > 10_000 {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    let mut catalog = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let version = catalog.current_consent().map_or(1, |c| c.version + 1);
    catalog
        .consent_texts
        .push(frivillig_common::domain::ConsentText {
            version,
            text_da: da.to_owned(),
            text_en: en.to_owned(),
        });
    if let Err(e) = crate::service::catalog::replace_catalog(&state, catalog, &s.username).await {
        return error_page(&s, e);
    }
    Redirect::to("/admin/katalog?gemt=1").into_response()
}
