//! The setup screen of a kiosk without a configuration.

use egui::{Button, Color32, Frame, RichText, ScrollArea, Ui, vec2};

use crate::state::Lang;
use crate::state::setup::{SetupEvent, SetupField, SetupState};
use crate::ui::keyboard::keyboard_ui;
use crate::ui::look::{BLUE, ERROR, MUTED, TOUCH};

use super::*;

/// The screen of a kiosk that is not set up, in both languages at once (whoever stands in
/// front of it may not read Danish): what is wrong, and a form to enrol with a one-time code.
pub fn setup_ui(
    ui: &mut Ui,
    problem: &str,
    config_path: &str,
    state: &SetupState,
) -> Vec<SetupEvent> {
    let mut ev = Vec::new();
    if let Some(field) = state.focus {
        egui::Panel::bottom("setup-keyboard")
            .frame(
                Frame::new()
                    .fill(Color32::from_rgb(0xDD, 0xE3, 0xEA))
                    .inner_margin(12),
            )
            .show(ui, |ui| {
                if let Some(key) = keyboard_ui(ui, field.layout(), false, Lang::Da) {
                    ev.push(SetupEvent::Key(key));
                }
            });
    }
    egui::CentralPanel::default()
        .frame(Frame::new().fill(Color32::WHITE).inner_margin(40))
        .show(ui, |ui| {
            ScrollArea::vertical().show(ui, |ui| {
                let width = ui.available_width().min(1000.0);
                heading(ui, "Kiosken er ikke sat op endnu");
                ui.label(RichText::new("This kiosk is not set up yet").size(32.0).color(MUTED));
                ui.label(RichText::new(problem).size(21.0).color(MUTED));
                ui.label(
                    "Bed kommunens IT om en engangskode (frivillig-provision enrol-code), og skriv den her \
                     sammen med serverens adresse. / Ask IT for a one-time code and type it here with \
                     the server's address.",
                );
                let server = "Serverens adresse / Server address";
                if entry_ui(ui, server, &state.server, state.focus == Some(SetupField::Server), false, width).clicked() {
                    ev.push(SetupEvent::Focus(SetupField::Server));
                }
                let code = "Engangskode / One-time code";
                if entry_ui(ui, code, &state.code, state.focus == Some(SetupField::Code), false, width).clicked() {
                    ev.push(SetupEvent::Focus(SetupField::Code));
                }
                if let Some(m) = &state.message {
                    ui.label(RichText::new(m).color(ERROR).strong());
                }
                let text = if state.busy {
                    "Tilmelder … / Enrolling …"
                } else {
                    "Tilmeld kiosken / Enrol this kiosk"
                };
                let b = Button::new(RichText::new(text).size(32.0).strong().color(Color32::WHITE))
                    .fill(BLUE)
                    .min_size(vec2(width, TOUCH + 16.0));
                if ui.add_enabled(!state.busy, b).clicked() {
                    ev.push(SetupEvent::Submit);
                }
                ui.label(
                    RichText::new(format!(
                        "Eller på en terminal / or at a terminal: frivillig-kiosk --config {config_path} enrol --server <adresse> --code <kode>"
                    ))
                    .size(21.0)
                    .color(MUTED),
                );
            });
        });
    ev
}

/// The screen right after an enrolment: the kiosk's staff PIN, shown this once to the IT
/// person who enrolled it (it was made on the kiosk and is stored only in its
/// configuration). True when they say they have written it down.
pub fn enrolled_ui(ui: &mut Ui, kiosk_id: &str, site_id: &str, pin: &str) -> bool {
    let mut done = false;
    egui::CentralPanel::default()
        .frame(Frame::new().fill(Color32::WHITE).inner_margin(40))
        .show(ui, |ui| {
            let width = ui.available_width().min(1000.0);
            heading(ui, "Kiosken er tilmeldt");
            ui.label(
                RichText::new("The kiosk is enrolled")
                    .size(32.0)
                    .color(MUTED),
            );
            ui.label(format!("{kiosk_id} · {site_id}"));
            ui.add_space(24.0);
            ui.label("Personale-PIN / Staff PIN");
            ui.label(
                RichText::new(pin)
                    .size(72.0)
                    .strong()
                    .monospace()
                    .color(BLUE),
            );
            ui.label(
                "Skriv PIN-koden ned nu: den vises ikke igen og åbner personale-tilstand på netop \
                 denne kiosk. / Write the PIN down now: it is not shown again, and it opens staff \
                 mode on this kiosk only.",
            );
            ui.add_space(24.0);
            done = primary(
                ui,
                "Jeg har skrevet den ned / I have written it down",
                width,
            )
            .clicked();
        });
    done
}
