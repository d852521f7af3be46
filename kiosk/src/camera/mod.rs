//! Reading a receipt's QR code for check-in: frames come from a [`Camera`], and `rqrr` (a
//! pure-Rust QR decoder) finds the receipt link in them. The trait is small so that tests,
//! and a kiosk without a camera, can feed frames (a photo of a paper receipt, a phone's
//! screen) without a device; the kiosk's camera ([`v4l2`]) implements the same trait.

pub mod v4l2;

use std::collections::VecDeque;

use crate::core::{CheckInError, KioskCore, Presence};

/// One greyscale frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Luma, row by row (`width * height` bytes).
    pub luma: Vec<u8>,
}

impl Frame {
    /// A frame from an RGBA image (a screenshot, a photo).
    pub fn from_rgba(image: &image::RgbaImage) -> Frame {
        let (w, h) = image.dimensions();
        let luma = image
            .pixels()
            .map(|p| ((u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10) as u8)
            .collect();
        Frame {
            width: w as usize,
            height: h as usize,
            luma,
        }
    }
}

/// A source of frames.
pub trait Camera: Send {
    /// The next frame, `None` when there is none (yet).
    fn next_frame(&mut self) -> Option<Frame>;
}

/// Frames given in advance, in order: for tests, and for images staff load by hand.
#[derive(Debug, Default)]
pub struct FedFrames(pub VecDeque<Frame>);

impl Camera for FedFrames {
    fn next_frame(&mut self) -> Option<Frame> {
        self.0.pop_front()
    }
}

/// The text of the first QR code in `frame` that decodes, if any.
pub fn decode(frame: &Frame) -> Option<String> {
    if frame.luma.len() != frame.width * frame.height {
        return None;
    }
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(frame.width, frame.height, |x, y| {
            frame.luma[y * frame.width + x]
        });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
}

/// The text of the first QR code in up to `frames` frames (a receipt link, a kiosk's
/// address); blocking: it waits for the camera and decodes.
pub fn find_code(camera: &mut dyn Camera, frames: usize) -> Option<String> {
    (0..frames)
        .map_while(|_| camera.next_frame())
        .find_map(|frame| decode(&frame))
}

impl KioskCore {
    /// Check in (or out) whoever's receipt the camera shows first, looking at up to
    /// `frames` frames. A code that is not a receipt this kiosk can see is refused in words.
    pub async fn check_in_from_camera(
        &self,
        camera: &mut dyn Camera,
        frames: usize,
        out: bool,
    ) -> Result<Presence, CheckInError> {
        for _ in 0..frames {
            let Some(frame) = camera.next_frame() else {
                break;
            };
            let text = tokio::task::spawn_blocking(move || decode(&frame))
                .await
                .ok()
                .flatten();
            if let Some(url) = text {
                return self.check_in_by_receipt(&url, out).await;
            }
        }
        Err(CheckInError::NoCode)
    }
}
