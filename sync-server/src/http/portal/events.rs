//! Events on the portal: the list of those open to all (each registers on its own page, the
//! same form as a job's, so a registration is a signup with a receipt), what the event page
//! adds to a job's (kind, place, last day), and the answer to an invitation through its
//! link. The link is the key, as a receipt's is; a GET only shows the button, because mail
//! filters open every link in a message before the person does.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::domain::{Catalog, Opportunity};
use frivillig_common::text::job_title;

use crate::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::ApiError;
use crate::http::web::{Lang, PageLang, secure};
use crate::service::catalog::offered_catalog_and_taken;
use crate::service::invitations;
use crate::service::mail::invitation::event_place_and_time;
use crate::store::invitations::Answered;

use super::page::{LangQuery, message_page, page};

/// Answers one address may send in a minute (as many as web signups).
const ANSWERS_PER_MINUTE: u32 = 10;

/// The events open to all that take registrations now, soonest first.
pub(super) async fn events_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let (catalog, _) = offered_catalog_and_taken(&state).await?;
    let events = catalog.events_by_time();
    let body = html! {
        p { (lang.pick(
            "Temamøder, introduktionsmøder og fester for frivillige, medarbejdere og alle, der vil være med. Tilmeld dig på arrangementets side.",
            "Theme meetings, introduction meetings and parties for volunteers, staff and everyone who wants to join. Register on the event's page."
        )) }
        @if events.is_empty() { p { (lang.pick("Der er ingen arrangementer med åben tilmelding lige nu.", "There are no events open for registration right now.")) } }
        @else { ul.jobs { @for o in &events { li { (event_item(lang, &catalog, o)) } } } }
    };
    Ok(secure(page(
        lang,
        lang.pick("Arrangementer", "Events"),
        &format!("/arrangementer{}", lang.other_query()),
        body,
    )))
}

/// One event in a list: its title as a link, its kind and time.
pub(crate) fn event_item(lang: Lang, catalog: &Catalog, o: &Opportunity) -> Markup {
    let (_, when) = event_place_and_time(catalog, o, lang);
    let kind = o.event.as_ref().map_or("", |e| e.kind.name(lang));
    html! {
        a href=(format!("/frivilligjob/{}{}", o.id, lang.query())) { (job_title(lang, o)) }
        " · " (kind) " · " (when)
    }
}

/// What an event's page says beside a job's: what kind of event, where, and the last day to
/// register.
pub(super) fn event_facts(lang: Lang, catalog: &Catalog, o: &Opportunity) -> Markup {
    let Some(e) = &o.event else {
        return html! {};
    };
    let (place, _) = event_place_and_time(catalog, o, lang);
    html! {
        p.event { strong { (e.kind.name(lang)) } " · " (lang.pick("Hvor", "Where")) ": " (place) }
        @if let Some(d) = &e.register_until {
            p { (lang.pick("Tilmelding senest", "Register by")) " " (d) "." }
        }
    }
}

/// `?svar=ja` or `?svar=nej`, as the invitation's links carry it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AnswerQuery {
    #[serde(default)]
    svar: String,
    /// The language switch's choice; the person's own language otherwise.
    lang: Option<String>,
}

/// The answer as posted: `ja`, `nej` or `stop` (no more invitations).
#[derive(Debug, Default, Deserialize)]
pub(super) struct AnswerForm {
    #[serde(default)]
    svar: String,
}

fn unknown_link() -> Response {
    message_page(
        Lang::Da,
        StatusCode::NOT_FOUND,
        "Linket virker ikke / The link does not work",
        "Invitationen findes ikke længere, eller linket er ikke helt med. / The invitation no longer exists, or the link is not complete.",
        "/",
    )
}

