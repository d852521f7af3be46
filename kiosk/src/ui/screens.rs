//! One function per screen. Each draws from the state and pushes the visitor's events.

use egui::{Align, Button, Color32, Frame, Layout, Margin, RichText, ScrollArea, Sense, Ui, vec2};
use frivillig_common::domain::{FormField, Opportunity};

use super::keyboard::keyboard_ui;
use super::look::{BLUE, CARD, ERROR, GREEN, MUTED, TOUCH};
use super::{View, qr_ui, theme_label};
use crate::state::markdown::{MdBlock, parse_markdown};
use crate::state::setup::{SetupEvent, SetupField, SetupState};
use crate::state::{Confirmation, Event, FormState, Idle, KioskState, Lang, Screen, TextField};
use frivillig_common::text::{shift_label, spots_label};

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
    if let Screen::Form { .. } = &state.screen
        && let Some(field) = state.form.focus
    {
        egui::Panel::bottom("keyboard")
            .frame(
                Frame::new()
                    .fill(Color32::from_rgb(0xDD, 0xE3, 0xEA))
                    .inner_margin(12),
            )
            .show(ui, |ui| {
                if let Some(key) = keyboard_ui(ui, field.layout(), state.form.shift, lang) {
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
            Screen::StaffPin => pin_ui(ui, view, state, ev),
            Screen::Staff => staff_ui(ui, view, lang, ev),
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

fn start_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
    let lang = state.lang;
    ScrollArea::vertical().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(24.0);
            ui.label(
                RichText::new(lang.pick("Bliv frivillig", "Become a volunteer"))
                    .size(84.0)
                    .strong()
                    .color(BLUE),
            );
            ui.label(RichText::new(lang.pick(
                "Giv en hånd med i Glostrup. Find et frivilligjob og tilmeld dig på under et minut.",
                "Lend a hand in Glostrup. Find a volunteer job and sign up in under a minute.",
            )).size(32.0));
            ui.add_space(16.0);
            let Some(catalog) = view.catalog else {
                ui.label(RichText::new(lang.pick(
                    "Kiosken henter listen over frivilligjob, så snart den har forbindelse. Kom gerne tilbage lidt senere.",
                    "The kiosk fetches the list of volunteer jobs as soon as it has a connection. Please come back a little later.",
                )).color(MUTED));
                return;
            };
            let width = ui.available_width().min(720.0);
            if primary(ui, lang.pick("Find et frivilligjob", "Find a volunteer job"), width).clicked() {
                ev.push(Event::StartBrowsing);
            }
            ui.add_space(24.0);
            let here: Vec<&Opportunity> = catalog
                .opportunities
                .iter()
                .filter(|o| o.site_id == view.site_id)
                .take(3)
                .collect();
            if !here.is_empty() {
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        lang.pick("Lige nu her hos", "Right now at"),
                        view.site_name(view.site_id)
                    ))
                    .size(32.0)
                    .strong(),
                );
                for o in here {
                    job_card_ui(ui, view, lang, o, width, ev);
                }
            }
        });
    });
}

/// When a job happens, in one line: the next shift, or "ongoing".
fn when_label(lang: Lang, o: &Opportunity) -> String {
    match o.shifts.iter().min_by(|a, b| a.starts.cmp(&b.starts)) {
        Some(s) if o.shifts.len() == 1 => shift_label(lang, &s.starts, &s.ends),
        Some(s) => format!(
            "{} {} ({} {})",
            lang.pick("Første vagt", "First shift"),
            shift_label(lang, &s.starts, &s.ends),
            o.shifts.len(),
            lang.pick("vagter", "shifts")
        ),
        None => lang
            .pick("Løbende, når det passer dig", "Ongoing, when it suits you")
            .to_owned(),
    }
}

fn job_card_ui(
    ui: &mut Ui,
    view: &View<'_>,
    lang: Lang,
    o: &Opportunity,
    width: f32,
    ev: &mut Events,
) {
    let title = view.title(lang, o);
    let spots: i64 = o.shifts.iter().map(|s| view.spots_left(s).max(0)).sum();
    let spots = if o.shifts.is_empty() {
        lang.pick("Altid plads til flere", "Always room for more")
            .to_owned()
    } else {
        spots_label(lang, spots)
    };
    let inner = Frame::new()
        .fill(CARD)
        .stroke(egui::Stroke::new(2.0, BLUE))
        .corner_radius(12)
        .inner_margin(20)
        .show(ui, |ui| {
            ui.set_width(width - 44.0);
            ui.vertical(|ui| {
                ui.label(RichText::new(title).size(34.0).strong().color(BLUE));
                ui.label(format!(
                    "{} · {}",
                    theme_label(lang, &o.theme),
                    view.site_name(&o.site_id)
                ));
                ui.label(RichText::new(when_label(lang, o)).color(MUTED));
                ui.label(RichText::new(spots).strong());
            });
        });
    // The whole card is one touch target, announced with the job's title.
    let response = ui.interact(
        inner.response.rect,
        egui::Id::unique(("job", &o.id)),
        Sense::click(),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, title));
    if response.clicked() {
        ev.push(Event::OpenJob(o.id.clone()));
    }
}

