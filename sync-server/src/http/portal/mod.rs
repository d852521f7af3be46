//! The public portal: the volunteer jobs (`/frivilligjob`, one page per job, which the
//! posters' QR codes open) and the receipt page, what a kiosk's QR code opens. The link carries the
//! signup id and a random token whose SHA-256 the signup record holds, so the link is the
//! key: whoever holds it sees the signup's status and job, can withdraw it, and can download
//! the data held about it. Pages are rendered on the server (maud), in Danish or English,
//! and work without JavaScript.
//!
//! A wrong token and a signup that has not arrived yet look the same: "on its way". That
//! tells a stranger with a guessed link nothing, and a visitor who scans the code before the
//! kiosk has synced is told kindly to look again later.
//!
//! Layout: [`jobs`] the job pages and the signup form, [`events`] the events and the
//! answers to invitations, [`receipt`] the receipt pages,
//! [`info`] ambassadors, handbook and accessibility statement, [`page`] what they share.

mod events;
mod front;
mod info;
mod jobs;
mod min_side;
mod page;
mod photos;
mod prize;
mod receipt;

pub(crate) use page::markdown_html;
pub(crate) use photos::photo_response;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::http::web::stylesheet;

/// The portal's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(front::front_page))
        .route("/historier", get(front::stories_page))
        .route("/historier/{story_id}", get(front::story_page))
        .route("/frivilligjob", get(jobs::jobs_page))
        .route("/frivilligjob/{opportunity_id}", get(jobs::job_page))
        .route(
            "/frivilligjob/{opportunity_id}/tilmeld",
            post(jobs::job_signup),
        )
        .route("/arrangementer", get(events::events_page))
        .route(
            "/frivillighedspris",
            get(prize::prize_page).post(prize::post_prize),
        )
        .route(
            "/invitation/{token}",
            get(events::invitation_page).post(events::post_answer),
        )
        .route("/foto/{photo_id}/{size}", get(photos::photo))
        .route("/ambassadoerer", get(info::ambassadors_page))
        .route("/haandbog", get(info::handbook_page))
        .route("/haandbog/{page_id}", get(info::handbook_page_one))
        .route("/tilgaengelighed", get(info::accessibility_page))
        .route(
            "/kvittering/{signup_id}/{token}",
            get(receipt::receipt_page),
        )
        .route(
            "/kvittering/{signup_id}/{token}/tilbagetraek",
            post(receipt::withdraw),
        )
        .route(
            "/kvittering/{signup_id}/{token}/data",
            get(receipt::download),
        )
        .route(
            "/kvittering/{signup_id}/{token}/vagt.ics",
            get(receipt::calendar_file),
        )
        .route("/stil.css", get(|| async { stylesheet(page::CSS) }))
        .merge(min_side::routes())
}
