//! Store and forward, and acknowledgements carried back.

use super::*;

/// Two kiosks never reach the server; the third does, carries their journals, and brings
/// back the server's signed acknowledgements, on which the two delete their closed
/// journals. A forged or altered acknowledgement, told by an enrolled kiosk, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_kiosk_carries_the_others_journals_and_their_acknowledgements() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    let server = TestServer::start(&server_dir).await?;
    let port = server.addr.port();
    // Two minutes to midnight: past it the day's journals are closed.
    let today = chrono::Utc::now().date_naive();
    let clock = ManualClock::new(DateTime::parse_from_rfc3339(&format!(
        "{today}T23:58:00+01:00"
    ))?);
    let mut kiosks = Vec::new();
    for id in ["telt-a", "telt-b", "telt-c"] {
        kiosks.push(kiosk(&server, id, SITE, dir.path(), &clock).await?);
    }
    let forger = kiosk(&server, "telt-f", SITE, dir.path(), &clock).await?;
    introduce(&kiosks).await?;
    server.stop().await;
    // Only telt-c will sync with the server again.
    for k in &mut kiosks[..2] {
        if let Some(w) = k.worker.take() {
            w.stop().await;
        }
    }
    let mut ids = std::collections::HashSet::new();
    for (n, k) in kiosks.iter().enumerate() {
        for i in 0..3 {
            let r = k
                .core
                .submit_signup(JOB, Some(SHIFT), &visitor_form(&k.id, n * 3 + i))
                .await?;
            ids.insert(r.signup_id);
        }
    }
    clock.advance(chrono::Duration::minutes(3));
    for k in &kiosks {
        eventually(&format!("{} holds both other journals", k.id), async || {
            k.core.held_journals().await.len() == 2
        })
        .await?;
    }

    // An enrolled kiosk of the site tells telt-a its journal is acknowledged, with a made-up
    // signature, and with a real-looking one for other heads: neither is taken.
    let a_journal = kiosks[0].core.journals().await[0].doc_id.clone();
    let forged = |signature: String, heads: Vec<String>| wire::Manifest {
        kiosk_id: "telt-f".into(),
        listen: Vec::new(),
        catalog_doc_id: None,
        journals: vec![wire::JournalEntry {
            doc_id: a_journal.clone(),
            owner: "telt-a".into(),
            day: today.to_string(),
            closed: true,
            heads: heads.clone(),
            ack: Some(frivillig_kiosk::store::SignedHeads { heads, signature }),
            owner_signed: None,
        }],
    };
    let tls = PeerTls::load(&forger.core.config().data_dir)?;
    let heads = kiosks[0].core.journals().await[0].heads.clone();
    for m in [
        forged("00".repeat(64), heads.clone()),
        forged("ab".repeat(64), vec!["cd".repeat(32)]),
    ] {
        let answer = tell(&tls, &kiosks[0].address(), &m).await;
        anyhow::ensure!(
            answer.is_ok(),
            "the forger is an enrolled kiosk: {answer:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let kept = kiosks[0].core.journals().await;
    anyhow::ensure!(
        kept.len() == 1 && !kept[0].fully_acked,
        "telt-a took a forged acknowledgement: {kept:?}"
    );
    forger.stop().await;

    // The server comes back; only telt-c reaches it.
    let server = TestServer::start_on(&server_dir, port).await?;
    kiosks[2].core.sync_now();
    for k in &kiosks {
        eventually(
            &format!("{} deleted its journal on a carried acknowledgement", k.id),
            async || k.core.journals().await.is_empty(),
        )
        .await?;
    }
    let signups = server.signups().await?;
    let got: std::collections::HashSet<String> =
        signups.iter().map(|s| s.record.id.clone()).collect();
    anyhow::ensure!(
        got == ids && signups.len() == ids.len(),
        "the server holds {} signups, {} expected",
        signups.len(),
        ids.len()
    );
    let relays = server.state.store.journals_relayed_by("telt-c")?;
    anyhow::ensure!(
        relays == 2,
        "telt-c is recorded as carrying {relays} journals"
    );
    for k in kiosks {
        k.stop().await;
    }
    server.stop().await;
    Ok(())
}
