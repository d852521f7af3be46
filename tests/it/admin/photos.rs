//! Photos: a coordinator uploads a phone photo carrying a GPS position for a job at their
//! site; it is served without it, resized, with long caching, on the portal's job page
//! with its alternative text, and to kiosks over the device API. A file that is no picture,
//! one too large, or one without alternative text is refused with a clear message, and
//! another site's coordinator cannot set it.

use std::io::Cursor;

use frivillig_tests::{Browser, TestServer};

use super::{catalog, coordinator_of_kulturnat, csrf_of};

/// What a phone would leave in a photo: an EXIF block with a GPS position.
const POSITION: &[u8] = b"GLOSTRUP-55.6664N-12.4";

/// A JPEG of `w` × `h` with an EXIF segment holding a GPS latitude reference and a GPS map
/// datum carrying [`POSITION`].
pub(crate) fn phone_photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 120])
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .expect("jpeg");
    // TIFF, big-endian: IFD0 with one entry (GPS IFD at 26), the GPS IFD with two entries
    // (latitude ref "N", map datum at 56), then the datum's bytes.
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend([0, 2]);
    tiff.extend([0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    let n = POSITION.len() as u8 + 1;
    tiff.extend([0, 0x12, 0, 2, 0, 0, 0, n, 0, 0, 0, 56]);
    tiff.extend([0, 0, 0, 0]);
    tiff.extend(POSITION);
    tiff.push(0);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(len.to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// A multipart form body of `fields` and one file.
pub(crate) fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "frivillig-test-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"IMG_0042.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes());
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_is_served_without_its_gps_position_resized_and_cached_and_bad_uploads_are_refused()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    frivillig_tests::library_coordinator(&server)?;
    let mut lise = Browser::new(&server.url())?;
    anyhow::ensure!(
        lise.log_in("lise", "bibliotek-koordinator-2026")
            .await?
            .status
            == 303
    );
    let csrf = csrf_of(&mut lise, "/admin/job/lektiecafe/foto").await?;
    let photo = phone_photo(2400, 1600);
    anyhow::ensure!(
        photo.windows(POSITION.len()).any(|w| w == POSITION),
        "the test photo has its position"
    );
    let alt = [
        ("csrf", csrf.as_str()),
        ("alt_da", "To frivillige læser lektier med en dreng"),
        ("alt_en", "Two volunteers do homework with a boy"),
    ];

    // Refused, each with its reason, and nothing changes.
    let before = catalog(&server).await?;
    let (ct, body) = multipart(&alt, b"Dette er ikke et billede.");
    let a = lise
        .post_raw("/admin/job/lektiecafe/foto", &ct, body)
        .await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("ikke et JPEG- eller PNG-billede"),
        "{} {}",
        a.status,
        a.text()
    );
    let (ct, body) = multipart(&alt, &vec![0xFFu8; 13 * 1024 * 1024]);
    let a = lise
        .post_raw("/admin/job/lektiecafe/foto", &ct, body)
        .await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("Filen er for stor"),
        "{} {}",
        a.status,
        a.text()
    );
    let (ct, body) = multipart(
        &[("csrf", csrf.as_str()), ("alt_da", ""), ("alt_en", "")],
        &photo,
    );
    let a = lise
        .post_raw("/admin/job/lektiecafe/foto", &ct, body)
        .await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("f-alt_da-error"),
        "{} {}",
        a.status,
        a.text()
    );
    let (ct, body) = multipart(&[("csrf", "forkert"), ("alt_da", "x")], &photo);
    anyhow::ensure!(
        lise.post_raw("/admin/job/lektiecafe/foto", &ct, body)
            .await?
            .status
            == 403,
        "a wrong CSRF token"
    );
    let mut kim = coordinator_of_kulturnat(&server).await?;
    let kim_csrf = csrf_of(&mut kim, "/admin/job").await?;
    let (ct, body) = multipart(
        &[("csrf", kim_csrf.as_str()), ("alt_da", "Overtaget")],
        &photo,
    );
    anyhow::ensure!(
        kim.post_raw("/admin/job/lektiecafe/foto", &ct, body)
            .await?
            .status
            == 404,
        "another site's job"
    );
    anyhow::ensure!(
        catalog(&server).await? == before,
        "a refused upload changed the catalog"
    );

    // Taken: named by its hash, with its text, in the catalog.
    let (ct, body) = multipart(&alt, &photo);
    let a = lise
        .post_raw("/admin/job/lektiecafe/foto", &ct, body)
        .await?;
    anyhow::ensure!(a.status == 303, "upload: {} {}", a.status, a.text());
    let p = catalog(&server)
        .await?
        .opportunity("lektiecafe")
        .and_then(|o| o.photo.clone())
        .ok_or_else(|| anyhow::anyhow!("no photo"))?;
    anyhow::ensure!(
        p.alt_da.starts_with("To frivillige") && p.width == 1280 && (852..=854).contains(&p.height),
        "{p:?}"
    );

    // Served without EXIF or the position, at most 1,280 wide, cached for good.
    let http = reqwest::Client::new();
    for size in ["large", "medium", "small"] {
        let r = http
            .get(format!("{}/foto/{}/{size}", server.url(), p.id))
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "{size}: {}", r.status());
        let cache = r
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        anyhow::ensure!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{cache}"
        );
        anyhow::ensure!(
            r.headers()
                .get("content-type")
                .is_some_and(|v| v == "image/jpeg")
        );
        let bytes = r.bytes().await?;
        anyhow::ensure!(
            !bytes.windows(POSITION.len()).any(|w| w == POSITION),
            "{size} still has the position"
        );
        anyhow::ensure!(
            !bytes.windows(4).any(|w| w == b"Exif"),
            "{size} still has EXIF"
        );
        let img = image::load_from_memory(&bytes)?;
        anyhow::ensure!(
            img.width() <= 1280 && img.height() <= 1280,
            "{size}: {}x{}",
            img.width(),
            img.height()
        );
    }
    anyhow::ensure!(
        http.get(format!("{}/foto/{}/huge", server.url(), p.id))
            .send()
            .await?
            .status()
            == 404
    );
    anyhow::ensure!(
        http.get(format!("{}/foto/../../etc/passwd/large", server.url()))
            .send()
            .await?
            .status()
            == 404
    );

    // The portal's job page shows it with its text; kiosks fetch it with their token.
    let page = reqwest::get(format!("{}/frivilligjob/lektiecafe", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        page.contains(&format!("src=\"/foto/{}/medium\"", p.id))
            && page.contains("alt=\"To frivillige læser lektier med en dreng\""),
        "{page}"
    );
    let en = reqwest::get(format!("{}/frivilligjob/lektiecafe?lang=en", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        en.contains("alt=\"Two volunteers do homework with a boy\""),
        "{en}"
    );
    let kiosk = server.enrol("bibliotek-1", "bibliotek").await?;
    let url = format!("{}/api/device/photos/{}/large", server.url(), p.id);
    let r = http
        .get(&url)
        .bearer_auth(frivillig_common::sync::device_token(
            "bibliotek-1",
            &kiosk.device_secret,
        ))
        .send()
        .await?;
    let status = r.status();
    let bytes = r.bytes().await?;
    anyhow::ensure!(
        status == 200 && image::load_from_memory(&bytes).is_ok(),
        "device photo: {status} {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    anyhow::ensure!(
        http.get(&url).send().await?.status() == 401,
        "a photo over the device API without a token"
    );

    // An ambassador of the library gets the same picture; the portal shows it.
    let (ct, body) = multipart(
        &[
            ("csrf", csrf.as_str()),
            ("alt_da", "Mette Holm smiler"),
            ("alt_en", ""),
        ],
        &photo,
    );
    let a = lise
        .post_raw("/admin/ambassadoerer/amb-bibliotek/foto", &ct, body)
        .await?;
    anyhow::ensure!(
        a.status == 303,
        "ambassador photo: {} {}",
        a.status,
        a.text()
    );
    let people = reqwest::get(format!("{}/ambassadoerer", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        people.contains(&format!("src=\"/foto/{}/small\"", p.id))
            && people.contains("alt=\"Mette Holm smiler\""),
        "{people}"
    );
    let (ct, body) = multipart(&[("csrf", kim_csrf.as_str()), ("alt_da", "x")], &photo);
    anyhow::ensure!(
        kim.post_raw("/admin/ambassadoerer/amb-bibliotek/foto", &ct, body)
            .await?
            .status
            == 404,
        "another site's ambassador"
    );

    // Taken away again, audited.
    let a = lise
        .post(
            "/admin/job/lektiecafe/foto/fjern",
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "{}", a.status);
    anyhow::ensure!(
        catalog(&server)
            .await?
            .opportunity("lektiecafe")
            .is_some_and(|o| o.photo.is_none())
    );
    let audit = server.state.store.audit_entries(0, 50)?.0;
    anyhow::ensure!(audit.iter().any(|e| e.by == "lise"
        && e.target == "job lektiecafe"
        && e.detail == format!("photo {}", p.id)));
    server.stop().await;
    Ok(())
}
