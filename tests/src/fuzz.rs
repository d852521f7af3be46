//! Fuzz targets: every decoder of bytes from outside, each as a function that must return
//! (with an error or not) for any input and never panic. `cargo fuzz` runs them from
//! `tests/fuzz/` (which includes this file); `tests/it/fuzz_replay.rs` runs them over the
//! committed corpus and freshly made valid inputs in every `cargo test`.
//!
//! This file is compiled into two crates, so it names other crates by their full paths and
//! nothing of `crate::`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use automerge::sync::SyncDoc as _;

/// A fuzz target: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// The targets by name, for the replay and the fuzz binaries.
pub const TARGETS: [(&str, Target); 7] = [
    ("saved_document", saved_document),
    ("sync_message", sync_message),
    ("sync_session", sync_session),
    ("sealed_envelope", sealed_envelope),
    ("qr_payload", qr_payload),
    ("config_file", config_file),
    ("form_body", form_body),
];

/// Set each chunk's checksum to what its content hashes to, so a mutated document gets
/// past the checksum check to the decoders behind it. Automerge's chunks: magic (4 bytes),
/// checksum (the first 4 bytes of SHA-256 over type, LEB128 length and data), type (1),
/// length, data. Compressed chunks (type 2) are hashed uncompressed and left alone.
pub fn fix_checksums(data: &mut [u8]) {
    use sha2::Digest as _;
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut at = 0;
    while data.len() >= at + 9 && data[at..at + 4] == MAGIC {
        let typ = data[at + 8];
        let mut len: u64 = 0;
        let mut shift = 0;
        let mut i = at + 9;
        while i < data.len() && shift < 63 {
            let b = data[i];
            len |= u64::from(b & 0x7f) << shift;
            i += 1;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = i.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        let end = end.min(data.len());
        if typ <= 1 {
            let digest = sha2::Sha256::digest(&data[at + 8..end]);
            data[at + 4..at + 8].copy_from_slice(&digest[..4]);
        }
        if end <= at + 9 {
            break;
        }
        at = end;
    }
}

/// Read a document the way the kiosk and the server read theirs.
fn read_all(doc: &automerge::Automerge, signing_key: &str) {
    let _ = frivillig_common::journal::read_signups(doc);
    let _ = frivillig_common::journal::read_header(doc);
    let _ = frivillig_common::catalog::read_signed_catalog(doc, signing_key);
}

/// A saved document (a kiosk's journal or the catalog, as stored or as received).
pub fn saved_document(data: &[u8]) {
    let mut data = data.to_vec();
    fix_checksums(&mut data);
    let key = harness().signing_key.clone();
    if let Ok(doc) = frivillig_common::untrusted::load(&data) {
        read_all(&doc, &key);
        let _ = doc.save();
    }
    let mut doc = automerge::Automerge::new();
    if frivillig_common::untrusted::load_incremental(&mut doc, &data).is_ok() {
        read_all(&doc, &key);
    }
}

/// An Automerge sync message as the server gets it from a kiosk: screened, then answered.
/// Its changes are not applied here: applying is what samod does, per document (see
/// [`sync_session`]); answering is what every shared document does for every kiosk.
pub fn sync_message(data: &[u8]) {
    let wire = cbor_map(&[("type", Cbor::Text("sync")), ("data", Cbor::Bytes(data))]);
    if frivillig_common::untrusted::screen_sync_message(&wire).is_err() {
        return;
    }
    let Ok(mut message) = automerge::sync::Message::decode(data) else {
        return;
    };
    message.changes = automerge::sync::ChunkList::from(Vec::<Vec<u8>>::new());
    let header = frivillig_common::journal::JournalHeader {
        owner: "kiosk:fuzz".into(),
        day: "2026-11-27".into(),
    };
    let Ok(mut doc) = frivillig_common::journal::new_journal_doc(&header) else {
        return;
    };
    let mut state = automerge::sync::State::new();
    if doc.receive_sync_message(&mut state, message).is_ok() {
        let _ = doc.generate_sync_message(&mut state);
        read_all(&doc, &harness().signing_key);
    }
}

/// Whether the changes in a wire message apply to an empty document without a panic.
fn applies_cleanly(wire: &[u8]) -> bool {
    let mut d = minicbor::Decoder::new(wire);
    let Ok(Some(fields)) = d.map() else {
        return true;
    };
    for _ in 0..fields {
        match d.str() {
            Ok("data") => {
                let Ok(data) = d.bytes() else { return true };
                let Ok(message) = automerge::sync::Message::decode(data) else {
                    return true;
                };
                let mut scratch = automerge::Automerge::new();
                return message.changes.iter().all(|c| {
                    !matches!(
                        frivillig_common::untrusted::load_incremental(&mut scratch, c),
                        Err(frivillig_common::untrusted::UntrustedError::Malformed)
                    )
                });
            }
            Ok(_) => {
                if d.skip().is_err() {
                    return true;
                }
            }
            Err(_) => return true,
        }
    }
    true
}

/// Split `data` into messages: each a big-endian u16 length, then that many bytes.
fn frames(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && out.len() < 16 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        out.push(rest[2..2 + n].to_vec());
        rest = &rest[2 + n..];
    }
    out
}

