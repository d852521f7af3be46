//! Sealing a signup's personal fields to the server's public key.
//!
//! A kiosk seals what a visitor typed before it stores anything, so a stolen kiosk yields
//! no names: it holds neither the server's secret key nor the keys its envelopes were made
//! with once those are retired. Three envelope versions, one version byte then the rest,
//! base64 in documents:
//!
//! - **1**: an anonymous sealed box (X25519 + XSalsa20-Poly1305, libsodium's
//!   `crypto_box_seal`): a fresh ephemeral key per envelope. The server's web form uses it.
//! - **2**: one ephemeral key for a short run of envelopes, each with its own counter:
//!   `ephemeral public key ‖ counter (u32 LE) ‖ box`, the box from the ephemeral key to the
//!   server's under the nonce BLAKE2b-192(ephemeral key ‖ server key ‖ counter LE), its
//!   plaintext compact fields rather than JSON (see `encode_fields`). Still opened; no
//!   longer made.
//! - **3** ([`Sealer`], kiosks): as 2, but the envelope names its run by the first
//!   [`RUN_TAG`] bytes of the ephemeral key and the counter is one byte:
//!   `run tag ‖ counter (u8) ‖ box`. The full ephemeral key is written once per run into
//!   the journal beside the records (see [`Sealed::run_key`], [`RunKeys`]). The key in
//!   every envelope made a signup's change, as a kiosk sends it live, 40 of 544 bytes
//!   larger (a reconnect's batch compresses the repeats and never paid it).
//!
//! Opening a version 1 envelope costs the server one X25519 scalar multiplication (about
//! 40 % of its CPU while it took in 10 kiosks x 2,000 signups); versions 2 and 3 cost one
//! per run, which the server keeps (see [`SealingKeyPair::open_in_journal`]). A kiosk
//! retires a key after [`RUN_ENVELOPES`] envelopes or [`RUN_TIME`], so its memory holds
//! the means to open at most that many of its recent signups, and nothing at all about
//! older ones.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SalsaBox, SecretKey};

use crate::domain::PersonalData;

/// One sealed box per envelope.
const ENVELOPE_V1: u8 = 1;
/// One ephemeral key per run of envelopes, a counter per envelope.
const ENVELOPE_V2: u8 = 2;
/// As version 2, the run named by a tag, its key kept in the journal.
const ENVELOPE_V3: u8 = 3;
/// How many bytes of a run's ephemeral key name it in a version 3 envelope. Runs whose
/// tags collide are told apart by the box's authentication: the server tries each.
pub const RUN_TAG: usize = 4;
/// How many envelopes a kiosk seals with one ephemeral key (the one-byte counter of a
/// version 3 envelope counts them).
pub const RUN_ENVELOPES: u32 = u8::MAX as u32 + 1;
/// How long a kiosk seals with one ephemeral key.
pub const RUN_TIME: std::time::Duration = std::time::Duration::from_secs(300);
/// How many runs' shared keys the server keeps (about 100 bytes each); beyond it the
/// cache starts again, which costs one scalar multiplication per run met again.
const RUNS_CACHED: usize = 4096;

/// Errors sealing or opening personal data.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// A key is not 32 bytes of hex.
    #[error("a key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    /// The envelope is not base64, has an unknown version, or is too short.
    #[error("the sealed data is not a Frivillig envelope")]
    BadEnvelope,
    /// A version 3 envelope names a run whose key the journal does not hold.
    #[error("the sealed data names a run of keys the journal does not hold")]
    UnknownRun,
    /// Decryption failed: wrong key or tampered data.
    #[error("the sealed data cannot be opened with this key")]
    CannotOpen,
    /// Encryption failed.
    #[error("sealing failed")]
    SealFailed,
    /// The opened bytes are not personal data.
    #[error("the opened data is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The opened bytes of a version 2 envelope are not personal data.
    #[error("the opened data is not personal data")]
    Unreadable,
}

