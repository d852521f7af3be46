//! The catalog as a TOML file, and posters whose QR codes open the job pages.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{KioskCore, SyncWorker, SystemClock};
use frivillig_tests::{TestServer, wait_status};

use std::process::Command;

use super::provision;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_export_import_round_trip_and_refusals() -> anyhow::Result<()> {
    use frivillig_common::catalog_file::{catalog_to_toml, parse_catalog_toml};
    use frivillig_common::domain::{Opportunity, Requirements, Shift};

    let dir = tempfile::tempdir()?;
    let a = TestServer::start(&dir.path().join("a")).await?;
    let b = TestServer::start(&dir.path().join("b")).await?;
    let path = |name: &str| {
        dir.path()
            .join(name)
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };

    let (ok, _, err) = provision(&[
        "catalog-export",
        "--server",
        &a.url(),
        "--admin-token",
        &a.admin_token,
        "--out",
        &path("a.toml"),
    ])?;
    anyhow::ensure!(ok, "export: {err}");
    let (ok, _, err) = provision(&[
        "catalog-export",
        "--server",
        &a.url(),
        "--admin-token",
        &a.admin_token,
        "--out",
        &path("a.toml"),
    ])?;
    anyhow::ensure!(
        !ok && err.contains("not overwriting"),
        "export over a file: {err}"
    );

    // Municipal staff add a job with a shift, then import into a fresh server.
    let mut catalog = parse_catalog_toml(&std::fs::read_to_string(path("a.toml"))?)
        .map_err(|p| anyhow::anyhow!("{p:?}"))?;
    catalog.opportunities.push(Opportunity {
        id: "frivillig-fredag".into(),
        site_id: "kulturnat".into(),
        title: "Vært ved Frivillig Fredag".into(),
        title_en: "Host at Volunteer Friday".into(),
        theme: "fællesskab".into(),
        description_md: "Tag imod gæsterne og vis rundt.".into(),
        requirements: Requirements::default(),
        shifts: vec![Shift {
            id: "ff-1".into(),
            starts: "2027-09-24T16:00:00+02:00".into(),
            ends: "2027-09-24T19:00:00+02:00".into(),
            capacity: 10,
        }],
        ambassador_id: Some("amb-kultur".into()),
        contact: String::new(),
        description_md_en: String::new(),
        visible_from: None,
        visible_until: None,
        photo: None,
        event: None,
    });
    let edited = catalog_to_toml(&catalog)?;
    std::fs::write(path("edited.toml"), &edited)?;

    let enrol = b.enrol("kiosk-c", "kulturnat").await?;
    let config =
        frivillig_tests::kiosk_config(&b.url(), &enrol, "kulturnat", &dir.path().join("kiosk"));
    let core = KioskCore::open(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    anyhow::ensure!(
        core.catalog()
            .is_some_and(|c| c.opportunity("frivillig-fredag").is_none())
    );

    let (ok, _, err) = provision(&[
        "catalog-import",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        &path("edited.toml"),
    ])?;
    anyhow::ensure!(ok, "import: {err}");
    let (ok, _, err) = provision(&[
        "catalog-export",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        "--out",
        &path("b.toml"),
    ])?;
    anyhow::ensure!(ok, "export: {err}");
    anyhow::ensure!(
        std::fs::read_to_string(path("b.toml"))? == edited,
        "export after import differs"
    );

    // The kiosk gets the new job at its next sync.
    let mut seen = false;
    for _ in 0..100 {
        worker.sync_now();
        let mut rx = core.subscribe_status();
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.changed()).await;
        if core
            .catalog()
            .is_some_and(|c| c.opportunity("frivillig-fredag").is_some())
        {
            seen = true;
            break;
        }
    }
    anyhow::ensure!(seen, "the kiosk never received the imported job");

    // A file with errors names file and line, and changes nothing.
    let broken = edited.replacen("site = \"kulturnat\"", "site = \"kulturhus\"", 1);
    let bad_line = broken
        .lines()
        .position(|l| l.contains("kulturhus"))
        .map(|i| i + 1)
        .unwrap_or(0);
    std::fs::write(path("broken.toml"), &broken)?;
    let (ok, _, err) = provision(&[
        "catalog-import",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        &path("broken.toml"),
    ])?;
    anyhow::ensure!(
        !ok && err.contains(&format!("broken.toml:{bad_line}: ")) && err.contains("No such site"),
        "{err}"
    );
    // A consent text changed in place is refused: people accepted the old wording.
    let reworded = edited.replacen("Glostrup Kommune gemmer", "Kommunen gemmer", 1);
    std::fs::write(path("reworded.toml"), &reworded)?;
    let (ok, _, err) = provision(&[
        "catalog-import",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        &path("reworded.toml"),
    ])?;
    anyhow::ensure!(!ok && err.contains("consent version 1"), "{err}");
    let (ok, _, _) = provision(&[
        "catalog-export",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        "--out",
        &path("b2.toml"),
    ])?;
    anyhow::ensure!(
        ok && std::fs::read_to_string(path("b2.toml"))? == edited,
        "a refused import changed the catalog"
    );

    worker.stop().await;
    core.shutdown().await;
    a.stop().await;
    b.stop().await;
    Ok(())
}

