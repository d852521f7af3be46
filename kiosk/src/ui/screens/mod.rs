//! One function per screen. Each draws from the state and pushes the visitor's events.

mod check_in;
mod form;
mod handbook;
mod jobs;
mod peers;
mod setup;
mod staff;

use check_in::*;
use form::*;
use handbook::*;
use jobs::*;
use peers::*;
pub use setup::{enrolled_ui, setup_ui};
use staff::*;

use egui::{Align, Button, Color32, Frame, Layout, Margin, RichText, Sense, Ui, vec2};
use frivillig_common::domain::Opportunity;

use super::View;
use super::keyboard::keyboard_ui;
use super::look::{BLUE, TOUCH};
use crate::state::{Event, Idle, KioskState, Lang, Screen};

type Events = Vec<Event>;

pub(super) fn kiosk_screens_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
    let lang = state.lang;
    egui::Panel::top("top")
        .frame(
            Frame::new()
                .fill(BLUE)
                .inner_margin(Margin::symmetric(24, 12)),
        )
        .show(ui, |ui| top_bar_ui(ui, state, ev));
    let keyboard = match &state.screen {
        Screen::Form { .. } => state.form.focus.map(|f| (f.layout(), state.form.shift)),
        // Receipt codes are letters and digits.
        Screen::CheckIn => Some((crate::state::keyboard::KeyboardLayout::Address, true)),
        // Addresses are digits, dots and a colon (or a host name).
        Screen::Peers => Some((crate::state::keyboard::KeyboardLayout::Address, false)),
        _ => None,
    };
    if let Some((layout, shifted)) = keyboard {
        egui::Panel::bottom("keyboard")
            .frame(
                Frame::new()
                    .fill(Color32::from_rgb(0xDD, 0xE3, 0xEA))
                    .inner_margin(12),
            )
            .show(ui, |ui| {
                if let Some(key) = keyboard_ui(ui, layout, shifted, lang) {
                    ev.push(Event::Key(key));
                }
            });
    }
    egui::CentralPanel::default()
        .frame(
            Frame::new()
                .fill(Color32::WHITE)
                .inner_margin(Margin::symmetric(40, 24)),
        )
        .show(ui, |ui| match &state.screen {
            Screen::Start => start_ui(ui, view, state, ev),
            Screen::Browse => browse_ui(ui, view, state, ev),
            Screen::Detail { opportunity_id } => match opportunity(view, opportunity_id) {
                Some(o) => detail_ui(ui, view, lang, o, ev),
                None => gone_ui(ui, lang, ev),
            },
            Screen::Form {
                opportunity_id,
                shift_id,
            } => match opportunity(view, opportunity_id) {
                Some(o) => form_ui(ui, view, lang, o, shift_id.as_deref(), &state.form, ev),
                None => gone_ui(ui, lang, ev),
            },
            Screen::Confirmation(c) => confirmation_ui(ui, view, lang, c, ev),
            Screen::Handbook => handbook_ui(ui, view, lang, ev),
            Screen::HandbookPage { page_id } => handbook_page_ui(ui, view, lang, page_id, ev),
            Screen::StaffPin => pin_ui(ui, view, state, ev),
            Screen::Staff => staff_ui(ui, view, lang, ev),
            Screen::CheckIn => check_in_ui(ui, state, ev),
            Screen::Peers => peers_ui(ui, view, state, ev),
        });
    if state.form.consent_open {
        consent_ui(ui, view, lang, ev);
    }
    if let Idle::Warning { seconds_left } = state.idle(view.now) {
        idle_warning_ui(ui, lang, seconds_left, ev);
    }
}

fn opportunity<'c>(view: &View<'c>, id: &str) -> Option<&'c Opportunity> {
    view.catalog.and_then(|c| c.opportunity(id))
}

/// Markdown as the catalog writes it: headings, paragraphs and bullets.
fn markdown_ui(ui: &mut Ui, md: &str) {
    use crate::state::markdown::{MdBlock, parse_markdown};
    for block in parse_markdown(md) {
        match block {
            MdBlock::Heading(h) => {
                ui.label(RichText::new(h).size(32.0).strong());
            }
            MdBlock::Paragraph(p) => {
                ui.label(p);
            }
            MdBlock::Bullet(b) => {
                ui.label(format!("•  {b}"));
            }
        }
    }
}

