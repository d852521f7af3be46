//! Photos for jobs and ambassadors: an upload (JPEG or PNG) is decoded with limits, turned
//! upright, and encoded again as JPEG in the sizes kiosk and portal need. Encoding anew
//! keeps nothing of the file but its pixels: no EXIF, no GPS position, no camera serial.
//! Each photo is stored by the hash of its largest size, beside the catalog.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest upload taken: a phone's photo is 2–6 MB.
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;

/// The largest picture decoded, in pixels either way (a 48 MP phone is 8,000 wide).
const MAX_SIDE: u32 = 10_000;

/// JPEG quality of every size: no visible loss at these sizes, a quarter of quality 95.
const QUALITY: u8 = 82;

/// The sizes a photo is kept in: the longest side at most this many pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoSize {
    /// The kiosk's job page and start screen (a 1080 × 1920 screen).
    Large,
    /// The portal's job page.
    Medium,
    /// Lists and the ambassadors' page.
    Small,
}

impl PhotoSize {
    /// Every size, largest first.
    pub const ALL: [PhotoSize; 3] = [PhotoSize::Large, PhotoSize::Medium, PhotoSize::Small];

    /// The longest side, in pixels.
    pub fn pixels(self) -> u32 {
        match self {
            PhotoSize::Large => 1280,
            PhotoSize::Medium => 800,
            PhotoSize::Small => 320,
        }
    }

    /// Its name in addresses and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoSize::Large => "large",
            PhotoSize::Medium => "medium",
            PhotoSize::Small => "small",
        }
    }

    /// The size of this name.
    pub fn parse(s: &str) -> Option<PhotoSize> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why an upload is not taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    /// More than [`MAX_UPLOAD_BYTES`].
    #[error("the file is larger than {} MB", MAX_UPLOAD_BYTES / (1024 * 1024))]
    TooLarge,
    /// Not a JPEG or PNG file.
    #[error("the file is not a JPEG or PNG picture")]
    NotAPicture,
    /// A JPEG or PNG that cannot be read, or more than [`MAX_SIDE`] pixels.
    #[error("the picture cannot be read: {0}")]
    Unreadable(String),
}

/// A processed upload: its id and its sizes as JPEG.
#[derive(Debug, Clone)]
pub struct Processed {
    /// SHA-256 of the largest size, hex.
    pub id: String,
    /// Width of the largest size.
    pub width: u32,
    /// Height of the largest size.
    pub height: u32,
    /// Each size's JPEG bytes.
    pub sizes: Vec<(PhotoSize, Vec<u8>)>,
}

/// Decode, turn upright, and encode `bytes` in every size. CPU-bound: call it off the async
/// workers.
pub fn process(bytes: &[u8]) -> Result<Processed, PhotoError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => return Err(PhotoError::NotAPicture),
    };
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // A phone stores a portrait as a landscape plus "turn it"; the turn is EXIF, which goes.
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    process_image(picture)
}

/// Encode a decoded, upright picture in every size (see [`process`]).
pub fn process_image(picture: DynamicImage) -> Result<Processed, PhotoError> {
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    // JPEG has no transparency: what was transparent becomes white.
    let picture = DynamicImage::ImageRgb8(flatten(&picture));
    let mut sizes = Vec::new();
    for size in PhotoSize::ALL {
        let max = size.pixels();
        let scaled = if picture.width() > max || picture.height() > max {
            picture.resize(max, max, image::imageops::FilterType::Triangle)
        } else {
            picture.clone()
        };
        let mut out = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY);
        scaled.write_with_encoder(encoder).map_err(unreadable)?;
        sizes.push((size, out, scaled.width(), scaled.height()));
    }
    let (_, largest, width, height) = &sizes[0];
    let id = frivillig_common::domain::Photo::id_of(largest);
    let (width, height) = (*width, *height);
    Ok(Processed {
        id,
        width,
        height,
        sizes: sizes.into_iter().map(|(s, b, _, _)| (s, b)).collect(),
    })
}

fn flatten(picture: &DynamicImage) -> image::RgbImage {
    let rgba = picture.to_rgba8();
    let mut out = image::RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = p.0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        *o = image::Rgb([over(r), over(g), over(b)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("png");
        out
    }

    #[test]
    fn an_upload_becomes_three_jpeg_sizes_named_by_their_content() {
        let p = process(&png(2000, 1000)).expect("processed");
        assert_eq!((p.width, p.height), (1280, 640));
        assert_eq!(p.sizes.len(), 3);
        for (size, bytes) in &p.sizes {
            let back = image::load_from_memory(bytes).expect("jpeg");
            assert!(back.width().max(back.height()) <= size.pixels());
            assert_eq!(image::guess_format(bytes).ok(), Some(ImageFormat::Jpeg));
        }
        assert_eq!(
            p.id,
            process(&png(2000, 1000)).expect("again").id,
            "same picture, same id"
        );
        assert!(frivillig_common::domain::Photo::valid_id(&p.id));
    }

    #[test]
    fn a_small_picture_is_not_enlarged_and_a_non_picture_is_refused() {
        let p = process(&png(300, 200)).expect("processed");
        assert_eq!((p.width, p.height), (300, 200));
        assert_eq!(
            process(b"GIF89a not ours").err(),
            Some(PhotoError::NotAPicture)
        );
        assert_eq!(process(b"%PDF-1.7").err(), Some(PhotoError::NotAPicture));
        let mut broken = png(50, 50);
        broken.truncate(60);
        assert!(matches!(process(&broken), Err(PhotoError::Unreadable(_))));
        assert_eq!(
            process(&vec![0u8; MAX_UPLOAD_BYTES + 1]).err(),
            Some(PhotoError::TooLarge)
        );
    }
}
