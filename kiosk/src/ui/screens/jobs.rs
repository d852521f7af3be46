//! The start screen, the job list and a job's details.

use egui::{Button, Color32, Frame, RichText, ScrollArea, Sense, Ui, vec2};
use frivillig_common::domain::{Opportunity, Photo};

use crate::state::markdown::{MdBlock, parse_markdown};
use crate::state::{Event, KioskState, Lang};
use crate::ui::look::{BLUE, CARD, MUTED, TOUCH};
use crate::ui::{View, theme_label};
use frivillig_common::text::{shift_label, spots_label};

use super::*;

pub(super) fn start_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
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
            ui.add_space(8.0);
            // In sight without scrolling: what a volunteer may ask, and whom.
            if secondary(ui, lang.pick("Håndbog for frivillige og kontakt", "Handbook for volunteers and contact")).clicked() {
                ev.push(Event::OpenHandbook);
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
            story_ui(ui, view, lang, width);
        });
    });
}

/// How long each story stays on the start screen: slow enough to read, and calm.
const STORY_SECONDS: f64 = 20.0;

/// One good story at a time on the start screen, in turn. The start screen is what stands
/// between visitors, so the rotation never moves under someone using the kiosk.
fn story_ui(ui: &mut Ui, view: &View<'_>, lang: Lang, width: f32) {
    let Some(stories) = view.catalog.map(|c| &c.stories).filter(|s| !s.is_empty()) else {
        return;
    };
    let turn = (view.now.max(0.0) / STORY_SECONDS) as usize % stories.len();
    let story = &stories[turn];
    ui.add_space(24.0);
    ui.label(
        RichText::new(lang.pick("Gode historier", "Good stories"))
            .size(32.0)
            .strong(),
    );
    let (body, _) = story.body(lang);
    let teaser: String = parse_markdown(body)
        .into_iter()
        .find_map(|b| match b {
            MdBlock::Paragraph(p) => Some(p),
            _ => None,
        })
        .unwrap_or_default();
    Frame::new()
        .fill(CARD)
        .corner_radius(12)
        .inner_margin(20)
        .show(ui, |ui| {
            ui.set_width(width - 40.0);
            ui.horizontal(|ui| {
                photo_ui(ui, view, lang, story.photo.as_ref(), vec2(220.0, 165.0));
                ui.vertical(|ui| {
                    ui.label(
                        RichText::new(story.title(lang))
                            .size(30.0)
                            .strong()
                            .color(BLUE),
                    );
                    ui.label(teaser);
                });
            });
        });
}

/// A photo of the catalog, if the kiosk holds it, within `max` and read out by its
/// alternative text. Without it the screen is drawn as before.
pub(super) fn photo_ui(
    ui: &mut Ui,
    view: &View<'_>,
    lang: Lang,
    photo: Option<&Photo>,
    max: egui::Vec2,
) {
    let Some(p) = photo else { return };
    let Some(texture) = view.photos.get(&p.id) else {
        return;
    };
    ui.add(
        egui::Image::new(texture)
            .max_size(max)
            .maintain_aspect_ratio(true)
            .corner_radius(8)
            .alt_text(p.alt(lang)),
    );
}

/// When a job happens, in one line: the next shift, or "ongoing".
pub(super) fn when_label(lang: Lang, o: &Opportunity) -> String {
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

pub(super) fn job_card_ui(
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
            ui.horizontal(|ui| {
                photo_ui(ui, view, lang, o.photo.as_ref(), vec2(220.0, 165.0));
                ui.vertical(|ui| {
                    ui.label(RichText::new(title).size(34.0).strong().color(BLUE));
                    let kind = match &o.event {
                        // An event says what it is: a theme meeting is not a job.
                        Some(e) => e.kind.name(lang).to_owned(),
                        None => theme_label(lang, &o.theme).to_string(),
                    };
                    ui.label(format!("{kind} · {}", view.site_name(&o.site_id)));
                    ui.label(RichText::new(when_label(lang, o)).color(MUTED));
                    ui.label(RichText::new(spots).strong());
                });
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

pub(super) fn browse_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState, ev: &mut Events) {
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

pub(super) fn detail_ui(
    ui: &mut Ui,
    view: &View<'_>,
    lang: Lang,
    o: &Opportunity,
    ev: &mut Events,
) {
    ui.horizontal(|ui| back_button(ui, lang, ev));
    ScrollArea::vertical().show(ui, |ui| {
        heading(ui, view.title(lang, o));
        photo_ui(ui, view, lang, o.photo.as_ref(), vec2(ui.available_width().min(900.0), 520.0));
        let site = view.catalog.and_then(|c| c.sites.iter().find(|s| s.id == o.site_id));
        ui.label(
            RichText::new(match site {
                Some(s) => format!("{} · {}", s.name, s.address),
                None => o.site_id.clone(),
            })
            .color(MUTED),
        );
        if let Some(e) = &o.event {
            // An event says what it is, where, and until when one can register.
            let kind = e.kind.name(lang);
            let place = if e.place.trim().is_empty() { String::new() } else { format!(" · {}", e.place) };
            ui.label(RichText::new(format!("{kind}{place}")).strong());
            if let Some(d) = &e.register_until {
                ui.label(format!("{} {d}", lang.pick("Tilmelding senest", "Register by")));
            }
        }
        let (description, written_in) = o.description(lang);
        if lang == Lang::En && written_in == Lang::Da {
            ui.label(RichText::new("The description is in Danish.").italics().color(MUTED));
        }
        markdown_ui(ui, description);
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