/// A whole sync session of an enrolled kiosk with the server's samod repository: the
/// messages (see [`frames`]) go in as the kiosk's, and the session must end without taking
/// the repository down; the health check below proves it still answers.
pub fn sync_session(data: &[u8]) {
    let h = harness();
    let catalog = {
        let mut t = Vec::new();
        let id = h.state.sync.catalog_id.to_string();
        cbor_head(&mut t, 3, id.len());
        t.extend(id.as_bytes());
        t
    };
    let journal = {
        let mut t = Vec::new();
        cbor_head(&mut t, 3, h.journal_id.len());
        t.extend(h.journal_id.as_bytes());
        t
    };
    // The texts "CATALOGID" and "JOURNALID" stand for this server's catalog and for a
    // journal the kiosk registered (their ids differ in every run).
    let mut messages: Vec<Vec<u8>> = Vec::new();
    for m in frames(data) {
        let m = replace_all(&m, b"\x69CATALOGID", &catalog);
        let m = replace_all(&m, b"\x69JOURNALID", &journal);
        // As the server's socket does: a refused message ends the session.
        if frivillig_common::untrusted::screen_sync_message(&m).is_err() {
            break;
        }
        // Changes on which automerge panics when applying them are contained to the
        // kiosk's own journal in samod (a test shows it); the fuzzer would stop at them
        // every time, so they are left out here to let it look further.
        if !applies_cleanly(&m) {
            continue;
        }
        messages.push(m);
    }
    h.rt.block_on(async {
        use futures::StreamExt as _;
        // The link stays open a moment after the last message, as a real one would, so
        // samod acts on the messages before it sees the peer leave.
        let linger = futures::stream::once(tokio::time::sleep(Duration::from_millis(20)))
            .filter_map(|_| async { None });
        let incoming = futures::stream::iter(
            messages
                .into_iter()
                .map(Ok::<_, std::io::Error>)
                .collect::<Vec<_>>(),
        )
        .chain(linger)
        .boxed();
        let outgoing = futures::sink::drain().sink_map_err(|never| match never {});
        let transport = samod::Transport::new(incoming, Box::pin(outgoing))
            .with_expected_peer_id(frivillig_common::sync::kiosk_peer_id("fuzz"));
        if let Ok(conn) = h.state.sync.acceptor.accept(transport) {
            let shook =
                tokio::time::timeout(Duration::from_secs(2), conn.handshake_complete()).await;
            if matches!(shook, Ok(Ok(_))) {
                h.handshakes.fetch_add(1, Ordering::Relaxed);
            }
            // The messages run out, so the session ends; wait until samod has let it go.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
            while h.state.sync.acceptor.connection_count() > 0
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        // The repository still serves: the catalog can be found.
        let found = tokio::time::timeout(
            Duration::from_secs(5),
            h.state.sync.repo.find(h.state.sync.catalog_id.clone()),
        )
        .await;
        assert!(
            matches!(found, Ok(Ok(Some(_)))),
            "the repository stopped serving after a hostile session"
        );
    });
}

use futures::SinkExt as _;

/// CBOR for the few shapes the automerge-repo messages use: a map of text keys to text,
/// byte or text-array values.
enum Cbor<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
    TextArray(&'a [&'a str]),
}

fn cbor_head(out: &mut Vec<u8>, major: u8, n: usize) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
}

