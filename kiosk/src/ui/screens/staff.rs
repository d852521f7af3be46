//! The staff PIN pad and staff mode.

use egui::{Button, RichText, Ui, vec2};

use crate::state::{Event, KioskState, Lang};
use crate::ui::View;
use crate::ui::look::{ERROR, GREEN};

use super::*;

pub(super) fn pin_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
    let lang = state.lang;
    ui.horizontal(|ui| back_button(ui, lang, ev));
    ui.vertical_centered(|ui| {
        heading(ui, lang.pick("Personale", "Staff"));
        ui.label(lang.pick("Skriv PIN-koden", "Enter the PIN"));
        let dots: String = state.pin_entry.chars().map(|_| '•').collect();
        ui.label(
            RichText::new(if dots.is_empty() {
                " ".to_owned()
            } else {
                dots
            })
            .size(48.0),
        );
        if state.pin_locked(view.now) {
            ui.label(
                RichText::new(lang.pick(
                    "For mange forkerte forsøg. Prøv igen om fem minutter.",
                    "Too many wrong attempts. Try again in five minutes.",
                ))
                .color(ERROR),
            );
        } else if state.pin_wrong {
            ui.label(RichText::new(lang.pick("Forkert PIN-kode.", "Wrong PIN.")).color(ERROR));
        }
        for row in ["123", "456", "789", "C0"] {
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - 3.0 * 136.0) / 2.0).max(0.0));
                for d in row.chars() {
                    let text = if d == 'C' {
                        lang.pick("Ryd", "Clear").to_owned()
                    } else {
                        d.to_string()
                    };
                    if ui
                        .add(
                            Button::new(RichText::new(text).size(36.0)).min_size(vec2(120.0, 96.0)),
                        )
                        .clicked()
                    {
                        ev.push(if d == 'C' {
                            Event::PinClear
                        } else {
                            Event::PinDigit(d)
                        });
                    }
                }
            });
        }
    });
}

pub(super) fn staff_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, ev: &mut Events) {
    ui.horizontal(|ui| back_button(ui, lang, ev));
    heading(ui, lang.pick("Personale", "Staff"));
    actions_ui(ui, view, lang, ev);
    ui.add_space(16.0);
    // The board grows with the evening's shifts and the site's kiosks: it scrolls.
    egui::ScrollArea::vertical().show(ui, |ui| status_ui(ui, view, lang));
}

/// The connection, the kiosk's identity, its problems, and tonight's board.
fn status_ui(ui: &mut Ui, view: &View<'_>, lang: Lang) {
    let s = view.status;
    let online = if s.revoked {
        RichText::new(lang.pick(
            "Spærret af serveren: kontakt IT",
            "Revoked by the server: call IT",
        ))
        .color(ERROR)
    } else if s.online {
        RichText::new(lang.pick("Online", "Online")).color(GREEN)
    } else {
        RichText::new(lang.pick(
            "Offline: tilmeldinger gemmes her",
            "Offline: signups are kept here",
        ))
        .color(ERROR)
    };
    let never = lang.pick("aldrig", "never").to_owned();
    egui::Grid::new("staff")
        .num_columns(2)
        .spacing(vec2(32.0, 12.0))
        .show(ui, |ui| {
            ui.label(lang.pick("Forbindelse", "Connection"));
            ui.label(online.strong());
            ui.end_row();
            let rows: [(&str, String); 7] = [
                (
                    lang.pick("Sidste kontakt", "Last contact"),
                    s.last_contact.clone().unwrap_or(never),
                ),
                (
                    lang.pick("Tilmeldinger i kø", "Signups queued"),
                    s.queued_signups.to_string(),
                ),
                (
                    lang.pick(
                        "Journaler her / ikke kvitteret",
                        "Journals here / not acknowledged",
                    ),
                    format!("{} / {}", s.journals_held, s.unacked_journals),
                ),
                (
                    lang.pick("Enheds-id", "Device id"),
                    view.kiosk_id.to_owned(),
                ),
                (
                    lang.pick("Sted", "Site"),
                    view.site_name(view.site_id).to_owned(),
                ),
                (lang.pick("Server", "Server"), view.server_url.to_owned()),
                (
                    lang.pick("Version", "Version"),
                    env!("CARGO_PKG_VERSION").to_owned(),
                ),
            ];
            for (k, v) in rows {
                ui.label(k);
                ui.label(RichText::new(v).strong());
                ui.end_row();
            }
            let refused = s.refused.last().map(|r| {
                let (da, en) = r.reason.text();
                let n = s.refused.len();
                lang.pick(
                    &format!("{n} afvist af serveren; senest: {da}. Kontakt IT."),
                    &format!("{n} refused by the server; last: {en}. Call IT."),
                )
                .to_owned()
            });
            let problems = [
                (lang.pick("Sidste fejl", "Last error"), &s.last_error),
                (lang.pick("Katalog", "Catalog"), &s.catalog_refused),
                (lang.pick("Tilmeldinger", "Signups"), &refused),
            ];
            for (k, problem) in problems {
                if let Some(e) = problem {
                    ui.label(k);
                    ui.label(RichText::new(e).color(ERROR));
                    ui.end_row();
                }
            }
        });
    board_ui(ui, view, lang);
}

