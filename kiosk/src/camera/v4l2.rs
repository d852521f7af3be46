//! Frames from the kiosk's camera through Video4Linux 2 (the `v4l` crate, on the kernel's
//! own API): the kiosk asks for YUYV, the format nearly every USB camera gives, and also
//! reads greyscale and MJPEG if that is what the driver answers with. Only the luma is
//! kept: it is all a QR decoder looks at.

use std::path::{Path, PathBuf};

use v4l::buffer::Type;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream as _;
use v4l::video::Capture as _;
use v4l::{Device, FourCC};

use super::{Camera, Frame};

/// Why the camera cannot be used, in Danish then English after " / ".
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// The device could not be opened or set up.
    #[error("Kameraet {0} kunne ikke åbnes ({1}) / The camera {0} could not be opened ({1})")]
    Open(PathBuf, std::io::Error),
    /// The driver gives a pixel format the kiosk does not read.
    #[error(
        "Kameraet giver billeder i formatet {0}, som kiosken ikke læser / The camera gives pictures as {0}, which the kiosk does not read"
    )]
    Format(String),
}

/// A capture stream from a Video4Linux device.
pub struct V4lCamera {
    stream: Stream<'static>,
    format: v4l::Format,
}

const YUYV: &[u8; 4] = b"YUYV";
const GREY: &[u8; 4] = b"GREY";
const MJPG: &[u8; 4] = b"MJPG";

impl V4lCamera {
    /// Open the camera at `path` for 1280×720 (or what the driver offers near it).
    pub fn open(path: &Path) -> Result<V4lCamera, CameraError> {
        let open = |e| CameraError::Open(path.to_owned(), e);
        let device = Device::with_path(path).map_err(open)?;
        let mut want = device.format().map_err(open)?;
        want.width = 1280;
        want.height = 720;
        want.fourcc = FourCC::new(YUYV);
        // The driver answers with what it can do, which may differ from what was asked.
        let format = device.set_format(&want).map_err(open)?;
        if ![YUYV, GREY, MJPG].contains(&&format.fourcc.repr) {
            return Err(CameraError::Format(format.fourcc.to_string()));
        }
        let stream = Stream::with_buffers(&device, Type::VideoCapture, 4).map_err(open)?;
        Ok(V4lCamera { stream, format })
    }
}

impl Camera for V4lCamera {
    fn next_frame(&mut self) -> Option<Frame> {
        match self.stream.next() {
            Ok((buffer, _)) => to_frame(&self.format, buffer),
            Err(e) => {
                tracing::warn!(error = %e, "the camera gave no frame");
                None
            }
        }
    }
}

/// The luma of one captured `buffer` in `format`, or `None` if it is short or not readable.
pub fn to_frame(format: &v4l::Format, buffer: &[u8]) -> Option<Frame> {
    let (width, height) = (format.width as usize, format.height as usize);
    let stride = format.stride as usize;
    let luma = match &format.fourcc.repr {
        YUYV => rows(buffer, stride.max(width * 2), height, |row| {
            row.iter().step_by(2).take(width).copied().collect()
        })?,
        GREY => rows(buffer, stride.max(width), height, |row| {
            row[..width].to_vec()
        })?,
        MJPG => {
            let image = image::load_from_memory_with_format(buffer, image::ImageFormat::Jpeg)
                .ok()?
                .to_luma8();
            if (image.width() as usize, image.height() as usize) != (width, height) {
                return None;
            }
            image.into_raw()
        }
        _ => return None,
    };
    Some(Frame {
        width,
        height,
        luma,
    })
}

/// `height` rows of `stride` bytes from `buffer`, each turned into luma by `row`.
fn rows(
    buffer: &[u8],
    stride: usize,
    height: usize,
    row: impl Fn(&[u8]) -> Vec<u8>,
) -> Option<Vec<u8>> {
    if stride == 0 || buffer.len() < stride * height {
        return None;
    }
    Some(buffer.chunks(stride).take(height).flat_map(row).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(fourcc: &[u8; 4], width: u32, height: u32, stride: u32) -> v4l::Format {
        let mut f = v4l::Format::new(width, height, FourCC::new(fourcc));
        f.stride = stride;
        f
    }

    /// A receipt's QR code as the camera would send it: greyscale pixels packed as YUYV
    /// with padding at the end of each row (as drivers do), and as MJPEG. The luma comes
    /// out whole and the code decodes.
    #[test]
    fn a_qr_code_in_yuyv_or_mjpeg_decodes() {
        let url = "https://frivillig.glostrup.dk/kvittering/abc/token";
        let code = qrcode::QrCode::new(url.as_bytes()).expect("a code");
        // Six pixels a module and a quiet zone of four modules, black on white.
        let (modules, colors) = (code.width() as u32, code.to_colors());
        let side = (modules + 8) * 6;
        let image = image::GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / 6).wrapping_sub(4), (y / 6).wrapping_sub(4));
            let dark = mx < modules
                && my < modules
                && colors[(my * modules + mx) as usize] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        });
        let (w, h) = (image.width(), image.height());
        let stride = w * 2 + 16;
        let mut yuyv = vec![0u8; (stride * h) as usize];
        for (y, row) in yuyv.chunks_mut(stride as usize).enumerate() {
            for x in 0..w as usize {
                row[2 * x] = image.get_pixel(x as u32, y as u32)[0];
                row[2 * x + 1] = 128;
            }
        }
        let frame = to_frame(&format(YUYV, w, h, stride), &yuyv).expect("a frame");
        assert_eq!(frame.luma, image.as_raw().as_slice());
        assert_eq!(super::super::decode(&frame).as_deref(), Some(url));

        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&image)
            .expect("jpeg");
        let frame = to_frame(&format(MJPG, w, h, 0), &jpeg).expect("a frame");
        assert_eq!(super::super::decode(&frame).as_deref(), Some(url));

        // Short or foreign buffers are no frame, never a panic.
        assert!(to_frame(&format(YUYV, w, h, stride), &yuyv[..100]).is_none());
        assert!(to_frame(&format(MJPG, w, h, 0), b"not a jpeg").is_none());
        assert!(to_frame(&format(b"RGB3", w, h, w * 3), &yuyv).is_none());
    }

    /// A device that is not there is refused in words, not a panic.
    #[test]
    fn a_missing_camera_is_said_so() {
        let e = V4lCamera::open(Path::new("/dev/frivillig-no-such-camera"))
            .err()
            .expect("no camera");
        assert!(e.to_string().contains("kunne ikke åbnes"), "{e}");
    }
}
