//! Check-in at the shift, offline, at a kiosk that did not take the signup.

use super::*;

/// The receipt's QR code as a phone shows it: a rendered image with a margin, as frames.
fn receipt_frames(url: &str) -> anyhow::Result<frivillig_kiosk::camera::FedFrames> {
    let code = qrcode::QrCode::new(url.as_bytes())?;
    let (width, modules) = (code.width(), code.to_colors());
    // Eight pixels a module, four modules of quiet zone, as a phone's screen shows it.
    let side = ((width + 8) * 8) as u32;
    let image = image::RgbaImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / 8) as usize, (y / 8) as usize);
        let dark = mx >= 4
            && my >= 4
            && mx - 4 < width
            && my - 4 < width
            && modules[(my - 4) * width + (mx - 4)] == qrcode::Color::Dark;
        if dark {
            image::Rgba([20, 20, 20, 255])
        } else {
            image::Rgba([245, 245, 245, 255])
        }
    });
    let blank = image::RgbaImage::from_pixel(400, 400, image::Rgba([200, 200, 200, 255]));
    Ok(frivillig_kiosk::camera::FedFrames(
        [blank, image]
            .iter()
            .map(frivillig_kiosk::camera::Frame::from_rgba)
            .collect(),
    ))
}

/// A volunteer signed up at telt-a checks in at telt-b by the short code under the QR
/// code, with neither kiosk reaching the server; a wrong code and a check-out before the
/// check-in are refused in words; a second check-in changes nothing; telt-a checks the
/// volunteer out from the receipt's QR code, seen by its camera, 90 minutes later. Back
/// online, the server counts those 90 minutes as the volunteer's hours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_checks_in_at_another_kiosk_offline_and_the_hours_arrive() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    let server = TestServer::start(&server_dir).await?;
    let port = server.addr.port();
    shift_of(&server, 8).await?;
    let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
    let mut kiosks = Vec::new();
    for id in ["telt-a", "telt-b"] {
        kiosks.push(kiosk(&server, id, SITE, dir.path(), &clock).await?);
    }
    introduce(&kiosks).await?;
    server.stop().await;
    let (a, b) = (&kiosks[0], &kiosks[1]);
    let receipt = a
        .core
        .submit_signup(JOB, Some(SHIFT), &visitor_form("ida", 1))
        .await?;
    let code = frivillig_common::presence::short_code_of_receipt(&receipt.url)
        .ok_or_else(|| anyhow::anyhow!("no short code"))?;
    eventually("telt-b holds telt-a's signup", async || {
        b.core.held_journals().await.iter().any(|h| h.signups == 1)
    })
    .await?;

    let wrong = b.core.check_in_by_code("ZZZZ-ZZZZ", false).await;
    anyhow::ensure!(
        matches!(&wrong, Err(e) if e.to_string().contains("Koden findes ikke")),
        "{wrong:?}"
    );
    let early = b.core.check_in_by_code(&code, true).await;
    anyhow::ensure!(
        matches!(&early, Err(frivillig_kiosk::CheckInError::NotCheckedIn)),
        "{early:?}"
    );
    let typed = code.to_lowercase().replace('-', " ");
    let first = b.core.check_in_by_code(&typed, false).await?;
    anyhow::ensure!(first.recorded && first.checked_in, "{first:?}");
    anyhow::ensure!(first.signup_id == receipt.signup_id);
    let again = b.core.check_in_by_code(&code, false).await?;
    anyhow::ensure!(!again.recorded && again.checked_in, "{again:?}");
    // telt-b's staff board: one signed up for tonight's shift, here, none missing.
    let board = b.core.board();
    let row = board
        .iter()
        .find(|s| s.shift_id == SHIFT)
        .ok_or_else(|| anyhow::anyhow!("the shift is not on the board: {board:?}"))?;
    anyhow::ensure!(
        (row.signed_up, row.checked_in, row.missing()) == (1, 1, 0),
        "{row:?}"
    );

    clock.advance(chrono::Duration::minutes(90));
    // telt-a learns of the check-in from telt-b's journal, then checks out by camera.
    eventually("telt-a sees the check-in", async || {
        let mut frames = match receipt_frames(&receipt.url) {
            Ok(f) => f,
            Err(_) => return false,
        };
        matches!(
            a.core.check_in_from_camera(&mut frames, 5, true).await,
            Ok(p) if p.recorded && !p.checked_in
        )
    })
    .await?;
    let mut nothing = frivillig_kiosk::camera::FedFrames::default();
    let blind = a.core.check_in_from_camera(&mut nothing, 5, true).await;
    anyhow::ensure!(
        matches!(blind, Err(frivillig_kiosk::CheckInError::NoCode)),
        "{blind:?}"
    );

    let server = TestServer::start_on(&server_dir, port).await?;
    for k in &kiosks {
        k.core.sync_now();
    }
    let year = chrono::Datelike::year(&clock_now(&clock));
    eventually("the server counts the 90 minutes", async || {
        frivillig_sync_server::service::hours::person_hours(&server.state, &receipt.signup_id)
            .await
            .is_ok_and(|h| h.in_year(year) == 90)
    })
    .await?;
    for k in kiosks {
        k.stop().await;
    }
    server.stop().await;
    Ok(())
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<chrono::FixedOffset> {
    frivillig_kiosk::Clock::now(clock)
}
