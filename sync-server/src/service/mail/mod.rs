//! The outbox's sender: takes each due message from the store and hands it to the mail
//! server (lettre over SMTP with STARTTLS or TLS), or, without a mail server, writes it to
//! a folder as an `.eml` file. A message is marked sent only once the mail server accepted
//! it; a temporary refusal is tried again later (doubling the wait, at most an hour), a
//! permanent one (a 5xx answer) is marked failed and shown on the signup.
//!
//! [`compose`] writes the messages; the store queues them in the transaction of the event
//! that causes them (see `store::outbox`).

pub mod compose;
pub mod ics;
pub mod invitation;
pub mod schedule;
pub mod templates;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::AppState;
use crate::config::ServerConfig;
use crate::config::mail::SmtpSecurity;
use crate::service::blocking;
use crate::store::outbox::{Attempt, OutboxRow, now_ms};

/// Why the sender could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    /// The sender address does not parse.
    #[error("[mail] from is not an e-mail address: {0}")]
    From(String),
    /// The password file or the CA file cannot be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The mail server's settings are not usable.
    #[error("[mail] smtp settings: {0}")]
    Smtp(String),
    /// The demo's folder cannot be made.
    #[error("cannot create the outbox folder {0}: {1}")]
    Folder(PathBuf, std::io::Error),
}

/// Why one message was not delivered.
#[derive(Debug)]
enum Refused {
    /// Try again later.
    ForNow(String),
    /// It will never go through as it is.
    ForGood(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// The outbox's sender and what others use to reach it.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The name people see as the sender in texts (the `from` display name).
    pub sender_name: String,
    /// The host in Message-IDs: the public address's.
    pub domain: String,
    /// Rung after a commit that queued messages, so they leave at once.
    pub wake: tokio::sync::Notify,
    /// Rung when the catalog changed or signups arrived, so the scheduler looks at once.
    pub schedule: tokio::sync::Notify,
    /// The message texts in use (an admin's edits over the defaults).
    templates: std::sync::RwLock<Arc<templates::Templates>>,
    retry_first: Duration,
    give_up: chrono::Duration,
}

impl Mailer {
    /// The sender the settings describe.
    pub fn new(config: &ServerConfig) -> Result<Mailer, MailSetupError> {
        let mail = &config.mail;
        let from = sender_mailbox(&mail.from)?;
        let transport = match mail.smtp_host.as_deref().filter(|h| !h.trim().is_empty()) {
            Some(host) => {
                let builder = match mail.smtp_security {
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
                    SmtpSecurity::None => Ok(
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                    ),
                }
                .map_err(|e| MailSetupError::Smtp(e.to_string()))?;
                let mut builder = builder
                    .port(mail.smtp_port)
                    .timeout(Some(Duration::from_secs(30)));
                if let Some(ca) = &mail.smtp_ca_file {
                    builder = builder.tls(private_ca_tls(host, mail.smtp_security, ca)?);
                }
                if let Some(user) = &mail.smtp_username {
                    let password = match &mail.smtp_password_file {
                        Some(p) => std::fs::read_to_string(p)
                            .map_err(|e| MailSetupError::Read(p.clone(), e))?
                            .trim_end()
                            .to_owned(),
                        None => String::new(),
                    };
                    builder = builder.credentials(Credentials::new(user.clone(), password));
                }
                Transport::Smtp(builder.build())
            }
            None => {
                let folder = mail
                    .folder
                    .clone()
                    .unwrap_or_else(|| config.data_dir.join("outbox"));
                std::fs::create_dir_all(&folder)
                    .map_err(|e| MailSetupError::Folder(folder.clone(), e))?;
                Transport::Folder(folder)
            }
        };
        let domain = url::Url::parse(&config.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "frivillig".into());
        Ok(Mailer {
            sender_name: from
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "Frivillig".into()),
            from,
            transport,
            domain,
            wake: tokio::sync::Notify::new(),
            schedule: tokio::sync::Notify::new(),
            templates: std::sync::RwLock::default(),
            retry_first: Duration::from_secs(mail.retry_first_secs.max(1)),
            give_up: chrono::Duration::hours(i64::try_from(mail.give_up_hours).unwrap_or(72)),
        })
    }

