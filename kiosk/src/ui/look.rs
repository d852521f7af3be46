//! The kiosk's look: large type, high contrast, touch targets of at least 64 px, in the
//! municipality's blue. Read from across a room; touched by fingers, not a mouse.

use egui::{Color32, FontFamily, FontId, Stroke, TextStyle};

/// Deep municipal blue; white text on it has a contrast ratio above 8:1.
pub const BLUE: Color32 = Color32::from_rgb(0x00, 0x4B, 0x87);
/// Light blue for cards.
pub const CARD: Color32 = Color32::from_rgb(0xEA, 0xF1, 0xF8);
/// Body text: near black on white, contrast above 15:1.
pub const INK: Color32 = Color32::from_rgb(0x1A, 0x1A, 0x1A);
/// Secondary text, still above 7:1 on white.
pub const MUTED: Color32 = Color32::from_rgb(0x44, 0x4C, 0x56);
/// Validation messages; above 6:1 on white.
pub const ERROR: Color32 = Color32::from_rgb(0xA8, 0x00, 0x1C);
/// Confirmations and "online".
pub const GREEN: Color32 = Color32::from_rgb(0x0B, 0x6B, 0x2E);
/// The smallest touch target, in points.
pub const TOUCH: f32 = 64.0;

/// Set fonts, colours and spacing on the context. Called once at start.
pub fn install_look(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Light);
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(46.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(27.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(28.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(21.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(24.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(16.0, 16.0);
        style.spacing.button_padding = egui::vec2(22.0, 14.0);
        style.spacing.interact_size = egui::vec2(TOUCH, TOUCH);
        style.spacing.icon_width = 40.0;
        style.spacing.icon_width_inner = 26.0;
        style.spacing.scroll.bar_width = 18.0;
        style.interaction.selectable_labels = false;
        let v = &mut style.visuals;
        *v = egui::Visuals::light();
        v.override_text_color = Some(INK);
        v.panel_fill = Color32::WHITE;
        v.window_fill = Color32::WHITE;
        v.extreme_bg_color = Color32::WHITE;
        v.selection.bg_fill = BLUE;
        v.selection.stroke = Stroke::new(2.0, Color32::WHITE);
        v.widgets.inactive.weak_bg_fill = CARD;
        v.widgets.inactive.bg_stroke = Stroke::new(2.0, BLUE);
        v.widgets.hovered.weak_bg_fill = Color32::from_rgb(0xD6, 0xE4, 0xF2);
        v.widgets.hovered.bg_stroke = Stroke::new(3.0, BLUE);
        v.widgets.active.weak_bg_fill = Color32::from_rgb(0xBF, 0xD4, 0xEA);
        v.widgets.active.bg_stroke = Stroke::new(3.0, BLUE);
        v.widgets.noninteractive.fg_stroke = Stroke::new(1.0, INK);
        v.widgets.inactive.fg_stroke = Stroke::new(2.0, INK);
        v.widgets.inactive.corner_radius = 10.into();
        v.widgets.hovered.corner_radius = 10.into();
        v.widgets.active.corner_radius = 10.into();
    });
}