/// The server's key pair for opening personal data.
pub struct SealingKeyPair {
    secret: SecretKey,
    /// Kept: `SecretKey::unseal` derives it again for every envelope, a scalar
    /// multiplication that was about 15 % of the server's CPU while opening signups.
    public: PublicKey,
    /// The shared key of each version 2 run met, by the run's ephemeral public key.
    runs: std::sync::Mutex<std::collections::HashMap<[u8; 32], SalsaBox>>,
}

impl SealingKeyPair {
    /// A fresh random key pair.
    pub fn generate() -> Self {
        SealingKeyPair::from_secret(SecretKey::generate(&mut OsRng))
    }

    /// The key pair from the secret key's hex form.
    pub fn from_secret_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes: [u8; 32] = hex::decode(hex_key.trim())
            .map_err(|_| SealError::BadKey)?
            .try_into()
            .map_err(|_| SealError::BadKey)?;
        Ok(SealingKeyPair::from_secret(SecretKey::from(bytes)))
    }

    fn from_secret(secret: SecretKey) -> Self {
        SealingKeyPair {
            public: secret.public_key(),
            secret,
            runs: Default::default(),
        }
    }

    /// The secret key as hex, for the server's key file.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.secret.to_bytes())
    }

    /// The public key that kiosks seal to.
    pub fn public(&self) -> SealingPublicKey {
        SealingPublicKey(self.public.clone())
    }

    /// Open an envelope made by [`seal_personal_data`] (or an older kiosk's version 2);
    /// a kiosk's version 3 envelope needs its journal's run keys: [`Self::open_in_journal`].
    pub fn open_personal_data(&self, envelope: &str) -> Result<PersonalData, SealError> {
        self.open_in_journal(envelope, &RunKeys::default())
    }

    /// Open an envelope of any version, with the run keys of the journal that holds it.
    pub fn open_in_journal(
        &self,
        envelope: &str,
        runs: &RunKeys,
    ) -> Result<PersonalData, SealError> {
        let bytes = STANDARD
            .decode(envelope)
            .map_err(|_| SealError::BadEnvelope)?;
        match bytes.split_first() {
            Some((&ENVELOPE_V1, sealed)) => {
                let plain = self.unseal(sealed).ok_or(SealError::CannotOpen)?;
                Ok(serde_json::from_slice(&plain)?)
            }
            Some((&ENVELOPE_V2, rest)) => {
                let (ephemeral, rest) = rest
                    .split_first_chunk::<{ crypto_box::KEY_SIZE }>()
                    .ok_or(SealError::BadEnvelope)?;
                let (counter, ciphertext) = rest
                    .split_first_chunk::<4>()
                    .ok_or(SealError::BadEnvelope)?;
                let plain = self.open_run(ephemeral, counter, ciphertext)?;
                decode_fields(&plain).ok_or(SealError::Unreadable)
            }
            Some((&ENVELOPE_V3, rest)) => {
                let (tag, rest) = rest
                    .split_first_chunk::<RUN_TAG>()
                    .ok_or(SealError::BadEnvelope)?;
                let (&counter, ciphertext) = rest.split_first().ok_or(SealError::BadEnvelope)?;
                let counter = u32::from(counter).to_le_bytes();
                let candidates = runs.by_tag.get(tag).ok_or(SealError::UnknownRun)?;
                let mut result = Err(SealError::CannotOpen);
                for ephemeral in candidates {
                    result = self.open_run(ephemeral, &counter, ciphertext);
                    if result.is_ok() {
                        break;
                    }
                }
                decode_fields(&result?).ok_or(SealError::Unreadable)
            }
            _ => Err(SealError::BadEnvelope),
        }
    }

    /// Open the box of a version 2 or 3 envelope, with the run's shared key computed once.
    fn open_run(
        &self,
        ephemeral: &[u8; crypto_box::KEY_SIZE],
        counter: &[u8; 4],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        use crypto_box::aead::Aead as _;
        if ciphertext.is_empty() {
            return Err(SealError::BadEnvelope);
        }
        let nonce = run_nonce(ephemeral, &self.public, counter);
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        if !runs.contains_key(ephemeral) && runs.len() >= RUNS_CACHED {
            runs.clear();
        }
        let shared = runs
            .entry(*ephemeral)
            .or_insert_with(|| SalsaBox::new(&PublicKey::from(*ephemeral), &self.secret));
        shared
            .decrypt(&nonce, ciphertext)
            .map_err(|_| SealError::CannotOpen)
    }

    /// libsodium's `crypto_box_seal_open`, as `SecretKey::unseal` does it but with the
    /// public key computed once: the envelope is the ephemeral public key, then a box from
    /// it to us under the nonce BLAKE2b-192(ephemeral key ‖ our key).
    fn unseal(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        use blake2::Digest as _;
        use crypto_box::aead::Aead as _;
        let (ephemeral, ciphertext) = sealed.split_at_checked(crypto_box::KEY_SIZE)?;
        if ciphertext.is_empty() {
            return None;
        }
        let ephemeral: [u8; crypto_box::KEY_SIZE] = ephemeral.try_into().ok()?;
        let ephemeral = PublicKey::from(ephemeral);
        let nonce = blake2::Blake2b::<blake2::digest::consts::U24>::new()
            .chain_update(ephemeral.as_bytes())
            .chain_update(self.public.as_bytes())
            .finalize();
        SalsaBox::new(&ephemeral, &self.secret)
            .decrypt(&nonce, ciphertext)
            .ok()
    }
}

