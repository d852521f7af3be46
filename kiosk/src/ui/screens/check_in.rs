//! Staff mode's check-in: the volunteer's receipt code typed in, and the answer in words.

use egui::Ui;

use crate::state::{Event, KioskState};

use super::*;

pub(super) fn check_in_ui(ui: &mut Ui, state: &KioskState, ev: &mut Events) {
    let lang = state.lang;
    let c = &state.check_in;
    ui.horizontal(|ui| back_button(ui, lang, ev));
    ui.vertical_centered(|ui| {
        heading(ui, lang.pick("Tjek frivillige ind", "Check volunteers in"));
        ui.label(lang.pick(
            "Hold kvitteringens QR-kode op foran kameraet, eller skriv koden under den.",
            "Hold the receipt's QR code up to the camera, or type the code under it.",
        ));
        let label = lang.pick("Kode fra kvitteringen", "Code from the receipt");
        let refused = matches!(c.answer, Some(Err(_)));
        let width = ui.available_width().min(600.0);
        entry_ui(ui, label, &c.code, true, refused, width);
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - 2.0 * 380.0) / 2.0).max(0.0));
            if primary(ui, lang.pick("Tjek ind", "Check in"), 360.0).clicked() {
                ev.push(Event::CheckIn { out: false });
            }
            if primary(ui, lang.pick("Tjek ud", "Check out"), 360.0).clicked() {
                ev.push(Event::CheckIn { out: true });
            }
        });
        ui.add_space(12.0);
        if primary(ui, lang.pick("Scan kvittering", "Scan receipt"), 360.0).clicked() {
            ev.push(Event::ScanReceipt);
        }
        ui.add_space(12.0);
        // A volunteer who came without signing up: signed up and checked in in one go.
        if secondary(
            ui,
            lang.pick("Ny frivillig uden tilmelding", "Walk-up volunteer"),
        )
        .clicked()
        {
            ev.push(Event::WalkUp);
        }
        if c.busy {
            ui.label(lang.pick("Et øjeblik …", "One moment …"));
        }
        answer_ui(ui, &c.answer);
    });
}