fn browse_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
    let lang = state.lang;
    let Some(catalog) = view.catalog else {
        gone_ui(ui, lang, ev);
        return;
    };
    ui.horizontal(|ui| {
        back_button(ui, lang, ev);
        heading(ui, lang.pick("Frivilligjob", "Volunteer jobs"));
    });
    let mut themes: Vec<&str> = Vec::new();
    for o in &catalog.opportunities {
        if !themes.contains(&o.theme.as_str()) {
            themes.push(&o.theme);
        }
    }
    ui.horizontal_wrapped(|ui| {
        let all = Button::new(lang.pick("Alle", "All"))
            .selected(state.theme.is_none())
            .min_size(vec2(TOUCH * 1.5, TOUCH));
        if ui.add(all).clicked() {
            ev.push(Event::FilterTheme(None));
        }
        for t in themes {
            let on = state.theme.as_deref() == Some(t);
            let b = Button::new(theme_label(lang, t))
                .selected(on)
                .min_size(vec2(TOUCH * 1.5, TOUCH));
            if ui.add(b).clicked() {
                ev.push(Event::FilterTheme(Some(t.to_owned())));
            }
        }
    });
    if !view.status.online {
        ui.label(
            RichText::new(lang.pick(
                "Kiosken er uden forbindelse lige nu: ledige pladser er talt fra sidste opdatering og tilmeldinger her, så tallene kan være for høje.",
                "The kiosk is offline right now: spots left count from the last update and signups here, so the figures may be too high.",
            ))
            .size(21.0)
            .color(MUTED),
        );
    }
    let shown = |o: &&Opportunity| state.theme.as_deref().is_none_or(|t| o.theme == t);
    let (here, elsewhere): (Vec<&Opportunity>, Vec<&Opportunity>) = catalog
        .opportunities
        .iter()
        .filter(shown)
        .partition(|o| o.site_id == view.site_id);
    ScrollArea::vertical().show(ui, |ui| {
        let width = ui.available_width();
        let columns = ((width / 560.0).floor() as usize).clamp(1, 3);
        let card_width = (width - 16.0 * (columns as f32 - 1.0)) / columns as f32;
        for (title, list) in [
            (
                format!(
                    "{} {}",
                    lang.pick("Her hos", "Here at"),
                    view.site_name(view.site_id)
                ),
                here,
            ),
            (
                lang.pick("Andre steder i Glostrup", "Elsewhere in Glostrup")
                    .to_owned(),
                elsewhere,
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            ui.label(RichText::new(title).size(32.0).strong());
            for chunk in list.chunks(columns) {
                ui.horizontal(|ui| {
                    for o in chunk {
                        ui.vertical(|ui| job_card_ui(ui, view, lang, o, card_width, ev));
                    }
                });
            }
        }
    });
}