fn cbor_map(fields: &[(&str, Cbor<'_>)]) -> Vec<u8> {
    let mut out = Vec::new();
    cbor_head(&mut out, 5, fields.len());
    for (k, v) in fields {
        cbor_head(&mut out, 3, k.len());
        out.extend(k.as_bytes());
        match v {
            Cbor::Text(t) => {
                cbor_head(&mut out, 3, t.len());
                out.extend(t.as_bytes());
            }
            Cbor::Bytes(b) => {
                cbor_head(&mut out, 2, b.len());
                out.extend(*b);
            }
            Cbor::TextArray(items) => {
                cbor_head(&mut out, 4, items.len());
                for t in *items {
                    cbor_head(&mut out, 3, t.len());
                    out.extend(t.as_bytes());
                }
            }
        }
    }
    out
}

/// A valid start of a kiosk's session, framed as [`sync_session`] reads it: join, then a
/// request for the catalog with a first sync message.
pub fn session_seed() -> Vec<u8> {
    let first = {
        let mut state = automerge::sync::State::new();
        automerge::Automerge::new()
            .generate_sync_message(&mut state)
            .map(|m| m.encode())
            .unwrap_or_default()
    };
    session_asking_for_catalog(&first)
}

/// A kiosk's session that joins and asks for the catalog with `first` as its Automerge
/// sync message, framed as [`sync_session`] reads it.
pub fn session_asking_for_catalog(first: &[u8]) -> Vec<u8> {
    session_asking_for("request", "CATALOGID", first)
}

/// A kiosk's session that joins and syncs the journal it registered (which it may write
/// to) with `first` as its Automerge sync message.
pub fn session_syncing_journal(first: &[u8]) -> Vec<u8> {
    session_asking_for("sync", "JOURNALID", first)
}

fn session_asking_for(kind: &str, doc: &str, first: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in [join_message("fuzz"), doc_message(kind, "fuzz", doc, first)] {
        out.extend((m.len() as u16).to_be_bytes());
        out.extend(m);
    }
    out
}

/// The automerge-repo `join` message a kiosk opens its sync session with.
pub fn join_message(kiosk_id: &str) -> Vec<u8> {
    let sender = frivillig_common::sync::kiosk_peer_id(kiosk_id).to_string();
    cbor_map(&[
        ("type", Cbor::Text("join")),
        ("senderId", Cbor::Text(&sender)),
        ("supportedProtocolVersions", Cbor::TextArray(&["1"])),
    ])
}

/// An automerge-repo message of `kind` (`sync` or `request`) from kiosk `kiosk_id` to the
/// server about document `doc`, carrying the Automerge sync message `data`.
pub fn doc_message(kind: &str, kiosk_id: &str, doc: &str, data: &[u8]) -> Vec<u8> {
    let sender = frivillig_common::sync::kiosk_peer_id(kiosk_id).to_string();
    cbor_map(&[
        ("type", Cbor::Text(kind)),
        ("senderId", Cbor::Text(&sender)),
        (
            "targetId",
            Cbor::Text(frivillig_common::sync::SERVER_PEER_ID),
        ),
        ("documentId", Cbor::Text(doc)),
        ("data", Cbor::Bytes(data)),
    ])
}

/// Our sealed-data envelope, opened with the server's key, three ways: the input as an
/// envelope of any version, with the run keys of a journal that holds a real run and any
/// hex keys among the input's words; the input (as base64) as the box of an envelope that
/// names the real run, so the search among a run's keys is reached; and the input as the
/// plaintext inside a real version 3 envelope, so the field decoder behind the box is
/// reached too. Whatever opens must seal and open again to the same data.
pub fn sealed_envelope(data: &[u8]) {
    use frivillig_common::seal::{RunKeys, Sealer};
    static SEALER: OnceLock<Sealer> = OnceLock::new();
    let keys = &harness().state.keys.sealing;
    let sealer = SEALER.get_or_init(|| Sealer::new(&keys.public()));
    let text = String::from_utf8_lossy(data);
    let Ok(inner) = sealer.seal_plaintext(data) else {
        panic!("sealing {} bytes failed", data.len());
    };
    let runs = RunKeys::from_hex(text.split_whitespace().chain([inner.run_key.as_str()]));
    let _ = keys.open_in_journal(&text, &runs);
    // Version, run tag and counter are 6 bytes: exactly the first 8 base64 characters.
    let in_real_run = format!("{}{}", inner.envelope.get(..8).unwrap_or_default(), text);
    let _ = keys.open_in_journal(&in_real_run, &runs);
    if let Ok(person) = keys.open_in_journal(&inner.envelope, &runs) {
        let Ok(again) = sealer.seal(&person) else {
            panic!("what opened does not seal again: {person:?}");
        };
        let reopened = keys.open_in_journal(
            &again.envelope,
            &RunKeys::from_hex([again.run_key.as_str()]),
        );
        assert_eq!(
            reopened.ok(),
            Some(person),
            "sealed data changed on a round trip"
        );
    }
}

/// What our QR codes carry, as the server receives it: a receipt link (parsed, and opened
/// as a page), a job page link from a poster, an enrolment code.
pub fn qr_payload(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = frivillig_common::sync::normalize_enrol_code(&text);
    let path: String = url::form_urlencoded::byte_serialize(data).collect();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // A link that parses is opened as the page it names; anything else is cut in two.
    let (a, b) = match frivillig_common::receipt::parse_receipt_url(&text) {
        Some((id, token)) => (enc(&id), enc(&token)),
        None => {
            let (a, b) = path.split_at(path.len() / 2);
            (a.to_owned(), b.to_owned())
        }
    };
    for uri in [
        format!("/kvittering/{a}/{b}"),
        format!("/kvittering/{a}/{b}/data"),
        format!("/frivilligjob/{path}"),
    ] {
        request("GET", &uri, None, Vec::new());
    }
}

/// Configuration files: the server's settings, the kiosk's configuration and the
/// catalog file the provisioning tool imports.
pub fn config_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = toml::from_str::<frivillig_sync_server::ServerConfig>(text) {
        let _ = c.documented_toml();
    }
    let _ = frivillig_common::kiosk_config::KioskConfig::from_toml(text);
    if let Ok(catalog) = frivillig_common::catalog_file::parse_catalog_toml(text) {
        let _ = frivillig_common::catalog_file::catalog_to_toml(&catalog);
    }
}

/// The token the harness's portal and login cookies carry (cookie values must look like
/// the server's: 32 hex digits).
const COOKIE_TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// Form bodies as browsers post them: the first byte picks the form, the rest is the body.
/// The cookies that go with each form are sent, and the word `CSRF` in the body stands for
/// the form's right token, so the fuzzer gets past the door as a real page's form does.
pub fn form_body(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let h = harness();
    let portal = format!("frivillig_csrf={COOKIE_TOKEN}");
    let login = format!("frivillig_login={COOKIE_TOKEN}");
    let session = format!("frivillig_session={}", h.session);
    let (path, cookie, token) = match pick % 5 {
        0 => (
            "/frivilligjob/hojtlaesning/tilmeld".to_owned(),
            portal,
            COOKIE_TOKEN,
        ),
        1 => ("/admin/login".to_owned(), login, COOKIE_TOKEN),
        2 => (
            format!("/admin/tilmeldinger/{}/status", h.signup_id),
            session,
            h.session_csrf.as_str(),
        ),
        3 => (
            format!("/admin/tilmeldinger/{}/note", h.signup_id),
            session,
            h.session_csrf.as_str(),
        ),
        _ => (
            "/admin/katalog".to_owned(),
            session,
            h.session_csrf.as_str(),
        ),
    };
    request("POST", &path, Some(&cookie), with_token(body, token));
}

/// `body` with every `CSRF` replaced by `token`.
fn with_token(body: &[u8], token: &str) -> Vec<u8> {
    replace_all(body, b"CSRF", token.as_bytes())
}

/// `data` with every `what` replaced by `with`.
fn replace_all(data: &[u8], what: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + with.len());
    let mut rest = data;
    while let Some(at) = rest.windows(what.len()).position(|w| w == what) {
        out.extend(&rest[..at]);
        out.extend(with);
        rest = &rest[at + what.len()..];
    }
    out.extend(rest);
    out
}

