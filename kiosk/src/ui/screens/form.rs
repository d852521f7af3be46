//! The signup form with its fields and keyboard, the consent text, and the confirmation.

use egui::{Align, Button, Color32, Frame, Margin, RichText, ScrollArea, Sense, Ui, vec2};
use frivillig_common::domain::{FormField, Opportunity};

use crate::state::{Confirmation, Event, FormState, Lang, TextField};
use crate::ui::look::{BLUE, ERROR, GREEN, MUTED, TOUCH};
use crate::ui::{View, qr_ui};
use frivillig_common::text::shift_label;

use super::*;

pub(super) fn field_label(lang: Lang, field: TextField) -> &'static str {
    match field {
        TextField::Name => lang.pick("Navn", "Name"),
        TextField::Phone => lang.pick("Telefon", "Phone"),
        TextField::Email => lang.pick("E-mail", "E-mail"),
        TextField::Note => lang.pick(
            "Besked til koordinatoren (frivilligt)",
            "Note to the coordinator (optional)",
        ),
    }
}

/// A labelled entry box showing `text`, with a caret when focused; returns its response.
/// Announced to screen readers as a text input with the label and the text as its value.
pub(super) fn entry_ui(
    ui: &mut Ui,
    label: &str,
    text: &str,
    focused: bool,
    problem: bool,
    width: f32,
) -> egui::Response {
    ui.label(RichText::new(label).strong());
    let stroke = match (focused, problem) {
        (true, _) => egui::Stroke::new(4.0, BLUE),
        (false, true) => egui::Stroke::new(3.0, ERROR),
        _ => egui::Stroke::new(2.0, MUTED),
    };
    let shown = if focused {
        format!("{text}|")
    } else {
        text.to_owned()
    };
    let inner = Frame::new()
        .stroke(stroke)
        .corner_radius(8)
        .inner_margin(Margin::symmetric(16, 12))
        .show(ui, |ui| {
            ui.set_width(width - 36.0);
            ui.set_min_height(TOUCH - 24.0);
            ui.label(RichText::new(shown).size(30.0));
        });
    let r = ui.interact(
        inner.response.rect,
        egui::Id::unique(("entry", label)),
        Sense::click(),
    );
    r.widget_info(|| {
        let mut info = egui::WidgetInfo::text_edit(true, text, text, "");
        info.label = Some(label.to_owned());
        info
    });
    r
}

/// A text field the on-screen keyboard types into. egui's own `TextEdit` would fight the
/// keyboard for focus; this one shows the text with a caret at the end and is announced to
/// screen readers as a text input with its label.
pub(super) fn text_field_ui(
    ui: &mut Ui,
    lang: Lang,
    form: &FormState,
    field: TextField,
    width: f32,
    ev: &mut Events,
) {
    let label = field_label(lang, field);
    let focused = form.focus == Some(field);
    let has_problem = form.problems_for(field.form_field()).next().is_some();
    let r = entry_ui(ui, label, form.text(field), focused, has_problem, width);
    if r.clicked() {
        ev.push(Event::Focus(field));
    }
    // When the keyboard moves to a field (a tap, "next", or a validation problem), bring
    // the field into view above the keyboard, once.
    let memory = egui::Id::unique("scrolled-to-field");
    let last: Option<TextField> = ui.data(|d| d.get_temp(memory)).flatten();
    if focused && last != Some(field) {
        r.scroll_to_me(Some(Align::Center));
        ui.data_mut(|d| d.insert_temp(memory, Some(field)));
    } else if form.focus.is_none() && last.is_some() {
        ui.data_mut(|d| d.insert_temp(memory, None::<TextField>));
    }
    problems_ui(ui, lang, form, field.form_field());
}

pub(super) fn problems_ui(ui: &mut Ui, lang: Lang, form: &FormState, field: FormField) {
    for p in form.problems_for(field) {
        ui.label(RichText::new(lang.problem(p)).color(ERROR).strong());
    }
}

