//! Spots left across kiosks that see each other.

use super::*;

/// Three kiosks of the site take signups with the server gone: each sees the others' in
/// its spots left within seconds, so the shift's last spot shows as taken everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosks_of_a_site_count_each_others_signups_without_the_server() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    shift_of(&server, 3).await?;
    let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
    let mut kiosks = Vec::new();
    for id in ["telt-a", "telt-b", "telt-c"] {
        kiosks.push(kiosk(&server, id, SITE, dir.path(), &clock).await?);
    }
    introduce(&kiosks).await?;
    let before = taken(&kiosks[0].core);
    server.stop().await;

    for (n, k) in kiosks.iter().enumerate() {
        k.core
            .submit_signup(JOB, Some(SHIFT), &visitor_form(&k.id, n))
            .await?;
        let want = before + n as u32 + 1;
        for other in &kiosks {
            eventually(
                &format!("{} counts {want} at {}", other.id, k.id),
                async || taken(&other.core) == want,
            )
            .await?;
        }
    }
    for k in &kiosks {
        anyhow::ensure!(
            taken(&k.core) == 3,
            "{} counts {} spots taken of 3",
            k.id,
            taken(&k.core)
        );
        let held = k.core.held_journals().await;
        anyhow::ensure!(held.len() == 2, "{} holds {held:?}", k.id);
        anyhow::ensure!(
            k.core.peers_seen().len() == 2,
            "{} heard from {:?}",
            k.id,
            k.core.peers_seen()
        );
    }
    for k in kiosks {
        k.stop().await;
    }
    Ok(())
}
