//! The demo catalog's pictures, painted here by code (so they are ours to ship, under the
//! project's licence): a sky, the ground, the sun and a few people of the job, in the
//! colours of its place. Each is drawn the same on every machine, so its id is too.

use image::{Rgb, RgbImage};

/// What a picture shows, for its alternative text and its colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// A table with books and two people (the library).
    Library,
    /// A garden path and two people walking (the nursing home).
    Garden,
    /// A tent and a crowd in the evening (Kulturnat).
    Festival,
}

impl Scene {
    /// The alternative text, Danish and English.
    pub fn alt(self) -> (&'static str, &'static str) {
        match self {
            Scene::Library => (
                "Tegning: to personer ved et bord med bøger",
                "Drawing: two people at a table with books",
            ),
            Scene::Garden => (
                "Tegning: to personer går en tur i en have",
                "Drawing: two people walk in a garden",
            ),
            Scene::Festival => (
                "Tegning: et telt og mennesker en aften i byparken",
                "Drawing: a tent and people one evening in the town park",
            ),
        }
    }
}

fn disc(img: &mut RgbImage, cx: i64, cy: i64, r: i64, c: Rgb<u8>) {
    for y in (cy - r).max(0)..(cy + r).min(i64::from(img.height())) {
        for x in (cx - r).max(0)..(cx + r).min(i64::from(img.width())) {
            if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                img.put_pixel(x as u32, y as u32, c);
            }
        }
    }
}

fn rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb<u8>) {
    for y in y0.max(0)..y1.min(i64::from(img.height())) {
        for x in x0.max(0)..x1.min(i64::from(img.width())) {
            img.put_pixel(x as u32, y as u32, c);
        }
    }
}

/// A person standing with their feet at (`x`, `y`), `h` tall.
fn person(img: &mut RgbImage, x: i64, y: i64, h: i64, shirt: Rgb<u8>) {
    let skin = Rgb([0xE8, 0xB8, 0x90]);
    let head = h / 7;
    rect(
        img,
        x - h / 8,
        y - h + 2 * head,
        x + h / 8,
        y - h / 3,
        shirt,
    );
    rect(
        img,
        x - h / 10,
        y - h / 3,
        x - h / 40,
        y,
        Rgb([0x33, 0x3D, 0x55]),
    );
    rect(
        img,
        x + h / 40,
        y - h / 3,
        x + h / 10,
        y,
        Rgb([0x33, 0x3D, 0x55]),
    );
    disc(img, x, y - h + head, head, skin);
}