/// Send one request through the server's router, as from a new address each time (so the
/// per-address limits do not stop the fuzzer at the door). A server error (5xx) is a
/// finding too: bad input must get a clear refusal.
fn request(method: &str, uri: &str, cookie: Option<&str>, body: Vec<u8>) {
    use tower::ServiceExt as _;
    let h = harness();
    let n = h.peer.fetch_add(1, Ordering::Relaxed);
    let peer = std::net::SocketAddr::from((std::net::Ipv4Addr::from(0x0a00_0000 | n), 40000));
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://fuzz.invalid");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let Ok(mut req) = req.body(axum::body::Body::from(body)) else {
        return;
    };
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let answer = h.rt.block_on(h.app.clone().oneshot(req));
    let Ok(resp) = answer;
    assert!(
        !resp.status().is_server_error(),
        "{method} {uri} was answered {}",
        resp.status()
    );
}

/// One server for every run of a target in this process: its repository, router, an
/// enrolled kiosk `fuzz`, an admin session and a signup to post forms about.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    state: frivillig_sync_server::AppState,
    app: axum::Router,
    session: String,
    session_csrf: String,
    signup_id: String,
    journal_id: String,
    signing_key: String,
    peer: AtomicU32,
    handshakes: AtomicU32,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Sync sessions whose handshake completed (the replay checks its seed gets that far).
    pub fn handshakes(&self) -> u32 {
        self.handshakes.load(Ordering::Relaxed)
    }

    /// Whether the web signup made at start arrived, so the admin forms have a target.
    pub fn has_signup(&self) -> bool {
        self.signup_id != "none"
    }

    /// The server's sealing public key, to seal valid envelopes for it.
    pub fn sealing_public_key(&self) -> frivillig_common::seal::SealingPublicKey {
        self.state.keys.sealing.public()
    }
}