    /// The address messages come from and answers go to: the coordination function's.
    pub fn address(&self) -> String {
        self.from.email.to_string()
    }

    /// What composing a message now needs: the sender, `public_url` and the texts in use.
    pub fn writer<'a>(&'a self, public_url: &'a str) -> compose::Writer<'a> {
        compose::Writer {
            sender: &self.sender_name,
            public_url,
            templates: self.templates(),
        }
    }

    /// The message texts in use.
    pub fn templates(&self) -> Arc<templates::Templates> {
        match self.templates.read() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Use the texts the store holds (at start, and after an admin saved one).
    pub fn load_templates(
        &self,
        store: &crate::store::Store,
    ) -> Result<(), crate::store::StoreError> {
        let rows = store
            .template_rows()?
            .into_iter()
            .map(|(kind, lang, r)| (kind, lang, r.subject, r.body));
        let t = Arc::new(templates::Templates::from_rows(rows));
        match self.templates.write() {
            Ok(mut slot) => *slot = t,
            Err(poisoned) => *poisoned.into_inner() = t,
        }
        Ok(())
    }

    /// The folder messages go to without a mail server.
    pub fn folder(&self) -> Option<&std::path::Path> {
        match &self.transport {
            Transport::Folder(f) => Some(f),
            Transport::Smtp(_) => None,
        }
    }

    /// The message as it goes on the wire.
    fn build(&self, row: &OutboxRow) -> Result<Message, Refused> {
        let to: Mailbox = row
            .message
            .to
            .parse()
            .map_err(|e| Refused::ForGood(format!("the address does not parse: {e}")))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.message.subject.clone())
            .message_id(Some(row.message_id.clone()))
            .date_now();
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(row.message.body.clone());
        let built = match &row.message.ics {
            Some(ics) => {
                // A cancellation says so, so mail programs offer to remove the event.
                let method = if ics.contains("METHOD:CANCEL") {
                    "CANCEL"
                } else {
                    "PUBLISH"
                };
                let calendar =
                    ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                        .map_err(|e| Refused::ForGood(e.to_string()))?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(text)
                        .singlepart(Attachment::new("vagt.ics".into()).body(ics.clone(), calendar)),
                )
            }
            None => builder.singlepart(text),
        };
        built.map_err(|e| Refused::ForGood(e.to_string()))
    }

    /// Hand message `seq` over once.
    async fn deliver(&self, seq: u64, row: &OutboxRow) -> Result<(), Refused> {
        let message = self.build(row)?;
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(Refused::ForGood(e.to_string())),
                Err(e) => Err(Refused::ForNow(e.to_string())),
            },
            Transport::Folder(folder) => {
                // Written whole or not at all: a crash leaves no half file to be taken for
                // the message.
                let path = folder.join(format!("{seq:08}.eml"));
                let tmp = folder.join(format!(".{seq:08}.eml.tmp"));
                let bytes = message.formatted();
                tokio::fs::write(&tmp, &bytes)
                    .await
                    .and(tokio::fs::rename(&tmp, &path).await)
                    .map_err(|e| Refused::ForNow(e.to_string()))
            }
        }
    }

    /// What to record after one try.
    fn outcome(&self, row: &OutboxRow, result: Result<(), Refused>) -> Attempt {
        match result {
            Ok(()) => Attempt::Sent,
            Err(Refused::ForGood(reason)) => Attempt::Failed { reason },
            Err(Refused::ForNow(error)) => {
                let queued = chrono::DateTime::parse_from_rfc3339(&row.queued_at)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .unwrap_or_else(|_| chrono::Utc::now());
                if chrono::Utc::now() - queued > self.give_up {
                    return Attempt::Failed {
                        reason: format!("opgivet efter gentagne forsøg / given up: {error}"),
                    };
                }
                let wait = self
                    .retry_first
                    .saturating_mul(1 << row.attempts.min(12))
                    .min(Duration::from_secs(3600));
                Attempt::Retry {
                    next_ms: now_ms() + u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    error,
                }
            }
        }
    }
}