/// The server's public key, as kiosks hold it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealingPublicKey(PublicKey);

impl std::fmt::Debug for SealingPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingPublicKey({})", self.to_hex())
    }
}

impl SealingPublicKey {
    /// Parse the hex form.
    pub fn from_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes: [u8; 32] = hex::decode(hex_key.trim())
            .map_err(|_| SealError::BadKey)?
            .try_into()
            .map_err(|_| SealError::BadKey)?;
        Ok(SealingPublicKey(PublicKey::from(bytes)))
    }

    /// The hex form, for configuration files.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }
}

/// Seal personal data to the server's public key; returns the base64 envelope.
pub fn seal_personal_data(
    key: &SealingPublicKey,
    data: &PersonalData,
) -> Result<String, SealError> {
    let plain = serde_json::to_vec(data)?;
    let sealed = key
        .0
        .seal(&mut OsRng, &plain)
        .map_err(|_| SealError::SealFailed)?;
    let mut envelope = Vec::with_capacity(sealed.len() + 1);
    envelope.push(ENVELOPE_V1);
    envelope.extend_from_slice(&sealed);
    Ok(STANDARD.encode(envelope))
}

/// The nonce of envelope `counter` of the run with ephemeral key `ephemeral`: distinct for
/// every envelope of a run, because the counter is.
fn run_nonce(
    ephemeral: &[u8; crypto_box::KEY_SIZE],
    server: &PublicKey,
    counter: &[u8; 4],
) -> crypto_box::Nonce {
    use blake2::Digest as _;
    blake2::Blake2b::<blake2::digest::consts::U24>::new()
        .chain_update(ephemeral)
        .chain_update(server.as_bytes())
        .chain_update(counter)
        .finalize()
}

/// Bits of the first byte of a version 2 plaintext.
const AGE_CONFIRMED: u8 = 1;
const HAS_PHONE: u8 = 2;
const HAS_EMAIL: u8 = 4;
const HAS_NOTE: u8 = 8;
/// Added later, after the note: a server older than them refuses such an envelope (and
/// opens it once upgraded, at the journal's next ingest), so upgrade the server first.
const HAS_LANG: u8 = 16;
const HAS_RECEIPT_TOKEN: u8 = 32;