fn heading(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).heading().strong().color(BLUE));
}

fn primary(ui: &mut Ui, text: &str, width: f32) -> egui::Response {
    ui.add(
        Button::new(
            RichText::new(text)
                .size(32.0)
                .strong()
                .color(Color32::WHITE),
        )
        .fill(BLUE)
        .min_size(vec2(width, TOUCH + 16.0)),
    )
}

fn secondary(ui: &mut Ui, text: &str) -> egui::Response {
    ui.add(Button::new(RichText::new(text)).min_size(vec2(TOUCH * 2.0, TOUCH)))
}

/// The answer to a staff action, in words: green if it was done, red if not.
fn answer_ui(ui: &mut Ui, answer: &Option<Result<String, String>>) {
    use super::look::{ERROR, GREEN};
    match answer {
        Some(Ok(text)) => {
            ui.label(RichText::new(text).size(30.0).color(GREEN).strong());
        }
        Some(Err(text)) => {
            ui.label(RichText::new(text).size(28.0).color(ERROR));
        }
        None => {}
    }
}

fn back_button(ui: &mut Ui, lang: Lang, ev: &mut Events) {
    if secondary(ui, lang.pick("‹ Tilbage", "‹ Back")).clicked() {
        ev.push(Event::Back);
    }
}

fn top_bar_ui(ui: &mut Ui, state: &KioskState, ev: &mut Events) {
    ui.horizontal(|ui| {
        // The logo doubles as the hidden staff corner: five quick taps open the PIN pad.
        let logo = ui.add(
            egui::Label::new(
                RichText::new("Glostrup Kommune · Frivillig")
                    .size(30.0)
                    .strong()
                    .color(Color32::WHITE),
            )
            .sense(Sense::click()),
        );
        if logo.clicked() {
            ev.push(Event::SecretTap);
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            for (lang, name) in [(Lang::En, "English"), (Lang::Da, "Dansk")] {
                let on = state.lang == lang;
                let text = RichText::new(name).color(if on { BLUE } else { Color32::WHITE });
                let b = Button::new(text)
                    .fill(if on { Color32::WHITE } else { BLUE })
                    .stroke(egui::Stroke::new(2.0, Color32::WHITE))
                    .min_size(vec2(TOUCH * 2.2, TOUCH));
                if ui.add(b).clicked() {
                    ev.push(Event::SetLanguage(lang));
                }
            }
            let text_size = state.lang.pick("Større tekst", "Larger text");
            let b = Button::new(RichText::new(format!("A+ {text_size}")).color(Color32::WHITE))
                .fill(BLUE)
                .stroke(egui::Stroke::new(2.0, Color32::WHITE))
                .selected(state.large_text)
                .min_size(vec2(TOUCH * 2.0, TOUCH));
            if ui.add(b).clicked() {
                ev.push(Event::ToggleLargeText);
            }
        });
    });
}

fn gone_ui(ui: &mut Ui, lang: Lang, ev: &mut Events) {
    heading(
        ui,
        lang.pick(
            "Jobbet er ikke længere åbent for tilmelding",
            "This job is no longer open for signups",
        ),
    );
    if primary(ui, lang.pick("Til forsiden", "To the start"), 400.0).clicked() {
        ev.push(Event::Home);
    }
}

fn idle_warning_ui(ui: &mut Ui, lang: Lang, seconds_left: u32, ev: &mut Events) {
    egui::Modal::new(egui::Id::unique("idle")).show(ui.ctx(), |ui| {
        ui.set_max_width(800.0);
        heading(ui, lang.pick("Er du her stadig?", "Are you still there?"));
        ui.label(match lang {
            Lang::Da => format!("Om {seconds_left} sekunder rydder kiosken alt, hvad der er skrevet, så den næste ikke ser det."),
            Lang::En => format!("In {seconds_left} seconds the kiosk clears everything typed, so the next person cannot see it."),
        });
        if primary(ui, lang.pick("Jeg er her stadig", "I'm still here"), 500.0).clicked() {
            ev.push(Event::StillHere);
        }
    });
}
