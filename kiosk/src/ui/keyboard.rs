//! The on-screen keyboard: rows of large keys that fill the width of the screen.

use egui::{Button, RichText, Ui, vec2};

use super::look::{BLUE, TOUCH};
use crate::state::Lang;
use crate::state::keyboard::{Key, KeyboardLayout, keyboard_rows};

/// Draw the keyboard and return the key pressed, if any.
pub fn keyboard_ui(ui: &mut Ui, layout: KeyboardLayout, shifted: bool, lang: Lang) -> Option<Key> {
    let mut pressed = None;
    let rows = keyboard_rows(layout, shifted);
    let gap = 8.0;
    // A phone keypad stays narrow; letters use the width, up to what a hand spans.
    let full = ui.available_width().min(1500.0);
    let max_units = rows
        .iter()
        .map(|r| r.iter().map(Key::width).sum::<f32>())
        .fold(0.0_f32, f32::max);
    let unit_budget = if layout == KeyboardLayout::Phone {
        (full / max_units).min(150.0)
    } else {
        full / max_units
    };
    ui.spacing_mut().item_spacing = vec2(gap, gap);
    for row in rows {
        let units: f32 = row.iter().map(Key::width).sum();
        let row_width = units * unit_budget;
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - row_width) / 2.0).max(0.0));
            for key in row {
                let w = key.width() * unit_budget - gap;
                let label = key.label(lang == Lang::Da);
                let is_action = !matches!(key, Key::Char(_) | Key::Text(_) | Key::Space);
                let mut text = RichText::new(&label).size(if is_action { 24.0 } else { 32.0 });
                let mut button =
                    Button::new(text.clone()).min_size(vec2(w.max(TOUCH * 0.9), TOUCH + 8.0));
                if key == Key::Shift && shifted {
                    text = text.color(egui::Color32::WHITE);
                    button = Button::new(text).min_size(vec2(w, TOUCH + 8.0)).fill(BLUE);
                }
                if ui.add(button).clicked() {
                    pressed = Some(key);
                }
            }
        });
    }
    pressed
}
