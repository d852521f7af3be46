//! TLS with a pinned certificate authority: kiosks speak https and wss to a server whose
//! certificate its own CA signed, enrolled by configuration and by one-time code (the code's
//! link carries the fingerprint), and refuse a server with another CA on the same address,
//! at enrolment and later, saying why in staff mode. The provisioning tool speaks https too.

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::tls::{EnrolLink, NOT_OUR_SERVER};
use frivillig_kiosk::enrol::redeem_code;
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

async fn tls_server(dir: &std::path::Path, port: u16) -> anyhow::Result<TestServer> {
    TestServer::start_with(dir, port, |c| {
        c.tls = true;
        c.public_url = format!("https://{}", c.listen);
    })
    .await
}

/// The certificate in `file` is signed by `server`'s CA, for client and server use, now.
fn verify_device_certificate(server: &TestServer, file: &std::path::Path) -> anyhow::Result<()> {
    use rustls::pki_types::pem::PemObject as _;
    let cert = rustls::pki_types::CertificateDer::from_pem_file(file)?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.state.ca.der().clone())?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        frivillig_common::tls::provider(),
    )
    .build()?;
    verifier.verify_client_cert(&cert, &[], rustls::pki_types::UnixTime::now())?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosks_pin_the_servers_ca_and_refuse_another_server() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = tls_server(&dir.path().join("server"), 0).await?;
    let pin = server
        .ca_fingerprint()
        .ok_or_else(|| anyhow::anyhow!("no TLS"))?;
    anyhow::ensure!(server.url().starts_with("https://"), "{}", server.url());

    // Enrolled by configuration: the enrolment names the CA; signups arrive over wss and are
    // acknowledged over https.
    let enrol = server.enrol("kiosk-tls", "bibliotek").await?;
    anyhow::ensure!(enrol.server_ca_sha256.as_deref() == Some(pin.as_str()));
    let config = kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join("a"));
    let a = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker_a = SyncWorker::start(&a);
    wait_status(&a, Duration::from_secs(20), |s| s.online).await?;
    anyhow::ensure!(a.catalog().is_some(), "no catalog over wss");
    a.submit_signup("hojtlaesning", None, &visitor_form("tls", 0))
        .await?;
    wait_status(&a, Duration::from_secs(20), |s| s.queued_signups == 0).await?;

    // Its own key pair, and a certificate for it that the server's CA signed for its name.
    let (key_file, cert_file) = frivillig_kiosk::identity::paths(&dir.path().join("a"));
    anyhow::ensure!(
        key_file.exists() && cert_file.exists(),
        "the kiosk has no certificate"
    );
    verify_device_certificate(&server, &cert_file)?;

    // Enrolled by one-time code: the link carries the fingerprint, pinned from the first
    // request.
    let (code, body) = server
        .admin_post(
            "/api/admin/enrol-codes",
            &serde_json::json!({"kiosk_id": "kiosk-code", "site_id": "bibliotek"}),
        )
        .await?;
    anyhow::ensure!(code == 200, "code: {code} {body}");
    anyhow::ensure!(body["server_ca_sha256"] == pin.as_str(), "{body}");
    let link = EnrolLink {
        server: server.url(),
        code: body["code"].as_str().map(str::to_owned),
        ca: Some(pin.clone()),
    }
    .to_text();
    let config_path = dir.path().join("b.toml");
    let config_b = redeem_code(&link, "", &dir.path().join("b"), &config_path).await?;
    anyhow::ensure!(config_b.server_ca_sha256.as_deref() == Some(pin.as_str()));
    let b = open_kiosk(config_b, Arc::new(SystemClock)).await?;
    let worker_b = SyncWorker::start(&b);
    wait_status(&b, Duration::from_secs(20), |_| b.catalog().is_some()).await?;
    b.submit_signup("hojtlaesning", None, &visitor_form("tls", 1))
        .await?;
    wait_status(&b, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    anyhow::ensure!(server.signups().await?.len() == 2);
    worker_b.stop().await;
    b.shutdown().await;

    // Without the fingerprint an https code is refused before anything is sent.
    let bare = redeem_code(
        &server.url(),
        "abcd-efgh-jkmn",
        &dir.path().join("c"),
        &dir.path().join("c.toml"),
    )
    .await;
    anyhow::ensure!(
        bare.is_err(),
        "an https code without a fingerprint was redeemed"
    );

    // Another server, with its own CA, takes over the address.
    let port = server.addr.port();
    server.stop().await;
    let impostor = tls_server(&dir.path().join("impostor"), port).await?;
    anyhow::ensure!(impostor.ca_fingerprint().as_deref() != Some(pin.as_str()));
    // At enrolment: a code for it, with the real server's fingerprint, is refused.
    let (_, body) = impostor
        .admin_post(
            "/api/admin/enrol-codes",
            &serde_json::json!({"kiosk_id": "kiosk-late", "site_id": "bibliotek"}),
        )
        .await?;
    let link = EnrolLink {
        server: impostor.url(),
        code: body["code"].as_str().map(str::to_owned),
        ca: Some(pin.clone()),
    }
    .to_text();
    let refused = redeem_code(&link, "", &dir.path().join("d"), &dir.path().join("d.toml")).await;
    match refused {
        Ok(_) => anyhow::bail!("a kiosk enrolled at a server with another CA"),
        Err(e) => anyhow::ensure!(e.to_string().contains(NOT_OUR_SERVER), "{e}"),
    }
    // Later: the enrolled kiosk keeps its signup and says why in staff mode.
    a.submit_signup("hojtlaesning", None, &visitor_form("tls", 2))
        .await?;
    a.sync_now();
    let status = wait_status(&a, Duration::from_secs(20), |s| {
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains(NOT_OUR_SERVER))
    })
    .await?;
    anyhow::ensure!(status.queued_signups == 1 && !status.online, "{status:?}");
    anyhow::ensure!(
        impostor.signups().await?.is_empty(),
        "the impostor got a signup"
    );

    // The provisioning tool speaks https with the pin, and refuses without it.
    impostor.enrol("kiosk-imp", "bibliotek").await?;
    let url = impostor.url();
    let impostor_pin = impostor.ca_fingerprint().unwrap_or_default();
    let token = impostor.admin_token.clone();
    let (ok, out, err) = crate::provision::provision(&[
        "list",
        "--server",
        &url,
        "--server-ca",
        &impostor_pin,
        "--admin-token",
        &token,
    ])?;
    anyhow::ensure!(
        ok && out.contains("kiosk-imp"),
        "list over https: {out} {err}"
    );
    let (ok, _, err) =
        crate::provision::provision(&["list", "--server", &url, "--admin-token", &token])?;
    anyhow::ensure!(!ok && err.contains("--server-ca"), "without a pin: {err}");
    let (ok, _, err) = crate::provision::provision(&[
        "list",
        "--server",
        &url,
        "--server-ca",
        &pin,
        "--admin-token",
        &token,
    ])?;
    anyhow::ensure!(
        !ok && err.contains(NOT_OUR_SERVER),
        "with another pin: {err}"
    );

    worker_a.stop().await;
    a.shutdown().await;
    impostor.stop().await;
    Ok(())
}

