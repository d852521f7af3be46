//! The JSON shapes of the HTTP API, shared by server, kiosk and provisioning tool.

use serde::{Deserialize, Serialize};

use crate::domain::{PersonalData, SignupRecord};

/// What the server tells an enrolled device about the deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The catalog document's id (bs58check).
    pub catalog_doc_id: String,
    /// The server's clock, RFC 3339, so a device can tell its own clock is off.
    pub server_time: String,
    /// The server's sealing public key (hex), so a device can tell it seals to the right key.
    #[serde(default)]
    pub server_public_key: String,
    /// The server's public signing key (hex), so a device can tell it checks the catalog
    /// against the right key.
    #[serde(default)]
    pub server_signing_key: String,
    /// The other kiosks of this kiosk's site that are enrolled and not revoked, with the
    /// addresses they last said they listen on for their peers (festival mode). A kiosk
    /// talks to no other kiosk than these, as of its last contact.
    #[serde(default)]
    pub peers: Vec<PeerKiosk>,
}

/// Another kiosk of the same site, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerKiosk {
    /// Its id.
    pub kiosk_id: String,
    /// `host:port` it last said it listens on for its peers.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The public half of its device key (hex, [`crate::sign::DeviceSigner::public_hex`]),
    /// once it has a certificate: what its signature on its journals' heads is checked by.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signing_key: String,
}

/// A kiosk tells the server it created a journal, before it syncs it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterJournal {
    /// The journal's document id.
    pub doc_id: String,
    /// The day it covers.
    pub day: String,
    /// Festival mode: the kiosk that wrote it, when the kiosk registering it only carries
    /// it for that kiosk (a peer of the same site). Absent: the registering kiosk's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// A kiosk asks for a durable acknowledgement of a journal at these heads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AckRequest {
    /// Hex change hashes of the kiosk's current heads of the journal.
    pub heads: Vec<String>,
    /// Signups the kiosk holds that are not yet acknowledged (reported for the kiosk list).
    pub queued: u64,
    /// Festival mode, from a kiosk carrying another's journal: the owner's signature on
    /// these heads ([`crate::sign::verify_device_heads`]). The server ingests a carried
    /// journal only as far as its owner vouched for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_signature: Option<String>,
}

/// The server has committed the journal, with every change up to the requested heads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AckResponse {
    /// The heads the kiosk asked about; all are in the server's durable copy.
    pub acked_heads: Vec<String>,
    /// How many signups the server holds from this journal.
    pub signups: u64,
    /// Records of this journal the server refused, and why (absent from older servers).
    #[serde(default)]
    pub refused: Vec<RefusedSignup>,
    /// The server's signature on the acknowledgement ([`crate::sign::heads_content`]), hex,
    /// so any peer can carry it to the kiosk that owns the journal (empty from older
    /// servers).
    #[serde(default)]
    pub signature: String,
}

/// A record the server refused to take from a kiosk's journal. The kiosk may still delete
/// the journal once acknowledged: the server keeps the refused record for an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedSignup {
    /// The record's id.
    pub signup_id: String,
    /// Why.
    pub reason: crate::refusal::Refusal,
}

/// Request to enrol a kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// Chosen kiosk id: lower-case letters, digits and dashes.
    pub kiosk_id: String,
    /// The site it stands at.
    pub site_id: String,
    /// A benchmark device instead of a kiosk (only where the server's `bench_devices` is on).
    #[serde(default)]
    pub bench: bool,
}

/// The server's answer to an enrolment: everything a kiosk's config needs from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The kiosk id.
    pub kiosk_id: String,
    /// The device secret; shown once, stored at the server only as a hash.
    pub device_secret: String,
    /// The server's sealing public key, hex.
    pub server_public_key: String,
    /// The server's public signing key, hex: the catalog must carry its signature.
    pub server_signing_key: String,
    /// The public URL used in receipt QR codes.
    pub public_url: String,
    /// SHA-256 of the server's CA certificate, which the kiosk pins (absent from a server
    /// without TLS).
    #[serde(default)]
    pub server_ca_sha256: Option<String>,
}

/// A kiosk as the admin API lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KioskSummary {
    /// Kiosk id.
    pub kiosk_id: String,
    /// Site.
    pub site_id: String,
    /// Whether it is revoked.
    pub revoked: bool,
    /// RFC 3339 time of the last authenticated request, if any.
    pub last_contact: Option<String>,
    /// Signups it reported as not yet acknowledged at its last sync round.
    pub queued: u64,
    /// The app version it reported, if any.
    #[serde(default)]
    pub version: Option<String>,
}

/// A signup as the coordinators' API returns it: the record and the opened personal data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignupView {
    /// The record as it stands in the journal.
    pub record: SignupRecord,
    /// The opened personal data; `None` if it could not be opened.
    pub person: Option<PersonalData>,
    /// The journal document holding it.
    pub journal_doc_id: String,
    /// RFC 3339 time the server first committed it.
    pub received_at: String,
}

/// One page of a signup listing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignupPage {
    /// The signups.
    pub signups: Vec<SignupView>,
    /// How many match the filter in all.
    pub total: u64,
}

/// A coordinator sets a status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetStatusRequest {
    /// New status name.
    pub status: String,
}

/// An error as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// A stable code, e.g. `unauthorized`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
}

/// An admin asks for a one-time enrolment code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolCodeRequest {
    /// The kiosk id the code will enrol.
    pub kiosk_id: String,
    /// Its site.
    pub site_id: String,
    /// How long the code is valid, in seconds (default 15 minutes, at most a day).
    pub valid_seconds: Option<u64>,
}

/// A one-time enrolment code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolCode {
    /// The code, to type on the kiosk's setup screen.
    pub code: String,
    /// RFC 3339 time it stops working.
    pub expires_at: String,
    /// SHA-256 of the server's CA certificate, for the code's QR (the kiosk pins it from
    /// its very first request); absent from a server without TLS.
    #[serde(default)]
    pub server_ca_sha256: Option<String>,
}

/// A kiosk redeems a code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedeemRequest {
    /// The code as typed (case and dashes do not matter).
    pub code: String,
}

/// What a kiosk gets for a valid code: its enrolment and its site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedeemResponse {
    /// The enrolment.
    pub enrolment: EnrolResponse,
    /// The site the kiosk stands at.
    pub site_id: String,
}

/// A kiosk asks for a certificate for the key pair it made (and keeps): at first contact,
/// and again before the last one expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateRequest {
    /// A PKCS #10 request (PEM), signed by the kiosk's key.
    pub csr_pem: String,
}

/// The kiosk's certificate, signed by the server's certificate authority.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateResponse {
    /// The certificate (PEM): the kiosk's id as its name, for client and server use (kiosks
    /// serve each other in festival mode).
    pub certificate_pem: String,
    /// RFC 3339 end of its validity.
    pub expires_at: String,
    /// The certificate authority's own certificate (PEM), which signs every kiosk's: a kiosk
    /// takes a peer's certificate only if this CA signed it (empty from older servers).
    #[serde(default)]
    pub ca_pem: String,
}
