//! Staff mode's nearby kiosks (festival mode): this kiosk's own address, to type on the
//! others, and the addresses typed here, for where the network hides kiosks from mDNS.

use egui::{RichText, Ui};

use crate::state::{Event, KioskState};
use crate::ui::View;

use super::*;

pub(super) fn peers_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
    let lang = state.lang;
    let p = &state.peers;
    ui.horizontal(|ui| back_button(ui, lang, ev));
    ui.vertical_centered(|ui| {
        heading(ui, lang.pick("Kiosker i nærheden", "Nearby kiosks"));
        ui.label(lang.pick(
            "Finder kioskerne ikke hinanden selv, så skriv den ene kiosks adresse på den anden.",
            "If the kiosks do not find each other, type one kiosk's address on the other.",
        ));
        ui.add_space(8.0);
        let own = if view.own_addresses.is_empty() {
            lang.pick("ingen (lytter ikke)", "none (not listening)")
                .to_owned()
        } else {
            view.own_addresses.join(", ")
        };
        ui.label(format!(
            "{} {own}",
            lang.pick("Denne kiosks adresse:", "This kiosk's address:")
        ));
        // For the other kiosk's camera: "Scan adresse" there reads it.
        if let Some(address) = view.own_addresses.first() {
            let text = crate::core::peer_qr_text(address);
            let label = lang.pick(
                "QR-kode med denne kiosks adresse",
                "QR code of this kiosk's address",
            );
            crate::ui::qr_ui(ui, &text, 320.0, label);
        }
        ui.add_space(12.0);
        for address in view.typed_peers {
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - 600.0) / 2.0).max(0.0));
                ui.label(RichText::new(address).size(28.0).monospace());
                let remove = format!("{} {address}", lang.pick("Fjern", "Remove"));
                if secondary(ui, &remove).clicked() {
                    ev.push(Event::RemovePeer(address.clone()));
                }
            });
        }
        let label = lang.pick("Adresse (vært:port)", "Address (host:port)");
        let refused = matches!(p.answer, Some(Err(_)));
        let width = ui.available_width().min(600.0);
        entry_ui(ui, label, &p.address, true, refused, width);
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - 2.0 * 380.0) / 2.0).max(0.0));
            if primary(ui, lang.pick("Tilføj", "Add"), 360.0).clicked() {
                ev.push(Event::AddPeer);
            }
            if primary(ui, lang.pick("Scan adresse", "Scan address"), 360.0).clicked() {
                ev.push(Event::ScanPeer);
            }
        });
        answer_ui(ui, &p.answer);
    });
}
