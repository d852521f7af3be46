//! The rows the server's tables hold, as types (stored as JSON, see [`super::json`]).

use serde::{Deserialize, Serialize};

use frivillig_common::api::SignupView;
use frivillig_common::domain::{PersonalData, SignupRecord};

/// An enrolled kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRow {
    /// Site it stands at.
    pub site_id: String,
    /// SHA-256 of its secret.
    pub secret_hash: String,
    /// Revoked devices are refused at once.
    pub revoked: bool,
    /// RFC 3339.
    pub enrolled_at: String,
    /// RFC 3339 of the last authenticated request.
    pub last_contact: Option<String>,
    /// Unacknowledged signups it reported.
    pub queued: u64,
    /// The app version it reported at its last sync round.
    #[serde(default)]
    pub version: Option<String>,
    /// A benchmark client, not a kiosk (see `ServerConfig::bench_devices`).
    #[serde(default)]
    pub bench: bool,
}

impl DeviceRow {
    /// A newly enrolled device that has not been in touch yet.
    pub fn new(site_id: &str, secret_hash: String, enrolled_at: String) -> DeviceRow {
        DeviceRow {
            site_id: site_id.to_owned(),
            secret_hash,
            revoked: false,
            enrolled_at,
            last_contact: None,
            queued: 0,
            version: None,
            bench: false,
        }
    }
}

/// A one-time enrolment code as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolCodeRow {
    /// The kiosk it enrols.
    pub kiosk_id: String,
    /// Its site.
    pub site_id: String,
    /// RFC 3339 end of validity.
    pub expires_at: String,
    /// Redeemed already.
    pub used: bool,
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// No such code (mistyped or guessed).
    Unknown,
    /// Used once already.
    Used,
    /// Past its time.
    Expired,
    /// The kiosk id it names was enrolled meanwhile.
    KioskTaken,
}

/// Who owns a journal and how far the server's durable copy reaches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JournalRow {
    /// Kiosk id of the owner, or `web`.
    pub owner: String,
    /// Day it covers.
    pub day: String,
    /// Heads (hex) of the durable copy.
    pub saved_heads: Vec<String>,
    /// How many chunks the durable copy has.
    pub chunks: u32,
    /// Signups ingested from it.
    pub signups: u64,
    /// A signup in it was erased: the journal is to be rewritten without it.
    #[serde(default)]
    pub needs_rewrite: bool,
}

/// An ingested signup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignupRow {
    /// The record as in the journal.
    pub record: SignupRecord,
    /// The opened personal data.
    pub person: Option<PersonalData>,
    /// Journal holding it.
    pub journal_doc_id: String,
    /// RFC 3339 time of the first commit here.
    pub received_at: String,
}

impl From<SignupRow> for SignupView {
    fn from(row: SignupRow) -> Self {
        SignupView {
            record: row.record,
            person: row.person,
            journal_doc_id: row.journal_doc_id,
            received_at: row.received_at,
        }
    }
}

/// What one ingest writes.
pub struct IngestBatch {
    /// The journal.
    pub doc_id: String,
    /// The heads the durable copy reaches after this batch.
    pub heads: Vec<String>,
    /// The chunk to append (changes since the previous saved heads); empty if none.
    pub chunk: Vec<u8>,
    /// Records read from the document, with their personal data if newly opened.
    pub records: Vec<(SignupRecord, Option<PersonalData>)>,
}

/// The outcome of an ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOutcome {
    /// Signups in the journal after the ingest.
    pub signups: u64,
    /// Signups new to the server in this ingest.
    pub new: u64,
    /// Records refused (e.g. an id that belongs to another journal).
    pub refused: u64,
}

/// Filters for listing signups; all given filters must match.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SignupFilter {
    /// Status name.
    pub status: Option<String>,
    /// Opportunity id.
    pub opportunity: Option<String>,
    /// Shift id.
    pub shift: Option<String>,
    /// Site id.
    pub site: Option<String>,
    /// Kiosk-local date `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Skip this many.
    pub offset: Option<u64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including accounts, kiosks and the catalog.
    Admin,
    /// The signups of the sites assigned to them.
    Coordinator,
}

impl Role {
    /// Parse `admin` or `coordinator`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }
}

/// A coordinator's or admin's account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRow {
    /// The person's name, shown in history and the audit log.
    pub display_name: String,
    /// Argon2id hash in PHC string form.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// For coordinators: the sites whose signups they see. Empty for admins.
    pub sites: Vec<String>,
    /// A disabled account cannot log in; its history stays.
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// A logged-in session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRow {
    /// The account's user name.
    pub username: String,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// RFC 3339 end of the session.
    pub expires_at: String,
}

/// One change by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339.
    pub at: String,
    /// User name (or `api` for the admin token).
    pub by: String,
    /// What was done, e.g. `status`, `note`, `assign`, `catalog`, `revoke`.
    pub action: String,
    /// What it was done to, e.g. a signup id.
    pub target: String,
    /// The new value, in words.
    pub detail: String,
}

/// What a coordinator decided about a suggested pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairDecision {
    /// `linked` (the same person) or `dismissed` (not the same).
    pub decision: String,
    /// Who decided.
    pub by: String,
    /// RFC 3339.
    pub at: String,
}
