//! The handbook at the kiosk: the catalog's pages for volunteers and staff (offline, as the
//! catalog was received) and this site's ambassador, the person to ask.

use egui::{RichText, ScrollArea, Ui, vec2};

use crate::state::{Event, Lang};
use crate::ui::View;
use crate::ui::look::{BLUE, CARD, MUTED, TOUCH};

use super::jobs::photo_ui;
use super::{Events, back_button, heading, markdown_ui};

/// The list of pages, and whom to ask here.
pub(super) fn handbook_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, ev: &mut Events) {
    ui.horizontal(|ui| {
        back_button(ui, lang, ev);
        heading(
            ui,
            lang.pick("Håndbog for frivillige", "Handbook for volunteers"),
        );
    });
    let Some(catalog) = view.catalog else { return };
    ScrollArea::vertical().show(ui, |ui| {
        ui.label(lang.pick(
            "Det er godt at vide, før du går i gang. Håndbogen er på dansk.",
            "Good to know before you start. The handbook is in Danish.",
        ));
        ui.add_space(12.0);
        for page in &catalog.handbook {
            let b = egui::Button::new(RichText::new(&page.title).size(30.0).color(BLUE))
                .min_size(vec2(ui.available_width().min(900.0), TOUCH));
            if ui.add(b).clicked() {
                ev.push(Event::OpenPage(page.id.clone()));
            }
        }
        let here: Vec<_> = catalog
            .ambassadors
            .iter()
            .filter(|a| a.site_id == view.site_id)
            .collect();
        if !here.is_empty() {
            ui.add_space(24.0);
            ui.label(
                RichText::new(format!(
                    "{} {}",
                    lang.pick("Spørg her hos", "Ask here at"),
                    view.site_name(view.site_id)
                ))
                .size(32.0)
                .strong(),
            );
            for a in here {
                egui::Frame::new()
                    .fill(CARD)
                    .corner_radius(12)
                    .inner_margin(20)
                    .show(ui, |ui| {
                        ui.horizontal(|ui| {
                            photo_ui(ui, view, lang, a.photo.as_ref(), vec2(160.0, 160.0));
                            ui.vertical(|ui| {
                                ui.label(RichText::new(&a.name).size(30.0).strong().color(BLUE));
                                ui.label(
                                    lang.pick("Frivillighedsambassadør", "Volunteering ambassador"),
                                );
                                ui.label(RichText::new(&a.contact).color(MUTED));
                            });
                        });
                    });
            }
        }
    });
}

/// One handbook page.
pub(super) fn handbook_page_ui(
    ui: &mut Ui,
    view: &View<'_>,
    lang: Lang,
    page_id: &str,
    ev: &mut Events,
) {
    let page = view
        .catalog
        .and_then(|c| c.handbook.iter().find(|p| p.id == page_id));
    ui.horizontal(|ui| {
        back_button(ui, lang, ev);
        heading(
            ui,
            page.map_or(
                lang.pick("Siden findes ikke længere", "The page no longer exists"),
                |p| p.title.as_str(),
            ),
        );
    });
    if let Some(p) = page {
        ScrollArea::vertical().show(ui, |ui| markdown_ui(ui, &p.body_md));
    }
}