/// A checkbox as wide as the form: the whole row is the touch target.
pub(super) fn checkbox_ui(ui: &mut Ui, checked: bool, text: &str, width: f32) -> bool {
    let inner = Frame::new()
        .stroke(egui::Stroke::new(2.0, BLUE))
        .corner_radius(10)
        .inner_margin(Margin::symmetric(16, 12))
        .show(ui, |ui| {
            ui.set_width(width - 36.0);
            ui.horizontal(|ui| {
                let (rect, _) = ui.allocate_exact_size(vec2(44.0, 44.0), Sense::hover());
                let p = ui.painter();
                p.rect_stroke(
                    rect,
                    6.0,
                    egui::Stroke::new(3.0, BLUE),
                    egui::StrokeKind::Inside,
                );
                if checked {
                    p.rect_filled(rect, 6.0, BLUE);
                    let pts = [
                        rect.left_top() + vec2(10.0, 23.0),
                        rect.left_top() + vec2(19.0, 32.0),
                        rect.left_top() + vec2(35.0, 13.0),
                    ];
                    p.line(pts.to_vec(), egui::Stroke::new(5.0, Color32::WHITE));
                }
                ui.add(egui::Label::new(RichText::new(text).size(28.0)).wrap());
            });
        });
    let r = ui.interact(
        inner.response.rect,
        egui::Id::unique(("check", text)),
        Sense::click(),
    );
    r.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, checked, text));
    r.clicked()
}

pub(super) fn form_ui(
    ui: &mut Ui,
    view: &View<'_>,
    lang: Lang,
    o: &Opportunity,
    shift_id: Option<&str>,
    form: &FormState,
    ev: &mut Events,
) {
    ui.horizontal(|ui| back_button(ui, lang, ev));
    ScrollArea::vertical().show(ui, |ui| {
        let width = ui.available_width().min(1000.0);
        heading(ui, &format!("{} {}", lang.pick("Tilmeld dig:", "Sign up:"), view.title(lang, o)));
        if let Some(s) = shift_id.and_then(|id| o.shifts.iter().find(|s| s.id == id)) {
            ui.label(RichText::new(shift_label(lang, &s.starts, &s.ends)).color(MUTED));
        }
        ui.label(RichText::new(lang.pick(
            "Skriv dit navn og et telefonnummer eller en e-mail. Vi beder aldrig om dit CPR-nummer.",
            "Enter your name and a phone number or an e-mail. We never ask for your CPR number.",
        )).size(22.0).color(MUTED));
        for field in TextField::ORDER {
            text_field_ui(ui, lang, form, field, width, ev);
        }
        if let Some(age) = o.requirements.min_age {
            let text = match lang {
                Lang::Da => format!("Jeg er mindst {age} år"),
                Lang::En => format!("I am at least {age} years old"),
            };
            if checkbox_ui(ui, form.form.age_confirmed, &text, width) {
                ev.push(Event::ToggleAge);
            }
            problems_ui(ui, lang, form, FormField::Age);
        }
        let consent = lang.pick(
            "Jeg giver samtykke til, at Glostrup Kommune gemmer mine oplysninger for at kontakte mig om frivilligt arbejde.",
            "I consent to Glostrup Kommune keeping my details to contact me about volunteering.",
        );
        if checkbox_ui(ui, form.form.consent_given, consent, width) {
            ev.push(Event::ToggleConsent);
        }
        if secondary(ui, lang.pick("Læs hele samtykketeksten", "Read the full consent text")).clicked() {
            ev.push(Event::ShowConsent(true));
        }
        problems_ui(ui, lang, form, FormField::Consent);
        if let Some(e) = &form.save_error {
            ui.label(RichText::new(e).color(ERROR).strong());
        }
        let send = if form.saving {
            lang.pick("Gemmer …", "Saving …")
        } else {
            lang.pick("Send tilmelding", "Send signup")
        };
        let b = Button::new(RichText::new(send).size(32.0).strong().color(Color32::WHITE))
            .fill(BLUE)
            .min_size(vec2(width, TOUCH + 16.0));
        if ui.add_enabled(!form.saving, b).clicked() {
            ev.push(Event::Submit);
        }
        ui.add_space(24.0);
    });
}

