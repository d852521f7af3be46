//! The outbox over STARTTLS, against a real SMTP server that requires it: with the mail
//! server's private certificate authority in `smtp_ca_file` the message is delivered; without
//! it the certificate is not trusted, nothing is sent, and the message waits with the reason.

use std::path::Path;
use std::time::Duration;

use frivillig_sync_server::config::mail::SmtpSecurity;
use frivillig_sync_server::store::outbox::{Channel, MessageKind, NewMessage};
use frivillig_tests::TestServer;
use frivillig_tests::smtp::SmtpSink;

/// A certificate authority and a certificate it signed for `localhost`, as PEM files in
/// `dir`: (ca, cert, key).
fn private_ca(
    dir: &Path,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf, std::path::PathBuf)> {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Glostrup test CA");
    let ca_key = rcgen::KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let leaf_key = rcgen::KeyPair::generate()?;
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?
        .signed_by(&leaf_key, &ca, &ca_key)?;
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca.pem())?;
    std::fs::write(&paths.1, leaf.pem())?;
    std::fs::write(&paths.2, leaf_key.serialize_pem())?;
    Ok(paths)
}

fn message() -> NewMessage {
    NewMessage {
        channel: Channel::Email,
        kind: MessageKind::Coordinator,
        to: "aase@example.dk".into(),
        signup_id: None,
        subject: "Over TLS".into(),
        body: "Hej".into(),
        ics: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_a_private_ca_delivers_and_an_untrusted_certificate_does_not()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (ca, cert, key) = private_ca(dir.path())?;
    let sink = SmtpSink::start_tls(&dir.path().join("sink"), &cert, &key)?;
    let port = sink.port;
    let settings = move |ca: Option<std::path::PathBuf>| {
        move |c: &mut frivillig_sync_server::ServerConfig| {
            c.mail.smtp_host = Some("localhost".into());
            c.mail.smtp_port = port;
            c.mail.smtp_security = SmtpSecurity::Starttls;
            c.mail.smtp_ca_file = ca;
            c.mail.retry_first_secs = 1;
        }
    };

    let trusting = TestServer::start_with(&dir.path().join("a"), 0, settings(Some(ca))).await?;
    trusting.state.store.queue_message(message(), "test")?;
    trusting.state.mail.wake.notify_one();
    let got = sink.wait_for(1, Duration::from_secs(20)).await?;
    anyhow::ensure!(String::from_utf8_lossy(&got[0]).contains("Over TLS"));
    trusting.stop().await;

    let untrusting = TestServer::start_with(&dir.path().join("b"), 0, settings(None)).await?;
    let seq = untrusting.state.store.queue_message(message(), "test")?;
    untrusting.state.mail.wake.notify_one();
    let start = std::time::Instant::now();
    loop {
        let row = untrusting.state.store.message(seq)?;
        if let Some(error) = row.and_then(|r| r.last_error) {
            anyhow::ensure!(
                error.to_lowercase().contains("certificate") || error.contains("tls"),
                "{error}"
            );
            break;
        }
        anyhow::ensure!(start.elapsed() < Duration::from_secs(20), "never tried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(untrusting.state.store.queued_messages()? == 1);
    anyhow::ensure!(sink.messages()?.len() == 1, "sent to an untrusted server");
    untrusting.stop().await;
    Ok(())
}
