//! The receipt QR code, painted module by module so it is sharp at any size and needs no
//! image texture.

use std::sync::Arc;

use egui::emath::GuiRounding as _;
use egui::{Color32, Rect, Sense, Ui, vec2};
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard asks, so phone cameras lock on.
const QUIET_ZONE: usize = 4;

/// The modules of the code for `payload` (true = dark), row by row, and the width. Encoding
/// (error correction and the choice of mask) costs about a millisecond, so the last code
/// is kept in egui's memory and a frame only paints it.
fn encoded(ctx: &egui::Context, payload: &str) -> Option<(usize, Arc<Vec<bool>>)> {
    type Cached = (String, usize, Arc<Vec<bool>>);
    let id = egui::Id::unique("receipt-qr");
    if let Some((p, w, m)) = ctx.data(|d| d.get_temp::<Cached>(id))
        && p == payload
    {
        return Some((w, m));
    }
    // Medium error correction: survives glare on a screen and keeps modules large.
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let modules: Arc<Vec<bool>> = Arc::new(
        code.to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    );
    ctx.data_mut(|d| d.insert_temp::<Cached>(id, (payload.to_owned(), width, modules.clone())));
    Some((width, modules))
}

/// Paint a QR code of `payload`, `side` points wide including the quiet zone, with an
/// accessible label. Returns `None` (and paints nothing) if the payload cannot be encoded,
/// which for a receipt link only happens if the configured public URL is absurdly long.
pub fn qr_ui(ui: &mut Ui, payload: &str, side: f32, label: &str) -> Option<egui::Response> {
    let (width, colors) = encoded(ui.ctx(), payload)?;
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
    // One mesh for the whole code, with each horizontal run of dark modules as one
    // rectangle: a few hundred quads instead of a thousand shapes to tessellate a frame.
    let mut mesh = egui::Mesh::default();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] {
                x += 1;
            }
            let min = origin
                + vec2(
                    (start + QUIET_ZONE) as f32 * module,
                    (y + QUIET_ZONE) as f32 * module,
                );
            let size = vec2((x - start) as f32 * module, module);
            mesh.add_colored_rect(Rect::from_min_size(min, size), Color32::BLACK);
        }
    }
    painter.add(egui::Shape::mesh(mesh));
    let label = label.to_owned();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    Some(response)
}
