//! The `[mail]` settings: how the outbox reaches people.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a mail server on this machine or a test.
    None,
}

impl SmtpSecurity {
    fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }
}

/// Settings of the outbox's sender. Without `smtp_host` messages are written to `folder` as
/// `.eml` files instead (the demo), and are still listed on the admin's outbox page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The mail server (submission), e.g. `smtp.glostrup.dk`. Empty: no mail server.
    pub smtp_host: Option<String>,
    /// Its port.
    pub smtp_port: u16,
    /// How the connection is protected.
    pub smtp_security: SmtpSecurity,
    /// User name for the mail server, if it asks for one.
    pub smtp_username: Option<String>,
    /// A file holding the password (kept out of the settings file, which is often shared).
    pub smtp_password_file: Option<PathBuf>,
    /// A PEM file with the certificate authority that signed the mail server's certificate,
    /// when it is not one the system trusts (a municipality's internal CA). The system's
    /// authorities are trusted as well.
    pub smtp_ca_file: Option<PathBuf>,
    /// The sender, e.g. `Frivillig Glostrup <frivillig@glostrup.dk>`.
    pub from: String,
    /// Where messages go without a mail server. Default: `outbox` in the data folder.
    pub folder: Option<PathBuf>,
    /// How long after a temporary failure the first retry is, in seconds (then doubling,
    /// up to an hour between tries).
    pub retry_first_secs: u64,
    /// Hours after which a message the mail server keeps refusing for now is given up and
    /// shown as failed.
    pub give_up_hours: u64,
    /// Hours before a shift its volunteers are reminded of it; 0: no reminders.
    pub reminder_hours_before: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: None,
            smtp_password_file: None,
            smtp_ca_file: None,
            from: "Frivillig <frivillig@localhost>".into(),
            folder: None,
            retry_first_secs: 60,
            // Three days: a mail server down over a weekend still gets the messages.
            give_up_hours: 72,
            // The day before, as volunteers expect; at 15:00 for a shift at 15:00.
            reminder_hours_before: 24,
        }
    }
}

impl MailConfig {
    /// The `[mail]` table of the documented settings file.
    pub fn documented_toml(&self) -> String {
        let opt = |key: &str, v: &Option<String>, example: &str| match v {
            Some(v) => format!("{key} = {}\n", super::toml_string(v)),
            None => format!("# {key} = \"{example}\"\n"),
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        format!(
            "\n[mail]\n\
             # The mail server messages are sent through (confirmations, notices, coordinators'\n\
             # messages). Without one they are written as .eml files to `folder` and shown on\n\
             # the admin's outbox page.\n\
             {}\
             smtp_port = {}\n\
             # starttls (port 587), tls (port 465), or none (only a mail server on this machine).\n\
             smtp_security = \"{}\"\n\
             {}\
             # A file holding the mail server's password, readable only by the server.\n\
             {}\
             # The certificate authority of the mail server, if the system does not trust it.\n\
             {}\
             # The sender people see and answer to.\n\
             from = {}\n\
             # Where messages go without a mail server (default: outbox in data_dir).\n\
             {}\
             # Seconds to the first retry after a temporary failure; then doubling, at most an hour.\n\
             retry_first_secs = {}\n\
             # Hours after which a message the mail server keeps refusing is shown as failed.\n\
             give_up_hours = {}\n\
             # Hours before a shift its volunteers get a reminder (0: none).\n\
             reminder_hours_before = {}\n",
            opt("smtp_host", &self.smtp_host, "smtp.example.dk"),
            self.smtp_port,
            self.smtp_security.as_str(),
            opt("smtp_username", &self.smtp_username, "frivillig"),
            opt(
                "smtp_password_file",
                &path(&self.smtp_password_file),
                "/etc/frivillig/smtp-password"
            ),
            opt(
                "smtp_ca_file",
                &path(&self.smtp_ca_file),
                "/etc/frivillig/smtp-ca.pem"
            ),
            super::toml_string(&self.from),
            opt("folder", &path(&self.folder), "/var/lib/frivillig/outbox"),
            self.retry_first_secs,
            self.give_up_hours,
            self.reminder_hours_before,
        )
    }
}
