//! The receipt QR code, painted module by module so it is sharp at any size and needs no
//! image texture.

use egui::emath::GuiRounding as _;
use egui::{Color32, Rect, Sense, Ui, vec2};
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard asks, so phone cameras lock on.
const QUIET_ZONE: usize = 4;

/// Paint a QR code of `payload`, `side` points wide including the quiet zone, with an
/// accessible label. Returns `None` (and paints nothing) if the payload cannot be encoded,
/// which for a receipt link only happens if the configured public URL is absurdly long.
pub fn qr_ui(ui: &mut Ui, payload: &str, side: f32, label: &str) -> Option<egui::Response> {
    // Medium error correction: survives glare on a screen and keeps modules large.
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let modules = width + 2 * QUIET_ZONE;
    // Whole pixels per module keep edges crisp for the camera.
    let ppp = ui.ctx().pixels_per_point();
    let module_px = ((side * ppp) / modules as f32).floor().max(1.0);
    let module = module_px / ppp;
    let total = module * modules as f32;
    // The box is always `side` wide, whatever the code's version, so the layout around
    // it does not move with the length of the link; the code sits in its middle.
    let (rect, response) = ui.allocate_exact_size(vec2(side, side), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::WHITE);
    let origin = (rect.center() - vec2(total, total) / 2.0).round_to_pixels(ppp);
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let x = (i % width + QUIET_ZONE) as f32 * module;
            let y = (i / width + QUIET_ZONE) as f32 * module;
            painter.rect_filled(
                Rect::from_min_size(origin + vec2(x, y), vec2(module, module)),
                0.0,
                Color32::BLACK,
            );
        }
    }
    let label = label.to_owned();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    Some(response)
}