/// The page behind an invitation's link: the event and the button that answers.
pub(super) async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<AnswerQuery>,
) -> Result<Response, ApiError> {
    let Some((inv, o, catalog)) = invitations::by_link(&state, &token).await? else {
        return Ok(unknown_link());
    };
    let lang = Lang::of_code(q.lang.as_deref().unwrap_or(&inv.lang));
    let (place, when) = event_place_and_time(&catalog, &o, lang);
    let coming = q.svar != "nej";
    let other = if lang == Lang::En { "da" } else { "en" };
    let switch_to = format!(
        "/invitation/{token}?svar={}&lang={other}",
        if coming { "ja" } else { "nej" }
    );
    let action = format!("/invitation/{token}");
    let body = html! {
        p { (lang.pick("Hvornår", "When")) ": " (when) }
        p { (lang.pick("Hvor", "Where")) ": " (place) }
        @match &inv.answer {
            Some(a) if a.coming => p role="status" { (lang.pick("Du har sagt ja tak. Vi glæder os til at se dig.", "You said yes. We look forward to seeing you.")) },
            Some(_) => p role="status" { (lang.pick("Du har sagt nej tak.", "You said no, thank you.")) },
            None => p { (lang.pick("Du har ikke svaret endnu.", "You have not answered yet.")) },
        }
        form method="post" action=(action) {
            input type="hidden" name="svar" value=(if coming { "ja" } else { "nej" });
            button type="submit" { (if coming { lang.pick("Ja, jeg kommer", "Yes, I am coming") } else { lang.pick("Nej tak, jeg kommer ikke", "No, I am not coming") }) }
        }
        form method="post" action=(format!("/invitation/{token}")) {
            input type="hidden" name="svar" value=(if coming { "nej" } else { "ja" });
            button.secondary type="submit" { (if coming { lang.pick("Nej tak, jeg kommer ikke", "No, I am not coming") } else { lang.pick("Ja, jeg kommer alligevel", "Yes, I am coming after all") }) }
        }
        h2 { (lang.pick("Ingen flere invitationer?", "No more invitations?")) }
        form method="post" action=(format!("/invitation/{token}")) {
            input type="hidden" name="svar" value="stop";
            button.secondary type="submit" { (lang.pick("Send mig ikke flere invitationer", "Send me no more invitations")) }
        }
    };
    Ok(secure(page(lang, job_title(lang, &o), &switch_to, body)))
}

/// Record the answer (a second, equal answer changes nothing) or the wish for no more.
pub(super) async fn post_answer(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
    form: Result<Form<AnswerForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let back = format!("/invitation/{token}");
    if !state
        .limits
        .web_signups
        .allow_address(client, ANSWERS_PER_MINUTE)
    {
        return Ok(message_page(
            Lang::Da,
            StatusCode::TOO_MANY_REQUESTS,
            "For mange svar / Too many answers",
            "Vent et minut, og prøv igen. / Wait a minute and try again.",
            &back,
        ));
    }
    let Ok(Form(f)) = form else {
        return Ok(unknown_link());
    };
    if f.svar == "stop" {
        let Some((inv, _, _)) = invitations::by_link(&state, &token).await? else {
            return Ok(unknown_link());
        };
        invitations::stop(&state, &token).await?;
        let lang = Lang::of_code(&inv.lang);
        return Ok(message_page(
            lang,
            StatusCode::OK,
            lang.pick("Du får ikke flere invitationer", "You will get no more invitations"),
            lang.pick(
                "Vi har noteret, at du ikke vil have flere invitationer. Dine tilmeldinger som frivillig er som før.",
                "We have noted that you want no more invitations. Your signups as a volunteer stay as they were.",
            ),
            &back,
        ));
    }
    let coming = match f.svar.as_str() {
        "ja" => true,
        "nej" => false,
        _ => return Ok(unknown_link()),
    };
    let Some(outcome) = invitations::answer(&state, &token, coming).await? else {
        return Ok(unknown_link());
    };
    let (inv, text) = match &outcome {
        Answered::Recorded(i) | Answered::Unchanged(i) if coming => (
            i,
            (
                "Tak, du er tilmeldt. Vi glæder os til at se dig.",
                "Thank you, you are registered. We look forward to seeing you.",
            ),
        ),
        Answered::Recorded(i) | Answered::Unchanged(i) => (
            i,
            (
                "Tak for svaret. Vi håber at se dig en anden gang.",
                "Thank you for answering. We hope to see you another time.",
            ),
        ),
        Answered::Full(i) => (
            i,
            (
                "Der er desværre ikke flere pladser. Dit svar er ikke gemt; skriv til os, hvis du vil på venteliste.",
                "Sorry, there are no places left. Your answer was not saved; write to us to join a waiting list.",
            ),
        ),
    };
    let lang = Lang::of_code(&inv.lang);
    let status = if matches!(outcome, Answered::Full(_)) {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(message_page(
        lang,
        status,
        lang.pick("Dit svar", "Your answer"),
        lang.pick(text.0, text.1),
        &back,
    ))
}