/// Decode every QR code in a PNG file.
fn decode_png(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels * (info.bit_depth as usize / 8).max(1);
        if channels >= 3 {
            ((buf[i] as u32 + buf[i + 1] as u32 + buf[i + 2] as u32) / 3) as u8
        } else {
            buf[i]
        }
    });
    Ok(img
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poster_qr_codes_decode_to_the_signup_pages() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let out = dir.path().join("print");
    let (ok, _, err) = provision(&[
        "posters",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--out-dir",
        out.to_str().unwrap_or_default(),
        "--public-url",
        "https://frivillig.glostrup.dk",
        "--cards-for-site",
        "kulturnat",
    ])?;
    anyhow::ensure!(ok, "posters: {err}");
    let render_pdf = |name: &str| -> anyhow::Result<std::path::PathBuf> {
        let prefix = dir.path().join(name);
        let st = Command::new("pdftoppm")
            .args(["-r", "100", "-png", "-singlefile"])
            .arg(out.join(format!("{name}.pdf")))
            .arg(&prefix)
            .status()?;
        anyhow::ensure!(st.success(), "pdftoppm failed on {name}.pdf");
        Ok(prefix.with_extension("png"))
    };
    let render_svg = |name: &str| -> anyhow::Result<std::path::PathBuf> {
        let png = dir.path().join(format!("{name}-svg.png"));
        let st = Command::new("rsvg-convert")
            .args(["-w", "900", "-b", "white", "-o"])
            .arg(&png)
            .arg(out.join(format!("{name}.svg")))
            .status()?;
        anyhow::ensure!(st.success(), "rsvg-convert failed on {name}.svg");
        Ok(png)
    };
    for job in ["gaatur", "lektiecafe", "kulturnat-info"] {
        let want = format!("https://frivillig.glostrup.dk/frivilligjob/{job}");
        for png in [
            render_pdf(&format!("plakat-{job}"))?,
            render_svg(&format!("plakat-{job}"))?,
        ] {
            let found = decode_png(&png)?;
            anyhow::ensure!(
                found == vec![want.clone()],
                "{}: decoded {found:?}",
                png.display()
            );
        }
    }
    let mut cards = decode_png(&render_pdf("bordkort-kulturnat")?)?;
    cards.sort();
    anyhow::ensure!(
        cards
            == vec![
                "https://frivillig.glostrup.dk/frivilligjob/kulturnat-info".to_owned(),
                "https://frivillig.glostrup.dk/frivilligjob/kulturnat-oprydning".to_owned()
            ],
        "table cards decoded {cards:?}"
    );
    let (ok, _, err) = provision(&[
        "posters",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--out-dir",
        out.to_str().unwrap_or_default(),
        "--opportunity",
        "gaatur",
    ])?;
    anyhow::ensure!(!ok && err.contains("not overwriting"), "{err}");
    server.stop().await;
    Ok(())
}