/// Staff's actions, first on the screen so that they are in reach on any screen.
fn actions_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, ev: &mut Events) {
    ui.horizontal_wrapped(|ui| {
        if primary(
            ui,
            lang.pick("Tjek frivillige ind", "Check volunteers in"),
            360.0,
        )
        .clicked()
        {
            ev.push(Event::OpenCheckIn);
        }
        if primary(ui, lang.pick("Kiosker i nærheden", "Nearby kiosks"), 360.0).clicked() {
            ev.push(Event::OpenPeers);
        }
        if primary(ui, lang.pick("Synkronisér nu", "Sync now"), 360.0).clicked() {
            ev.push(Event::SyncNow);
        }
        if view.kiosk_mode
            && primary(ui, lang.pick("Forlad kioskmode", "Leave kiosk mode"), 360.0).clicked()
        {
            ev.push(Event::LeaveKioskMode);
        }
        if secondary(ui, lang.pick("Luk personalemenu", "Close staff menu")).clicked() {
            ev.push(Event::Home);
        }
    });
}

/// Tonight's shifts: signed up, checked in and missing over every journal the kiosk holds,
/// and when each kiosk of the site was last heard from. No names: the kiosk cannot open
/// them.
fn board_ui(ui: &mut Ui, view: &View<'_>, lang: Lang) {
    ui.add_space(16.0);
    ui.label(
        RichText::new(lang.pick("Vagter i aften", "Tonight's shifts"))
            .size(32.0)
            .strong(),
    );
    if view.board.is_empty() {
        ui.label(lang.pick(
            "Ingen vagter her de næste timer.",
            "No shifts here in the hours ahead.",
        ));
    }
    egui::Grid::new("board")
        .num_columns(2)
        .spacing(vec2(32.0, 8.0))
        .show(ui, |ui| {
            for s in view.board {
                let job = view
                    .catalog
                    .and_then(|c| c.opportunity(&s.opportunity_id))
                    .map_or(s.opportunity_id.as_str(), |o| view.title(lang, o));
                ui.label(format!(
                    "{job}, {}",
                    frivillig_common::text::shift_label(lang, &s.starts, &s.ends)
                ));
                ui.label(
                    RichText::new(match lang {
                        Lang::Da => format!(
                            "{} tilmeldt, {} tjekket ind, {} mangler",
                            s.signed_up,
                            s.checked_in,
                            s.missing()
                        ),
                        Lang::En => format!(
                            "{} signed up, {} checked in, {} missing",
                            s.signed_up,
                            s.checked_in,
                            s.missing()
                        ),
                    })
                    .strong(),
                );
                ui.end_row();
            }
            for (id, seen) in view.peers {
                ui.label(id);
                let at = seen.at.get(11..16).unwrap_or(&seen.at);
                ui.label(match lang {
                    Lang::Da => format!("hørt fra kl. {at}"),
                    Lang::En => format!("last heard at {at}"),
                });
                ui.end_row();
            }
        });
}
