//! The rows the server's tables hold, as types (stored as JSON, see [`super::json`]).

use serde::{Deserialize, Serialize};

use frivillig_common::api::SignupView;
use frivillig_common::domain::{PersonalData, SignupRecord};
use frivillig_common::ids::KioskId;
use frivillig_common::refusal::Refusal;

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
    /// `host:port` it last said it listens on for the kiosks of its site (festival mode).
    #[serde(default)]
    pub peer_addresses: Vec<String>,
    /// The public half of its device key (hex), from its latest certificate request: what
    /// its signature on its journals' heads is checked by (festival mode).
    #[serde(default)]
    pub signing_key: Option<String>,
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
            peer_addresses: Vec::new(),
            signing_key: None,
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

/// Who owns a journal: one kiosk, or the server itself for the portal's signups. Stored
/// as the kiosk's id or `web` (no kiosk may be called that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum JournalOwner {
    /// The portal: the server writes it.
    Web,
    /// The kiosk that registered it.
    Kiosk(KioskId),
}

impl JournalOwner {
    /// The owner stored as `s`.
    pub fn parse(s: &str) -> Option<JournalOwner> {
        match s {
            "web" => Some(JournalOwner::Web),
            _ => KioskId::parse(s).map(JournalOwner::Kiosk),
        }
    }

    /// Whether this is the kiosk `kiosk_id`.
    pub fn is_kiosk(&self, kiosk_id: &str) -> bool {
        matches!(self, JournalOwner::Kiosk(k) if k.as_str() == kiosk_id)
    }

    /// The owner as the journal document's header names it (`web` or `kiosk:<id>`).
    pub fn header_owner(&self) -> String {
        match self {
            JournalOwner::Web => "web".to_owned(),
            JournalOwner::Kiosk(k) => format!("kiosk:{k}"),
        }
    }
}

impl std::fmt::Display for JournalOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalOwner::Web => f.write_str("web"),
            JournalOwner::Kiosk(k) => f.write_str(k.as_str()),
        }
    }
}

impl TryFrom<String> for JournalOwner {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        JournalOwner::parse(&s).ok_or_else(|| format!("not a journal owner: {s:?}"))
    }
}

impl From<JournalOwner> for String {
    fn from(owner: JournalOwner) -> String {
        owner.to_string()
    }
}

/// Who owns a journal and how far the server's durable copy reaches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalRow {
    /// Its owner.
    pub owner: JournalOwner,
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
    /// Kiosks that delivered it for its owner (festival mode), in the order they first did.
    #[serde(default)]
    pub relayed_by: Vec<String>,
}

impl JournalRow {
    /// Whether `kiosk_id` may sync and have acknowledged this journal: its owner, or a kiosk
    /// that registered itself as carrying it.
    pub fn is_carried_by(&self, kiosk_id: &str) -> bool {
        self.owner.is_kiosk(kiosk_id) || self.relayed_by.iter().any(|k| k == kiosk_id)
    }
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
    /// Records the trust checks refused, and why: kept aside, never listed.
    pub refused: Vec<(SignupRecord, Refusal)>,
    /// Check-ins the journal's kiosk recorded for signups whatever journal holds them
    /// (festival mode), checked: each is added to its signup, or kept until it arrives.
    pub presence: Vec<(String, frivillig_common::domain::CheckIn)>,
}

/// A record a kiosk wrote that the server refused, kept for an admin to see. It holds the
/// record as written (its personal data still sealed) and goes with the same retention as
/// signups.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefusedRow {
    /// The journal it came in.
    pub journal_doc_id: String,
    /// Who owns that journal (`web` or the kiosk's id).
    pub owner: String,
    /// The record as the journal held it.
    pub record: SignupRecord,
    /// Why it was refused.
    pub reason: Refusal,
    /// RFC 3339 time it was first refused for this reason.
    pub refused_at: String,
}

/// The outcome of an ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOutcome {
    /// Signups in the journal after the ingest.
    pub signups: u64,
    /// Signups new to the server in this ingest.
    pub new: u64,
    /// Records refused (an id that belongs to another journal, or a record the trust checks
    /// refused).
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
    /// The second factor, once the person set up an authenticator app.
    #[serde(default)]
    pub second_factor: Option<SecondFactor>,
}

/// What an API credential may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read signups, kiosks, accounts, the catalog and figures.
    Read,
    /// Change things: statuses, kiosks, codes, accounts, the catalog.
    Write,
    /// Download a backup (which holds every key).
    Backup,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Backup];

    /// The scope's name as stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Backup => "backup",
        }
    }
}

/// A named API credential an admin made (stored under the SHA-256 of its token).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiTokenRow {
    /// Its name, under which every use is audited.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// RFC 3339.
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// RFC 3339 end of its validity.
    pub expires_at: String,
    /// A revoked token is refused at once.
    pub revoked: bool,
}

/// What a second factor keeps with its account (see `service::second_factor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactor {
    /// The shared secret, base32, as the authenticator app was given it.
    pub secret: String,
    /// The last 30-second step a code was accepted for (a code is good once).
    #[serde(default)]
    pub last_step: u64,
    /// SHA-256 (hex) of each recovery code not yet used.
    #[serde(default)]
    pub recovery_hashes: Vec<String>,
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
    /// RFC 3339 of the session's last request (noted at most once a minute): a session
    /// idle longer than the idle timeout has ended.
    #[serde(default)]
    pub last_seen: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_owner_is_stored_as_before_and_only_ours_read_back() {
        for (stored, owner) in [
            ("\"web\"", JournalOwner::Web),
            (
                "\"bibliotek-1\"",
                JournalOwner::parse("bibliotek-1").expect("a kiosk"),
            ),
        ] {
            assert_eq!(serde_json::to_string(&owner).expect("json"), stored);
            let back: JournalOwner = serde_json::from_str(stored).expect("reads");
            assert_eq!(back, owner);
        }
        assert_eq!(JournalOwner::Web.header_owner(), "web");
        let kiosk = JournalOwner::parse("k1").expect("a kiosk");
        assert_eq!(kiosk.header_owner(), "kiosk:k1");
        assert!(
            kiosk.is_kiosk("k1") && !kiosk.is_kiosk("web") && !JournalOwner::Web.is_kiosk("web")
        );
        assert!(serde_json::from_str::<JournalOwner>("\"Not One\"").is_err());
    }
}