/// A backup carries the certificate authority, so a server restored from it is the one its
/// kiosks pinned. (And an https server tells browsers to stay on https.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_server_keeps_the_ca_its_kiosks_pinned() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = tls_server(&dir.path().join("server"), 0).await?;
    let pin = server.ca_fingerprint();
    let (http, base) = frivillig_common::tls::http_client(
        &server.url(),
        pin.as_deref(),
        reqwest::Client::builder(),
    )?;
    let resp = http
        .get(format!("{base}/api/admin/backup"))
        .bearer_auth(&server.admin_token)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "backup: {}", resp.status());
    anyhow::ensure!(
        resp.headers().contains_key("strict-transport-security"),
        "no HSTS over https"
    );
    let backup = dir.path().join("backup.redb");
    std::fs::write(&backup, resp.bytes().await?)?;
    server.stop().await;
    let restored = dir.path().join("restored");
    frivillig_sync_server::backup::restore_backup(&backup, &restored, false)?;
    // The test helper reads the admin token from its file; the backup holds only its hash.
    std::fs::copy(
        dir.path().join("server").join("admin-token.txt"),
        restored.join("admin-token.txt"),
    )?;
    let again = tls_server(&restored, 0).await?;
    anyhow::ensure!(
        again.ca_fingerprint() == pin,
        "the restored server has another CA"
    );
    again.stop().await;
    Ok(())
}

/// A revoked kiosk gets no certificate (festival peers would otherwise keep trusting it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_kiosk_gets_no_certificate() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-r", "bibliotek").await?;
    let token = frivillig_common::sync::device_token("kiosk-r", &enrol.device_secret);
    let csr_pem = frivillig_kiosk::identity::certificate_request(&dir.path().join("k"), "kiosk-r")?;
    let ask = || async {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/device/certificate", server.url()))
            .bearer_auth(&token)
            .json(&frivillig_common::api::CertificateRequest {
                csr_pem: csr_pem.clone(),
            })
            .send()
            .await?;
        anyhow::Ok((resp.status().as_u16(), resp.text().await?))
    };
    let (status, body) = ask().await?;
    anyhow::ensure!(status == 200, "certificate: {status} {body}");
    let answer: frivillig_common::api::CertificateResponse = serde_json::from_str(&body)?;
    let file = dir.path().join("cert.pem");
    std::fs::write(&file, &answer.certificate_pem)?;
    verify_device_certificate(&server, &file)?;
    server.revoke("kiosk-r").await?;
    let (status, _) = ask().await?;
    anyhow::ensure!(
        status == 403,
        "a revoked kiosk's certificate request: {status}"
    );
    server.stop().await;
    Ok(())
}
