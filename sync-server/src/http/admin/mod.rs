//! The coordinators' web app at `/admin`: log in, find signups, follow them up, export.
//!
//! Rendered on the server (maud) and usable without JavaScript. A session is an HttpOnly,
//! SameSite=Strict cookie scoped to `/admin` (Secure when the public address is https);
//! every form carries the session's CSRF token, and the login form a token of its own in a
//! cookie (double submit). Coordinators see only the signups of their sites; admins see all.
//! Every change is committed to the server's store, which is the authority for
//! coordinators' work (a status change also goes into the journal, so kiosks learn it), and
//! into the audit log.
//!
//! Layout: one file per page family ([`auth`], [`account`], [`list`], [`signup`], [`review`],
//! [`overview`], [`kiosks`], [`refused`], [`tokens`], [`catalog`], [`audit`], [`outbox`], [`letters`], [`templates`]); [`staff`] the extractors that check
//! the session, role and CSRF token once for every handler; [`page`] the layout and the
//! names pages show.

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::http::web::stylesheet;

/// Implements [`staff::SessionForm`] for forms with a `csrf` field (defined before the
/// modules that use it).
macro_rules! session_form {
    ($($t:ty),*) => {$(
        impl super::staff::SessionForm for $t {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}

mod account;
mod attendance;
mod audit;
mod auth;
mod catalog;
mod events;
mod follow_up;
mod form;
mod handbook;
mod jobs;
mod kiosks;
mod letters;
mod list;
mod outbox;
mod overview;
mod page;
mod photo;
mod places;
mod prize;
mod refused;
mod review;
mod shifts;
mod signup;
mod staff;
mod stories;
mod templates;
mod tokens;

/// The admin app's routes.
pub fn routes() -> Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    Router::new()
        .route("/admin", get(auth::home))
        .route("/admin/login", get(auth::login_page).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route("/admin/tilmeldinger", get(list::signups_page))
        .route("/admin/tilmeldinger/eksport.csv", get(list::export_csv))
        .route("/admin/tilmeldinger/{signup_id}", get(signup::signup_page))
        .route(
            "/admin/tilmeldinger/{signup_id}/status",
            post(signup::post_status),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/fulgt-op",
            post(follow_up::post_followed_up),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/note",
            post(signup::post_note),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/tildel",
            post(signup::post_assign),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/slet",
            post(signup::post_erase),
        )
        .route("/admin/log", get(audit::audit_page))
        .route("/admin/udbakke", get(outbox::outbox_page))
        .route(
            "/admin/besked",
            get(letters::letter_page).post(letters::post_letter),
        )
        .route("/admin/udbakke/{seq}", get(outbox::message_page))
        .route("/admin/skabeloner", get(templates::templates_page))
        .route(
            "/admin/skabeloner/{kind}",
            get(templates::template_page).post(templates::post_template),
        )
        .route(
            "/admin/api-noegler",
            get(tokens::tokens_page).post(tokens::post_token),
        )
        .route("/admin/api-noegler/spaer", post(tokens::post_revoke_token))
        .route("/admin/konto", get(account::account_page))
        .route("/admin/konto/adgangskode", post(account::post_password))
        .route("/admin/konto/totp", post(account::post_totp))
        .route("/admin/konto/totp/fra", post(account::post_totp_off))
        .route("/admin/afviste", get(refused::refused_page))
        .route("/admin/oversigt", get(overview::overview_page))
        .route("/admin/oversigt/strategi.csv", get(overview::strategy_csv))
        .route("/admin/koer", get(review::queues_page))
        .route("/admin/koer/dublet", post(review::post_pair))
        .route("/admin/kiosker", get(kiosks::kiosks_page))
        .route(
            "/admin/katalog",
            get(catalog::catalog_page).post(catalog::post_catalog),
        )
        .route("/admin/katalog/samtykke", post(catalog::post_consent))
        .route("/admin/steder", get(places::places_page))
        .route(
            "/admin/steder/ny",
            get(places::new_site_page).post(places::post_new_site),
        )
        .route(
            "/admin/steder/{site_id}",
            get(places::site_page).post(places::post_site),
        )
        .route(
            "/admin/ambassadoerer/ny",
            get(places::new_ambassador_page).post(places::post_new_ambassador),
        )
        .route(
            "/admin/ambassadoerer/{ambassador_id}",
            get(places::ambassador_page).post(places::post_ambassador),
        )
        .route(
            "/admin/job/{job_id}/foto",
            get(photo::job_photo_page)
                .post(photo::post_job_photo)
                .layer(DefaultBodyLimit::max(photo::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/admin/job/{job_id}/foto/fjern",
            post(photo::post_job_photo_remove),
        )
        .route(
            "/admin/ambassadoerer/{ambassador_id}/foto",
            get(photo::ambassador_photo_page)
                .post(photo::post_ambassador_photo)
                .layer(DefaultBodyLimit::max(photo::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/admin/ambassadoerer/{ambassador_id}/foto/fjern",
            post(photo::post_ambassador_photo_remove),
        )
        .route("/admin/haandbog", get(handbook::handbook_page))
        .route("/admin/haandbog/forhaandsvis", post(handbook::post_preview))
        .route("/admin/forhaandsvis.js", get(handbook::preview_script))
        .route(
            "/admin/haandbog/ny",
            get(handbook::new_page).post(handbook::post_new_page),
        )
        .route(
            "/admin/haandbog/{page_id}",
            get(handbook::page).post(handbook::post_page),
        )
        .route("/admin/haandbog/{page_id}/{to}", post(handbook::post_order))
        .route("/admin/arrangementer", get(events::events_page))
        .route("/admin/arrangementer/{job_id}", get(events::event_page))
        .route(
            "/admin/arrangementer/{job_id}/inviter",
            get(events::invite_page).post(events::post_invite),
        )
        .route(
            "/admin/arrangementer/{job_id}/paamind",
            post(events::post_remind),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/fremmoede",
            post(attendance::post_mark),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/timer",
            post(attendance::post_hours),
        )
        .route(
            "/admin/tilmeldinger/{signup_id}/timer/{index}/fjern",
            post(attendance::post_remove),
        )
        .route("/admin/priser", get(prize::nominations_page))
        .route(
            "/admin/priser/{nomination_id}/laest",
            post(prize::post_read),
        )
        .route(
            "/admin/priser/{nomination_id}/slet",
            post(prize::post_delete),
        )
        .route("/admin/historier", get(stories::stories_page))
        .route(
            "/admin/historier/ny",
            get(stories::new_story_page).post(stories::post_new_story),
        )
        .route(
            "/admin/historier/{story_id}",
            get(stories::story_page).post(stories::post_story),
        )
        .route(
            "/admin/historier/{story_id}/udgiv",
            post(stories::post_publish),
        )
        .route(
            "/admin/historier/{story_id}/afpublicer",
            post(stories::post_unpublish),
        )
        .route(
            "/admin/historier/{story_id}/foto",
            get(photo::story_photo_page)
                .post(photo::post_story_photo)
                .layer(DefaultBodyLimit::max(photo::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/admin/historier/{story_id}/foto/fjern",
            post(photo::post_story_photo_remove),
        )
        .route("/admin/job", get(jobs::jobs_page))
        .route(
            "/admin/job/ny",
            get(jobs::new_job_page).post(jobs::post_new_job),
        )
        .route(
            "/admin/job/{job_id}",
            get(jobs::job_page).post(jobs::post_job),
        )
        .route("/admin/job/{job_id}/vagter", post(shifts::post_series))
        .route(
            "/admin/job/{job_id}/vagter/{shift_id}",
            get(shifts::shift_page_get),
        )
        .route(
            "/admin/job/{job_id}/vagter/{shift_id}/flyt",
            post(shifts::post_move),
        )
        .route(
            "/admin/job/{job_id}/vagter/{shift_id}/aflys",
            post(shifts::post_cancel),
        )
        .route("/admin/kiosker/{kiosk_id}/spaer", post(kiosks::post_revoke))
        .route("/admin/stil.css", get(|| async { stylesheet(CSS) }))
}

/// The style sheet of every admin page, served as a file (the CSP allows styles from this
/// server only).
const CSS: &str = include_str!("admin.css");

/// Where pages link [`CSS`] from; the version makes a browser fetch it anew after an upgrade.
const CSS_PATH: &str = concat!("/admin/stil.css?v=", env!("CARGO_PKG_VERSION"));
