//! The invitation to an event and its one reminder, in the person's language. Pure: event,
//! person and links in, [`NewMessage`] out.
//!
//! Each carries two links, yes and no. They open a page with the answer's button rather
//! than answering at once: mail filters (Safe Links and the like) open every link in a
//! message before the person sees it, and would otherwise answer for them.

use frivillig_common::domain::{Catalog, Opportunity};
use frivillig_common::text::{Lang, job_title, shift_label};

use crate::store::outbox::{Channel, MessageKind, NewMessage};

/// Where and when an event is, in `lang`, as its invitations and pages say it.
pub fn event_place_and_time(
    catalog: &Catalog,
    event: &Opportunity,
    lang: Lang,
) -> (String, String) {
    let site = catalog.sites.iter().find(|s| s.id == event.site_id);
    let place = match (&event.event, site) {
        (Some(e), _) if !e.place.trim().is_empty() => e.place.trim().to_owned(),
        (_, Some(s)) if !s.address.trim().is_empty() => format!("{}, {}", s.name, s.address),
        (_, Some(s)) => s.name.clone(),
        _ => String::new(),
    };
    let when = event
        .shifts
        .iter()
        .map(|s| shift_label(lang, &s.starts, &s.ends))
        .collect::<Vec<_>>()
        .join("; ");
    (place, when)
}

/// What an invitation needs besides the event.
pub struct Invite<'a> {
    /// The address.
    pub to: &'a str,
    /// The name to greet.
    pub name: &'a str,
    /// Their language.
    pub lang: Lang,
    /// The page that answers yes (it shows the button).
    pub yes: String,
    /// The page that answers no.
    pub no: String,
    /// Who invites: the municipality's name as the sender shows it.
    pub sender: &'a str,
    /// One of the person's signups, if they have one: the message is filed under it, so
    /// erasing the person takes it too.
    pub signup_id: Option<&'a str>,
}

fn body(catalog: &Catalog, event: &Opportunity, i: &Invite<'_>, reminder: bool) -> String {
    let (place, when) = event_place_and_time(catalog, event, i.lang);
    let title = job_title(i.lang, event);
    let (description, _) = event.description(i.lang);
    let deadline = event
        .event
        .as_ref()
        .and_then(|e| e.register_until.clone())
        .map(|d| match i.lang {
            Lang::Da => format!("Svar senest {d}.\n\n"),
            Lang::En => format!("Please answer by {d}.\n\n"),
        })
        .unwrap_or_default();
    let (opening, yes, no, footer) = match i.lang {
        Lang::Da => (
            if reminder {
                format!(
                    "Kære {}\n\nVi har endnu ikke hørt, om du kommer til {title}. Vi håber, \
                     du har lyst.",
                    i.name
                )
            } else {
                format!("Kære {}\n\n{} inviterer dig til {title}.", i.name, i.sender)
            },
            "Ja, jeg kommer",
            "Nej tak",
            format!(
                "Du får invitationen, fordi du er frivillig hos {}. Vil du ikke have flere \
                 invitationer, kan du sige fra på siden bag linkene.",
                i.sender
            ),
        ),
        Lang::En => (
            if reminder {
                format!(
                    "Dear {}\n\nWe have not heard yet whether you are coming to {title}. We \
                     hope you would like to.",
                    i.name
                )
            } else {
                format!("Dear {}\n\n{} invites you to {title}.", i.name, i.sender)
            },
            "Yes, I am coming",
            "No, thank you",
            format!(
                "You get this invitation because you volunteer with {}. To get no more \
                 invitations, say so on the page behind the links.",
                i.sender
            ),
        ),
    };
    let (when_label, where_label) = (i.lang.pick("Hvornår", "When"), i.lang.pick("Hvor", "Where"));
    format!(
        "{opening}\n\n{when_label}: {when}\n{where_label}: {place}\n\n{}\n\n{deadline}{yes}: {}\n{no}: {}\n\n--\n{footer}\n",
        description.trim(),
        i.yes,
        i.no
    )
}

fn message(catalog: &Catalog, event: &Opportunity, i: &Invite<'_>, reminder: bool) -> NewMessage {
    let title = job_title(i.lang, event);
    let subject = match (reminder, i.lang) {
        (false, _) => format!("Invitation: {title}"),
        (true, Lang::Da) => format!("Kommer du? {title}"),
        (true, Lang::En) => format!("Are you coming? {title}"),
    };
    NewMessage {
        channel: Channel::Email,
        kind: if reminder {
            MessageKind::InvitationReminder
        } else {
            MessageKind::Invitation
        },
        to: i.to.to_owned(),
        signup_id: i.signup_id.map(str::to_owned),
        subject,
        body: body(catalog, event, i, reminder),
        ics: None,
    }
}

/// The invitation.
pub fn invitation(catalog: &Catalog, event: &Opportunity, i: &Invite<'_>) -> NewMessage {
    message(catalog, event, i, false)
}

/// The one reminder to someone who has not answered.
pub fn reminder(catalog: &Catalog, event: &Opportunity, i: &Invite<'_>) -> NewMessage {
    message(catalog, event, i, true)
}