/// Personal data as a version 2 envelope carries it: a flags byte (age confirmed; phone,
/// e-mail, note, language, receipt token present), then the name and each present field as a LEB128 length and
/// UTF-8. The JSON of version 1 spent about 60 bytes per signup on field names, quotes and
/// nulls, as ciphertext that no compression gets back.
fn encode_fields(d: &PersonalData) -> Vec<u8> {
    let optional = [
        (HAS_PHONE, &d.phone),
        (HAS_EMAIL, &d.email),
        (HAS_NOTE, &d.note),
        (HAS_LANG, &d.lang),
        (HAS_RECEIPT_TOKEN, &d.receipt_token),
    ];
    let mut flags = if d.age_confirmed { AGE_CONFIRMED } else { 0 };
    for (bit, field) in optional {
        if field.is_some() {
            flags |= bit;
        }
    }
    let mut out = vec![flags];
    let fields =
        std::iter::once(&d.name).chain(optional.into_iter().filter_map(|(_, f)| f.as_ref()));
    for field in fields {
        let mut len = field.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// The inverse of [`encode_fields`]; `None` for anything else (unknown flags, lengths past
/// the end, bytes after the last field, text that is not UTF-8).
fn decode_fields(bytes: &[u8]) -> Option<PersonalData> {
    let (&flags, mut rest) = bytes.split_first()?;
    let known = AGE_CONFIRMED | HAS_PHONE | HAS_EMAIL | HAS_NOTE | HAS_LANG | HAS_RECEIPT_TOKEN;
    if flags & !known != 0 {
        return None;
    }
    let mut field = || -> Option<String> {
        let mut len = 0usize;
        for shift in (0..32).step_by(7) {
            let (&byte, tail) = rest.split_first()?;
            rest = tail;
            len |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                let (text, tail) = rest.split_at_checked(len)?;
                rest = tail;
                return String::from_utf8(text.to_vec()).ok();
            }
        }
        None
    };
    let name = field()?;
    let mut optional = |bit: u8| {
        if flags & bit != 0 {
            field().map(Some)
        } else {
            Some(None)
        }
    };
    let data = PersonalData {
        name,
        phone: optional(HAS_PHONE)?,
        email: optional(HAS_EMAIL)?,
        age_confirmed: flags & AGE_CONFIRMED != 0,
        note: optional(HAS_NOTE)?,
        lang: optional(HAS_LANG)?,
        receipt_token: optional(HAS_RECEIPT_TOKEN)?,
    };
    rest.is_empty().then_some(data)
}

/// The run keys of one journal: the ephemeral public keys its kiosk wrote beside its
/// records, by the tag that version 3 envelopes name them with.
#[derive(Debug, Default)]
pub struct RunKeys {
    by_tag: std::collections::HashMap<[u8; RUN_TAG], Vec<[u8; crypto_box::KEY_SIZE]>>,
}

impl RunKeys {
    /// The keys from their hex forms (as [`Sealed::run_key`] gives them); anything that is
    /// not a 32-byte key in hex is skipped, since a journal may hold whatever a peer wrote.
    pub fn from_hex<'a>(keys: impl IntoIterator<Item = &'a str>) -> RunKeys {
        let mut runs = RunKeys::default();
        for key in keys {
            let Some(key) = hex::decode(key)
                .ok()
                .and_then(|k| <[u8; crypto_box::KEY_SIZE]>::try_from(k).ok())
            else {
                continue;
            };
            let Some(tag) = key.first_chunk::<RUN_TAG>() else {
                continue;
            };
            let same_tag = runs.by_tag.entry(*tag).or_default();
            if !same_tag.contains(&key) {
                same_tag.push(key);
            }
        }
        runs
    }
}

/// What a [`Sealer`] made: the envelope for the record, and the key of the run it belongs
/// to, which must be in the same journal (the kiosk writes it in the same change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The version 3 envelope, base64.
    pub envelope: String,
    /// The run's ephemeral public key, hex: public, and useless without the server's
    /// secret key.
    pub run_key: String,
}

/// A kiosk's sealer: version 3 envelopes, one ephemeral key per run (see the module docs).
pub struct Sealer {
    server: PublicKey,
    run: std::sync::Mutex<Option<Run>>,
}

/// The current run: only the shared key is kept (the ephemeral secret key is dropped once
/// the shared key is computed), the counter of the next envelope and when the run began.
struct Run {
    ephemeral: [u8; crypto_box::KEY_SIZE],
    shared: SalsaBox,
    next: u8,
    began: std::time::Instant,
}