/// TLS that also trusts the authority in `ca_file`, as `security` asks (STARTTLS required,
/// or TLS from the first byte).
fn private_ca_tls(
    host: &str,
    security: SmtpSecurity,
    ca_file: &std::path::Path,
) -> Result<Tls, MailSetupError> {
    let pem = std::fs::read(ca_file).map_err(|e| MailSetupError::Read(ca_file.into(), e))?;
    let smtp = |e: lettre::transport::smtp::Error| MailSetupError::Smtp(e.to_string());
    let params = TlsParameters::builder(host.to_owned())
        .add_root_certificate(Certificate::from_pem(&pem).map_err(smtp)?)
        .build_rustls()
        .map_err(smtp)?;
    Ok(match security {
        SmtpSecurity::Starttls => Tls::Required(params),
        SmtpSecurity::Tls => Tls::Wrapper(params),
        SmtpSecurity::None => Tls::None,
    })
}

/// The sender as written in the settings: `Name <address>` or an address. The name is
/// taken as written, so "Glostrup Kommune, Frivillig <…>" needs no quotes.
fn sender_mailbox(from: &str) -> Result<Mailbox, MailSetupError> {
    let bad = |e: lettre::address::AddressError| MailSetupError::From(format!("{from:?}: {e}"));
    let from = from.trim();
    match from.rsplit_once('<') {
        Some((name, rest)) => {
            let address = rest.strip_suffix('>').unwrap_or(rest).trim();
            let name = name.trim().trim_matches('"').trim();
            let name = (!name.is_empty()).then(|| name.to_owned());
            Ok(Mailbox::new(name, address.parse().map_err(bad)?))
        }
        None => Ok(Mailbox::new(None, from.parse().map_err(bad)?)),
    }
}

/// How many due messages are taken from the store at a time.
const BATCH: usize = 64;

/// Send what is due, for as long as the server runs: after each commit that queued
/// messages (the mailer's `wake`), when the next retry is due, and once a minute besides.
pub fn start_sender(state: &AppState) {
    let st = state.clone();
    state.background.spawn(async move {
        let state = st;
        let mailer = state.mail.clone();
        loop {
            let store = state.store.clone();
            let due = blocking(move || Ok(store.due_messages(now_ms(), BATCH)?)).await;
            let due = match due {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            let full = due.len() == BATCH;
            // Each outcome is committed while the next message goes out: the disk's sync
            // and the mail server's answer overlap instead of adding up. The next batch is
            // read only after the last record is committed.
            let mut recording: Option<tokio::task::JoinHandle<()>> = None;
            for (seq, row) in due {
                let result = mailer.deliver(seq, &row).await;
                if let Err(Refused::ForNow(e) | Refused::ForGood(e)) = &result {
                    tracing::warn!(message = seq, error = %e, "a message was not delivered");
                }
                let attempt = mailer.outcome(&row, result);
                if let Some(previous) = recording.take() {
                    let _ = previous.await;
                }
                recording = Some(tokio::spawn(record(state.store.clone(), seq, attempt)));
            }
            if let Some(last) = recording.take() {
                let _ = last.await;
            }
            if full {
                continue;
            }
            let store = state.store.clone();
            let next = blocking(move || Ok(store.next_due()?)).await.ok().flatten();
            let wait = next.map_or(Duration::from_secs(60), |at| {
                Duration::from_millis(at.saturating_sub(now_ms())).min(Duration::from_secs(60))
            });
            tokio::select! {
                _ = mailer.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// Commit the outcome of one try. Not recorded (the disk failed): it is sent again later,
/// with the same Message-ID, so the receiving server sees the same message.
async fn record(store: crate::store::Store, seq: u64, attempt: Attempt) {
    if let Err(e) = blocking(move || Ok(store.record_attempt(seq, attempt)?)).await {
        tracing::error!(message = seq, error = %e, "cannot record a delivery");
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// The mailer, shared.
pub type SharedMailer = Arc<Mailer>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_may_have_a_comma_in_its_name_and_a_bad_address_is_refused() {
        let m = sender_mailbox("Glostrup Kommune, Frivillig <frivillig@glostrup.dk>")
            .expect("a sender");
        assert_eq!(m.name.as_deref(), Some("Glostrup Kommune, Frivillig"));
        assert_eq!(m.email.to_string(), "frivillig@glostrup.dk");
        let plain = sender_mailbox("frivillig@glostrup.dk").expect("an address");
        assert_eq!(plain.name, None);
        assert!(sender_mailbox("Frivillig <ikke en adresse>").is_err());
    }
}