/// The picture of `scene`, 1200 × 800.
pub fn paint(scene: Scene) -> RgbImage {
    let (w, h) = (1200u32, 800u32);
    let (top, bottom, ground) = match scene {
        Scene::Library => ([0xF3, 0xE9, 0xD2], [0xE2, 0xD3, 0xB0], [0x8A, 0x5A, 0x3C]),
        Scene::Garden => ([0x9F, 0xD3, 0xF5], [0xDD, 0xF1, 0xFB], [0x5E, 0x9E, 0x4A]),
        Scene::Festival => ([0x1F, 0x2A, 0x5A], [0xC9, 0x6A, 0x4A], [0x3B, 0x4A, 0x2E]),
    };
    let mut img = RgbImage::from_fn(w, h, |_, y| {
        let t = f64::from(y) / f64::from(h);
        let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - t) + f64::from(b) * t) as u8;
        Rgb([
            mix(top[0], bottom[0]),
            mix(top[1], bottom[1]),
            mix(top[2], bottom[2]),
        ])
    });
    let horizon = i64::from(h) * 2 / 3;
    rect(
        &mut img,
        0,
        horizon,
        i64::from(w),
        i64::from(h),
        Rgb(ground),
    );
    match scene {
        Scene::Library => {
            // Shelves behind, a table in front with a pile of books.
            for row in 0..3 {
                let y = 120 + row * 110;
                rect(&mut img, 80, y, 1120, y + 12, Rgb([0x6B, 0x44, 0x2B]));
                for b in 0..24 {
                    let colours = [
                        [0xB0, 0x3A, 0x2E],
                        [0x2E, 0x5E, 0xAA],
                        [0xE0, 0xA4, 0x1B],
                        [0x3C, 0x8D, 0x5A],
                    ];
                    let c = colours[(b + row as usize) % 4];
                    let x = 90 + b as i64 * 43;
                    rect(&mut img, x, y - 70 + (b as i64 % 3) * 8, x + 34, y, Rgb(c));
                }
            }
            person(&mut img, 420, 640, 330, Rgb([0x2E, 0x5E, 0xAA]));
            person(&mut img, 780, 640, 300, Rgb([0xE0, 0xA4, 0x1B]));
            rect(&mut img, 300, 560, 900, 590, Rgb([0x6B, 0x44, 0x2B]));
            rect(&mut img, 560, 520, 650, 560, Rgb([0xB0, 0x3A, 0x2E]));
        }
        Scene::Garden => {
            disc(&mut img, 1000, 150, 80, Rgb([0xFF, 0xD8, 0x4D]));
            for (x, r) in [(150, 110), (320, 80), (1050, 120)] {
                rect(
                    &mut img,
                    x - 14,
                    horizon - 160,
                    x + 14,
                    horizon,
                    Rgb([0x6B, 0x44, 0x2B]),
                );
                disc(&mut img, x, horizon - 190, r, Rgb([0x3F, 0x8A, 0x3A]));
            }
            rect(
                &mut img,
                480,
                horizon,
                720,
                i64::from(h),
                Rgb([0xD9, 0xC2, 0x94]),
            );
            person(&mut img, 540, 720, 320, Rgb([0x9B, 0x4F, 0x96]));
            person(&mut img, 660, 720, 280, Rgb([0x2E, 0x8B, 0x8B]));
        }
        Scene::Festival => {
            for (x, y) in [(150, 90), (400, 60), (700, 120), (980, 70), (1100, 200)] {
                disc(&mut img, x, y, 4, Rgb([0xFF, 0xF6, 0xD5]));
            }
            // A tent: a roof of stripes over a box.
            for i in 0..300i64 {
                let half = i * 260 / 300;
                let c = if (i / 30) % 2 == 0 {
                    [0xE6, 0x3E, 0x3E]
                } else {
                    [0xF5, 0xF0, 0xE6]
                };
                rect(&mut img, 600 - half, 180 + i, 600 + half, 181 + i, Rgb(c));
            }
            rect(&mut img, 380, 480, 820, horizon, Rgb([0xF5, 0xF0, 0xE6]));
            for (i, x) in [140, 260, 900, 1010, 1110].into_iter().enumerate() {
                let shirts = [[0xE0, 0xA4, 0x1B], [0x2E, 0x5E, 0xAA], [0x3C, 0x8D, 0x5A]];
                person(
                    &mut img,
                    x,
                    760,
                    260 - (i as i64 % 2) * 30,
                    Rgb(shirts[i % 3]),
                );
            }
        }
    }
    img
}

/// The picture of `scene` as PNG bytes, as an upload would bring it.
pub fn png(scene: Scene) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec does not fail.
    let _ = image::DynamicImage::ImageRgb8(paint(scene))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

/// Paint the demo's pictures, store them, and name them in `catalog` (the demo catalog of
/// a first start): the library's jobs, the nursing home's walk, Kulturnat's jobs. A job the
/// catalog lacks is skipped.
pub fn add_to_demo(
    store: &crate::store::Store,
    catalog: &mut frivillig_common::domain::Catalog,
) -> Result<(), crate::store::StoreError> {
    let jobs: [(Scene, &[&str]); 3] = [
        (Scene::Library, &["lektiecafe", "hojtlaesning"]),
        (Scene::Garden, &["gaatur"]),
        (Scene::Festival, &["kulturnat-info", "kulturnat-oprydning"]),
    ];
    for (scene, ids) in jobs {
        let image = image::DynamicImage::ImageRgb8(paint(scene));
        let Ok(p) = crate::service::photos::process_image(image) else {
            continue;
        };
        let sizes: Vec<(&str, &[u8])> = p
            .sizes
            .iter()
            .map(|(s, b)| (s.as_str(), b.as_slice()))
            .collect();
        store.put_photo(&p.id, &sizes)?;
        let (alt_da, alt_en) = scene.alt();
        for o in catalog
            .opportunities
            .iter_mut()
            .filter(|o| ids.contains(&o.id.as_str()))
        {
            o.photo = Some(frivillig_common::domain::Photo {
                id: p.id.clone(),
                alt_da: alt_da.into(),
                alt_en: alt_en.into(),
                width: p.width,
                height: p.height,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scene_is_drawn_the_same_every_time_and_differs_from_the_others() {
        let a = crate::service::photos::process(&png(Scene::Library)).expect("library");
        let again = crate::service::photos::process(&png(Scene::Library)).expect("again");
        let b = crate::service::photos::process(&png(Scene::Festival)).expect("festival");
        assert_eq!(a.id, again.id);
        assert_ne!(a.id, b.id);
        assert_eq!((a.width, a.height), (1200, 800));
    }
}