impl Sealer {
    /// A sealer to the server's public key.
    pub fn new(key: &SealingPublicKey) -> Sealer {
        Sealer {
            server: key.0.clone(),
            run: std::sync::Mutex::new(None),
        }
    }

    /// Seal personal data.
    pub fn seal(&self, data: &PersonalData) -> Result<Sealed, SealError> {
        self.seal_plaintext(&encode_fields(data))
    }

    /// Seal bytes as they are, in place of encoded fields: what a kiosk that does not
    /// follow the format could send. For tests and the fuzzer, to reach the server's field
    /// decoder behind a box that authenticates.
    pub fn seal_plaintext(&self, plain: &[u8]) -> Result<Sealed, SealError> {
        use crypto_box::aead::Aead as _;
        let mut guard = self.run.lock().unwrap_or_else(|p| p.into_inner());
        let run = match guard.take() {
            Some(run) if run.began.elapsed() < RUN_TIME => run,
            _ => {
                let secret = SecretKey::generate(&mut OsRng);
                Run {
                    ephemeral: *secret.public_key().as_bytes(),
                    shared: SalsaBox::new(&self.server, &secret),
                    next: 0,
                    began: std::time::Instant::now(),
                }
            }
        };
        let counter = run.next;
        let nonce = run_nonce(
            &run.ephemeral,
            &self.server,
            &u32::from(counter).to_le_bytes(),
        );
        let sealed = run
            .shared
            .encrypt(&nonce, plain)
            .map_err(|_| SealError::SealFailed)?;
        let tag = run
            .ephemeral
            .first_chunk::<RUN_TAG>()
            .ok_or(SealError::SealFailed)?;
        let mut envelope = Vec::with_capacity(1 + RUN_TAG + 1 + sealed.len());
        envelope.push(ENVELOPE_V3);
        envelope.extend_from_slice(tag);
        envelope.push(counter);
        envelope.extend_from_slice(&sealed);
        let run_key = hex::encode(run.ephemeral);
        // The last counter value ends the run: a nonce is never used twice.
        if let Some(next) = counter.checked_add(1) {
            *guard = Some(Run { next, ..run });
        }
        Ok(Sealed {
            envelope: STANDARD.encode(envelope),
            run_key,
        })
    }