fn detail_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, o: &Opportunity, ev: &mut Events) {
    ui.horizontal(|ui| back_button(ui, lang, ev));
    ScrollArea::vertical().show(ui, |ui| {
        heading(ui, view.title(lang, o));
        let site = view.catalog.and_then(|c| c.sites.iter().find(|s| s.id == o.site_id));
        ui.label(
            RichText::new(match site {
                Some(s) => format!("{} · {}", s.name, s.address),
                None => o.site_id.clone(),
            })
            .color(MUTED),
        );
        if lang == Lang::En {
            ui.label(RichText::new("The description is in Danish.").italics().color(MUTED));
        }
        for block in parse_markdown(&o.description_md) {
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
        let req = &o.requirements;
        if req.child_record_check || req.min_age.is_some() {
            Frame::new().fill(Color32::from_rgb(0xFF, 0xF4, 0xD6)).corner_radius(10).inner_margin(16).show(ui, |ui| {
                ui.label(RichText::new(lang.pick("Det skal du vide", "Good to know")).strong());
                if let Some(age) = req.min_age {
                    ui.label(match lang {
                        Lang::Da => format!("Du skal være mindst {age} år."),
                        Lang::En => format!("You must be at least {age} years old."),
                    });
                }
                if req.child_record_check {
                    ui.label(lang.pick(
                        "Jobbet kræver en børneattest. Kommunen indhenter den, når I har talt sammen; det koster ikke noget.",
                        "The job needs a child-protection record check. The municipality obtains it after you have talked; it costs nothing.",
                    ));
                }
            });
        }
        let ambassador = o
            .ambassador_id
            .as_deref()
            .and_then(|id| view.catalog?.ambassadors.iter().find(|a| a.id == id));
        if let Some(a) = ambassador {
            ui.label(format!(
                "{} {} ({})",
                lang.pick("Din kontakt:", "Your contact:"),
                a.name,
                a.contact
            ));
        }
        ui.add_space(8.0);
        let needs_age = req.min_age.is_some();
        let width = ui.available_width().min(900.0);
        if o.shifts.is_empty() {
            if primary(ui, lang.pick("Tilmeld dig", "Sign up"), width).clicked() {
                ev.push(Event::ChooseShift { shift_id: None, needs_age });
            }
            return;
        }
        ui.label(RichText::new(lang.pick("Vælg en vagt", "Choose a shift")).size(32.0).strong());
        for s in &o.shifts {
            let when = shift_label(lang, &s.starts, &s.ends);
            let spots = spots_label(lang, view.spots_left(s));
            let text = format!("{when}\n{spots}");
            let b = Button::new(RichText::new(text).size(28.0)).min_size(vec2(width, TOUCH + 24.0));
            let r = ui.add(b);
            let label = format!("{} {when}", lang.pick("Tilmeld dig", "Sign up for"));
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            if r.clicked() {
                ev.push(Event::ChooseShift {
                    shift_id: Some(s.id.clone()),
                    needs_age,
                });
            }
        }
    });
}

fn field_label(lang: Lang, field: TextField) -> &'static str {
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
fn entry_ui(
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
fn text_field_ui(
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

fn problems_ui(ui: &mut Ui, lang: Lang, form: &FormState, field: FormField) {
    for p in form.problems_for(field) {
        ui.label(RichText::new(lang.problem(p)).color(ERROR).strong());
    }
}

/// A checkbox as wide as the form: the whole row is the touch target.
fn checkbox_ui(ui: &mut Ui, checked: bool, text: &str, width: f32) -> bool {
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

fn form_ui(
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

fn consent_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, ev: &mut Events) {
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

fn confirmation_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, c: &Confirmation, ev: &mut Events) {
    ScrollArea::vertical().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            let thanks = if c.first_name.is_empty() {
                lang.pick("Tak!", "Thank you!").to_owned()
            } else {
                format!("{} {}!", lang.pick("Tak,", "Thank you,"), c.first_name)
            };
            ui.label(RichText::new(thanks).size(72.0).strong().color(GREEN));
            let o = opportunity(view, &c.opportunity_id);
            if let Some(o) = o {
                let mut what = format!("{} {}", lang.pick("Du er tilmeldt", "You are signed up for"), view.title(lang, o));
                if let Some(s) = c.shift_id.as_deref().and_then(|id| o.shifts.iter().find(|s| s.id == id)) {
                    what.push_str(&format!(", {}", shift_label(lang, &s.starts, &s.ends)));
                }
                ui.label(RichText::new(what).size(32.0));
            }
            let contact = o
                .and_then(|o| o.ambassador_id.as_deref())
                .and_then(|id| view.catalog?.ambassadors.iter().find(|a| a.id == id))
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

fn pin_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
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

fn staff_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, ev: &mut Events) {
    let s = view.status;
    ui.horizontal(|ui| back_button(ui, lang, ev));
    heading(ui, lang.pick("Personale", "Staff"));
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
            let problems = [
                (lang.pick("Sidste fejl", "Last error"), &s.last_error),
                (lang.pick("Katalog", "Catalog"), &s.catalog_refused),
            ];
            for (k, problem) in problems {
                if let Some(e) = problem {
                    ui.label(k);
                    ui.label(RichText::new(e).color(ERROR));
                    ui.end_row();
                }
            }
        });
    ui.add_space(16.0);
    ui.horizontal_wrapped(|ui| {
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

fn gone_ui(ui: &mut Ui, lang: Lang, ev: &mut Events) {
    heading(
        ui,
        lang.pick("Jobbet findes ikke længere", "This job is no longer listed"),
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