pub(super) fn consent_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, ev: &mut Events) {
    let text = view
        .catalog
        .and_then(|c| c.current_consent())
        .map(|c| match lang {
            Lang::Da => c.text_da.clone(),
            Lang::En => c.text_en.clone(),
        })
        .unwrap_or_else(|| {
            lang.pick(
                "Samtykketeksten mangler i kataloget.",
                "The consent text is missing from the catalog.",
            )
            .to_owned()
        });
    let screen = ui.ctx().content_rect();
    egui::Modal::new(egui::Id::unique("consent")).show(ui.ctx(), |ui| {
        ui.set_max_width((screen.width() - 80.0).min(1000.0));
        heading(ui, lang.pick("Samtykke", "Consent"));
        ScrollArea::vertical()
            .max_height(screen.height() * 0.6)
            .show(ui, |ui| {
                ui.label(text);
            });
        if primary(ui, lang.pick("Luk", "Close"), 300.0).clicked() {
            ev.push(Event::ShowConsent(false));
        }
    });
}

pub(super) fn confirmation_ui(
    ui: &mut Ui,
    view: &View<'_>,
    lang: Lang,
    c: &Confirmation,
    ev: &mut Events,
) {
    ScrollArea::vertical().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            let thanks = if c.first_name.is_empty() {
                lang.pick("Tak!", "Thank you!").to_owned()
            } else {
                format!("{} {}!", lang.pick("Tak,", "Thank you,"), c.first_name)
            };
            ui.label(RichText::new(thanks).size(72.0).strong().color(GREEN));
            let o = view.received.and_then(|r| r.opportunity(&c.opportunity_id));
            if let Some(o) = o {
                let mut what = format!("{} {}", lang.pick("Du er tilmeldt", "You are signed up for"), view.title(lang, o));
                if let Some(s) = c.shift_id.as_deref().and_then(|id| o.shifts.iter().find(|s| s.id == id)) {
                    what.push_str(&format!(", {}", shift_label(lang, &s.starts, &s.ends)));
                }
                ui.label(RichText::new(what).size(32.0));
            }
            let contact = o
                .and_then(|o| o.ambassador_id.as_deref())
                .and_then(|id| view.received?.ambassadors.iter().find(|a| a.id == id))
                .map(|a| a.name.clone());
            let next = match (lang, contact) {
                (Lang::Da, Some(n)) => format!("Hvad sker der nu? {n} kontakter dig inden for en uge."),
                (Lang::En, Some(n)) => format!("What happens next? {n} will contact you within a week."),
                (Lang::Da, None) => "Hvad sker der nu? En koordinator kontakter dig inden for en uge.".to_owned(),
                (Lang::En, None) => "What happens next? A coordinator will contact you within a week.".to_owned(),
            };
            ui.label(next);
            ui.add_space(8.0);
            let side = (ui.available_width().min(ui.available_height() - 200.0)).clamp(280.0, 460.0);
            let label = lang.pick("QR-kode til din kvittering", "QR code for your receipt");
            if qr_ui(ui, &c.receipt_url, side, label).is_none() {
                ui.label(&c.receipt_url);
            }
            answer_ui(ui, &c.checked_in);
            // What staff type at check-in when no camera can read the code.
            if let Some(code) = frivillig_common::presence::short_code_of_receipt(&c.receipt_url) {
                ui.horizontal(|ui| {
                    let text = lang.pick("Kode til tjek ind:", "Check-in code:");
                    let width = 520.0_f32.min(ui.available_width());
                    ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
                    ui.label(RichText::new(text).size(28.0));
                    ui.label(RichText::new(code).size(32.0).strong().monospace());
                });
            }
            ui.label(RichText::new(lang.pick(
                "Scan koden med din telefon: her kan du se din tilmelding eller trække den tilbage.",
                "Scan the code with your phone to see your signup or withdraw it.",
            )).size(26.0));
            if primary(ui, lang.pick("Færdig", "Done"), 400.0).clicked() {
                ev.push(Event::Home);
            }
            let left = (crate::state::CONFIRMATION_SECS - (view.now - c.shown_at)).max(0.0).ceil();
            ui.label(
                RichText::new(match lang {
                    Lang::Da => format!("Skærmen ryddes om {left} sekunder."),
                    Lang::En => format!("The screen clears in {left} seconds."),
                })
                .size(21.0)
                .color(MUTED),
            );
        });
    });
}