    /// Forget the current run's key once it is `age` old, even with no envelope to seal:
    /// the kiosk calls this with [`RUN_TIME`] from its sync loop, so an idle kiosk does not
    /// keep the means to open its last signups in memory.
    pub fn retire_if_older(&self, age: std::time::Duration) {
        let mut run = self.run.lock().unwrap_or_else(|p| p.into_inner());
        if run.as_ref().is_some_and(|r| r.began.elapsed() >= age) {
            *run = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> PersonalData {
        PersonalData {
            name: "Søren Ærø".into(),
            phone: Some("12345678".into()),
            email: None,
            age_confirmed: true,
            note: None,
            lang: None,
            receipt_token: None,
        }
    }

    #[test]
    fn sealed_data_opens_only_with_the_right_key() {
        let server = SealingKeyPair::generate();
        let other = SealingKeyPair::generate();
        let envelope = seal_personal_data(&server.public(), &data()).expect("seal");
        assert!(!envelope.contains("Søren"));
        assert_eq!(server.open_personal_data(&envelope).expect("open"), data());
        assert!(matches!(
            other.open_personal_data(&envelope),
            Err(SealError::CannotOpen)
        ));
    }

    #[test]
    fn garbage_envelopes_are_errors() {
        let server = SealingKeyPair::generate();
        for bad in ["", "!!!", "AA==", "AgAA"] {
            assert!(server.open_personal_data(bad).is_err(), "{bad}");
        }
        let restored = SealingKeyPair::from_secret_hex(&server.secret_hex()).expect("hex");
        assert_eq!(restored.public(), server.public());
        assert!(SealingPublicKey::from_hex("abc").is_err());
    }

    /// The run tag and counter of a version 3 envelope.
    fn run_of(envelope: &str) -> ([u8; RUN_TAG], u8) {
        let bytes = STANDARD.decode(envelope).expect("base64");
        assert_eq!(bytes[0], ENVELOPE_V3);
        let tag: [u8; RUN_TAG] = bytes[1..1 + RUN_TAG].try_into().expect("tag");
        (tag, bytes[1 + RUN_TAG])
    }

    #[test]
    fn a_kiosk_run_shares_one_key_and_the_server_derives_it_once() {
        let server = SealingKeyPair::generate();
        let other = SealingKeyPair::generate();
        let sealer = Sealer::new(&server.public());
        let sealed: Vec<Sealed> = (0..RUN_ENVELOPES + 1)
            .map(|_| sealer.seal(&data()).expect("seal"))
            .collect();
        let runs = RunKeys::from_hex(sealed.iter().map(|s| s.run_key.as_str()));
        for (i, s) in sealed.iter().enumerate() {
            assert!(!s.envelope.contains("Søren"));
            let opened = server.open_in_journal(&s.envelope, &runs).expect("open");
            assert_eq!(opened, data(), "{i}");
            assert!(matches!(
                other.open_in_journal(&s.envelope, &runs),
                Err(SealError::CannotOpen)
            ));
            // Without the journal's run keys the envelope names a run nobody knows.
            assert!(matches!(
                server.open_personal_data(&s.envelope),
                Err(SealError::UnknownRun)
            ));
        }
        let first = &sealed[0].run_key;
        let counters: Vec<u32> = sealed[..RUN_ENVELOPES as usize]
            .iter()
            .map(|s| {
                assert_eq!(&s.run_key, first, "one key per run");
                let (tag, counter) = run_of(&s.envelope);
                assert_eq!(hex::encode(tag), first[..2 * RUN_TAG]);
                u32::from(counter)
            })
            .collect();
        assert_eq!(counters, (0..RUN_ENVELOPES).collect::<Vec<_>>());
        let next = &sealed[RUN_ENVELOPES as usize];
        assert_ne!(&next.run_key, first, "a full run is retired");
        assert_eq!(run_of(&next.envelope).1, 0);
        // One shared key per run, not per envelope.
        assert_eq!(server.runs.lock().expect("lock").len(), 2);
        // Retiring forgets the key at once.
        sealer.retire_if_older(std::time::Duration::ZERO);
        let after = sealer.seal(&data()).expect("seal");
        assert_ne!(after.run_key, next.run_key);
        // The envelope is 1 + 4 + 1 bytes, the box's 16-byte tag and the fields.
        let bytes = STANDARD.decode(&after.envelope).expect("base64");
        assert_eq!(
            bytes.len(),
            1 + RUN_TAG + 1 + 16 + encode_fields(&data()).len()
        );
    }

    #[test]
    fn runs_whose_tags_collide_are_told_apart_and_bad_keys_are_skipped() {
        let server = SealingKeyPair::generate();
        let sealed = Sealer::new(&server.public()).seal(&data()).expect("seal");
        // Another key with the same tag, listed first: the server must try both.
        let mut twin = hex::decode(&sealed.run_key).expect("hex");
        twin[31] ^= 0x40;
        let twin = hex::encode(twin);
        let runs = RunKeys::from_hex([twin.as_str(), "zz", "abcd", sealed.run_key.as_str()]);
        assert_eq!(runs.by_tag.len(), 1);
        assert_eq!(
            server
                .open_in_journal(&sealed.envelope, &runs)
                .expect("open"),
            data()
        );
        let only_twin = RunKeys::from_hex([twin.as_str()]);
        assert!(matches!(
            server.open_in_journal(&sealed.envelope, &only_twin),
            Err(SealError::CannotOpen)
        ));
    }

    #[test]
    fn a_changed_counter_or_box_does_not_open() {
        let server = SealingKeyPair::generate();
        let sealed = Sealer::new(&server.public()).seal(&data()).expect("seal");
        let runs = RunKeys::from_hex([sealed.run_key.as_str()]);
        let bytes = STANDARD.decode(&sealed.envelope).expect("base64");
        // The counter, the box's tag, its last byte.
        for at in [1 + RUN_TAG, 1 + RUN_TAG + 3, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert!(matches!(
                server.open_in_journal(&STANDARD.encode(&bad), &runs),
                Err(SealError::CannotOpen)
            ));
        }
        let mut other_run = bytes.clone();
        other_run[1] ^= 1;
        assert!(matches!(
            server.open_in_journal(&STANDARD.encode(&other_run), &runs),
            Err(SealError::UnknownRun)
        ));
        for cut in [1, 1 + RUN_TAG, 2 + RUN_TAG] {
            assert!(matches!(
                server.open_in_journal(&STANDARD.encode(&bytes[..cut]), &runs),
                Err(SealError::BadEnvelope)
            ));
        }
    }

    /// Envelopes of version 2, as kiosks made them before version 3, still open.
    #[test]
    fn version_2_envelopes_still_open() {
        use crypto_box::aead::Aead as _;
        let server = SealingKeyPair::generate();
        let secret = SecretKey::generate(&mut OsRng);
        let ephemeral = *secret.public_key().as_bytes();
        let counter = 7u32.to_le_bytes();
        let nonce = run_nonce(&ephemeral, &server.public, &counter);
        let sealed = SalsaBox::new(&server.public, &secret)
            .encrypt(&nonce, encode_fields(&data()).as_slice())
            .expect("seal");
        let envelope = [&[ENVELOPE_V2][..], &ephemeral, &counter, &sealed].concat();
        assert_eq!(
            server
                .open_personal_data(&STANDARD.encode(&envelope))
                .expect("open"),
            data()
        );
        assert!(matches!(
            server.open_personal_data(&STANDARD.encode(&envelope[..37])),
            Err(SealError::BadEnvelope)
        ));
    }

    #[test]
    fn the_compact_fields_hold_every_shape_and_refuse_garbage() {
        let long = "æ".repeat(300);
        let shapes = [
            data(),
            PersonalData {
                name: String::new(),
                phone: None,
                email: Some("a@b.dk".into()),
                age_confirmed: false,
                note: Some(long.clone()),
                lang: None,
                receipt_token: None,
            },
            PersonalData {
                name: long,
                phone: Some(String::new()),
                email: None,
                age_confirmed: true,
                note: None,
                lang: None,
                receipt_token: None,
            },
        ];
        for d in &shapes {
            let bytes = encode_fields(d);
            assert_eq!(decode_fields(&bytes).as_ref(), Some(d));
            for cut in 0..bytes.len() {
                assert_eq!(decode_fields(&bytes[..cut]), None, "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode_fields(&longer), None);
        }
        assert_eq!(decode_fields(&[0x40, 0]), None, "unknown flag");
        assert_eq!(decode_fields(&[0, 1, 0xff]), None, "not UTF-8");
        assert_eq!(
            decode_fields(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            None
        );
        // Shorter than the JSON of version 1 by the field names and nulls.
        let json = serde_json::to_vec(&data()).expect("json");
        assert!(encode_fields(&data()).len() + 50 < json.len());
    }

    #[test]
    fn a_box_that_opens_but_holds_no_fields_is_unreadable() {
        let server = SealingKeyPair::generate();
        let sealer = Sealer::new(&server.public());
        let good = sealer
            .seal_plaintext(&encode_fields(&data()))
            .expect("seal");
        let junk = sealer.seal_plaintext(&[0x10, 0]).expect("seal");
        let runs = RunKeys::from_hex([good.run_key.as_str()]);
        assert_eq!(junk.run_key, good.run_key, "one run");
        assert_eq!(
            server.open_in_journal(&good.envelope, &runs).ok(),
            Some(data())
        );
        assert!(matches!(
            server.open_in_journal(&junk.envelope, &runs),
            Err(SealError::Unreadable)
        ));
    }
}