/// The process's harness, started on first use.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| match start_harness() {
        Ok(h) => h,
        Err(e) => panic!("the fuzz harness could not start its server: {e:#}"),
    })
}

fn start_harness() -> anyhow::Result<Harness> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let config = frivillig_sync_server::ServerConfig {
        data_dir: dir.path().to_owned(),
        public_url: "http://fuzz.invalid".into(),
        // Documents leave memory after a second, so hostile sessions also meet journals
        // loaded again from storage: automerge 0.12 panics on some changes applied to a
        // loaded document that apply to one built in memory, and the panic must stay in
        // that document's actor (patched samod) instead of stopping every document.
        unload_idle_secs: 1,
        ..frivillig_sync_server::ServerConfig::default()
    };
    let server = rt.block_on(frivillig_sync_server::Server::open(config))?;
    let state = server.state.clone();
    let password = server
        .new_admin_password
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no admin password on a fresh server"))?;
    let (session, session_row) = state
        .store
        .login("admin", &password, "")?
        .ok_or_else(|| anyhow::anyhow!("admin login refused"))?;
    state.store.add_device(
        "fuzz",
        &frivillig_sync_server::store::DeviceRow::new(
            "bibliotek",
            frivillig_common::sync::secret_hash("fuzz-secret"),
            "2026-11-27T00:00:00Z".into(),
        ),
    )?;
    // A journal the kiosk registered, as its sync worker does before syncing it.
    let header = frivillig_common::journal::JournalHeader {
        owner: "kiosk:fuzz".into(),
        day: "2026-11-27".into(),
    };
    let journal = frivillig_common::journal::new_journal_doc(&header)?;
    let journal_id = rt
        .block_on(state.sync.repo.create(journal))
        .map_err(|_| anyhow::anyhow!("the repository stopped"))?
        .document_id()
        .to_string();
    state
        .store
        .claim_journal(&journal_id, &fuzz_owner()?, "2026-11-27")?;
    let app = frivillig_sync_server::router(state.clone());
    let signing_key = state.keys.signing.public_hex();
    let mut h = Harness {
        rt,
        state,
        app,
        session,
        session_csrf: session_row.csrf,
        signup_id: String::new(),
        journal_id,
        signing_key,
        peer: AtomicU32::new(1),
        handshakes: AtomicU32::new(0),
        _dir: dir,
    };
    // One web signup, so the admin forms have a signup to change.
    request_on(
        &h,
        "/frivilligjob/hojtlaesning/tilmeld",
        &format!("frivillig_csrf={COOKIE_TOKEN}"),
        with_token(
            b"csrf=CSRF&lang=da&name=Fuzz+Frivillig&phone=20304050&email=&age=on&consent=on",
            COOKIE_TOKEN,
        ),
    );
    h.signup_id = h
        .state
        .store
        .listing()
        .page(&Default::default(), None)
        .rows
        .first()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| "none".into());
    Ok(h)
}

fn request_on(h: &Harness, uri: &str, cookie: &str, body: Vec<u8>) {
    use tower::ServiceExt as _;
    let peer = std::net::SocketAddr::from(([10, 255, 255, 255], 40000));
    let Ok(mut req) = axum::http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(axum::body::Body::from(body))
    else {
        return;
    };
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let _ = h.rt.block_on(h.app.clone().oneshot(req));
}

/// The kiosk the fuzzed journal belongs to.
fn fuzz_owner() -> anyhow::Result<frivillig_sync_server::store::JournalOwner> {
    let kiosk = frivillig_common::ids::KioskId::parse("fuzz")
        .ok_or_else(|| anyhow::anyhow!("fuzz is a kiosk id"))?;
    Ok(frivillig_sync_server::store::JournalOwner::Kiosk(kiosk))
}
