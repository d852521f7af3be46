//! Festival mode: the kiosks of one site sync with each other without the server.
//!
//! Each kiosk listens on `peer_listen` and dials the addresses it knows (staff's list in
//! the config, what mDNS finds on the network (`mdns.rs`), and the last addresses the
//! server gave for the site's kiosks). Every
//! connection is mutual TLS with the certificates the server's CA signed (`tls.rs`), and is
//! dropped unless the other side is a kiosk of the same site, unrevoked as of the last
//! contact with the server. Its first byte says what it carries (`wire.rs`): a manifest
//! each way (what each holds, with the server's signed acknowledgements), or samod's sync
//! protocol, bound to the certificate's kiosk id. samod then shares the catalog and the
//! journals as the core's share policy says; the core counts every journal it holds in the
//! spots left and deletes its own on an acknowledgement the server signed, whoever carried
//! it.
//!
//! Of two kiosks, the one with the smaller id keeps the sync connection; both exchange
//! manifests every [`ROUND`].

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use frivillig_common::sync::kiosk_peer_id;
use futures::future::BoxFuture;
use futures::{SinkExt as _, TryStreamExt as _};
use samod::{AcceptorHandle, BackoffConfig, DialError, DialerHandle, Transport};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::{Framed, LengthDelimitedCodec};
use tokio_util::sync::CancellationToken;

use crate::core::KioskCore;

pub mod mdns;
pub mod tls;
pub mod wire;

pub use tls::{PeerError, PeerTls};

/// How often manifests are exchanged and the spots left counted again.
pub const ROUND: Duration = Duration::from_secs(1);
/// A manifest that did not change is told again this often: it keeps "last heard" on the
/// staff board current and mends an exchange the other side lost.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// Time allowed for a TCP connect and a TLS handshake with a peer.
const HANDSHAKE: Duration = Duration::from_secs(5);
/// The largest samod message taken from a peer (a whole journal of 2,000 signups is about
/// 1.5 MB).
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Festival mode, running.
pub struct PeerNet {
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    local: SocketAddr,
    discovery: Option<Arc<mdns::Discovery>>,
}

impl PeerNet {
    /// Listen on `listen` and talk to the site's kiosks. Until the kiosk has its
    /// certificate (from its first contact with the server) it refuses every peer and dials
    /// none; a renewed certificate is taken up at the next connection.
    pub async fn start(core: &KioskCore, listen: SocketAddr) -> Result<PeerNet, PeerError> {
        let tls = Arc::new(TlsCell::new(core.config().data_dir.clone()));
        let listener = TcpListener::bind(listen).await?;
        let local = listener.local_addr()?;
        core.set_advertised(advertised(local));
        let acceptor = core
            .repo()
            .make_acceptor(url_of(&local.to_string()))
            .map_err(|_| PeerError::Refused("the kiosk is stopping".into()))?;
        let stop = CancellationToken::new();
        let (manifests, incoming) = mpsc::channel(64);
        let listening = tokio::spawn(listen_loop(
            core.clone(),
            tls.clone(),
            listener,
            acceptor,
            manifests,
            stop.clone(),
        ));
        let config = core.config();
        let discovery =
            mdns::Discovery::start(&config.kiosk_id, &config.site_id, local).map(Arc::new);
        let working = tokio::spawn(work_loop(
            core.clone(),
            tls,
            discovery.clone(),
            incoming,
            stop.clone(),
        ));
        Ok(PeerNet {
            stop,
            tasks: vec![listening, working],
            local,
            discovery,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The addresses mDNS found for the site's other kiosks.
    pub fn discovered(&self) -> Vec<String> {
        self.discovery
            .as_ref()
            .map(|d| d.addresses())
            .unwrap_or_default()
    }

    /// Stop listening and dialling.
    pub async fn stop(self) {
        if let Some(d) = &self.discovery {
            d.stop();
        }
        self.stop.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// The kiosk's TLS set-up, read again whenever its certificate file changes.
struct TlsCell {
    data_dir: std::path::PathBuf,
    current: std::sync::Mutex<Option<(PeerTls, Option<std::time::SystemTime>)>>,
}

impl TlsCell {
    fn new(data_dir: std::path::PathBuf) -> TlsCell {
        TlsCell {
            data_dir,
            current: std::sync::Mutex::new(None),
        }
    }

    /// The set-up for the certificate on disk now; `None` while the kiosk has none.
    fn get(&self) -> Option<PeerTls> {
        let (_, cert) = crate::identity::paths(&self.data_dir);
        let modified = std::fs::metadata(&cert).and_then(|m| m.modified()).ok();
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((tls, at)) = current.as_ref()
            && *at == modified
        {
            return Some(tls.clone());
        }
        match PeerTls::load(&self.data_dir) {
            Ok(tls) => {
                *current = Some((tls.clone(), modified));
                Some(tls)
            }
            Err(e) => {
                tracing::debug!(error = %e, "festival mode waits for the kiosk's certificate");
                None
            }
        }
    }
}

/// The addresses to tell the server: the one listened on, or, for an unspecified one,
/// the machine's own addresses with its port.
fn advertised(local: SocketAddr) -> Vec<String> {
    if !local.ip().is_unspecified() {
        return vec![local.to_string()];
    }
    if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback() && i.ip().is_ipv4() == local.is_ipv4())
        .map(|i| SocketAddr::new(i.ip(), local.port()).to_string())
        .take(4)
        .collect()
}

fn url_of(address: &str) -> url::Url {
    url::Url::parse(&format!("tcp://{address}"))
        .unwrap_or_else(|_| url::Url::parse("tcp://peer.invalid").expect("a fixed URL parses"))
}

type PeerStream = tokio_rustls::TlsStream<TcpStream>;

/// samod's transport over a peer connection, bound to the kiosk its certificate names.
fn transport(core: &KioskCore, stream: PeerStream, kiosk_id: &str) -> Transport {
    let codec = LengthDelimitedCodec::builder()
        .max_frame_length(MAX_MESSAGE)
        .new_codec();
    let (sink, stream) =
        futures::StreamExt::split::<tokio_util::bytes::Bytes>(Framed::new(stream, codec));
    let (a, b) = (core.clone(), core.clone());
    let stream = stream.map_ok(move |m| {
        a.count_peer_bytes(m.len());
        m.to_vec()
    });
    let sink = sink.with(move |m: Vec<u8>| {
        b.count_peer_bytes(m.len());
        futures::future::ready(Ok::<_, std::io::Error>(tokio_util::bytes::Bytes::from(m)))
    });
    Transport::new(stream, Box::pin(sink)).with_expected_peer_id(kiosk_peer_id(kiosk_id))
}

/// The kiosk on the other side of a finished handshake, if this one may talk to it.
fn allowed_peer(core: &KioskCore, stream: &PeerStream) -> Result<String, PeerError> {
    let (_, conn) = stream.get_ref();
    let cert = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or_else(|| PeerError::Refused("no certificate".into()))?;
    let id = tls::kiosk_of(cert).ok_or_else(|| PeerError::Refused("not a kiosk".into()))?;
    if !core.may_talk_to(&id) {
        return Err(PeerError::Refused(format!(
            "{id} is not a kiosk of this site (or is revoked)"
        )));
    }
    Ok(id)
}

/// Dial `address` and finish the handshake; the kiosk that answered.
async fn dial(
    core: &KioskCore,
    tls: &PeerTls,
    address: &str,
) -> Result<(PeerStream, String), PeerError> {
    let connector = tokio_rustls::TlsConnector::from(tls.client.clone());
    let stream = tokio::time::timeout(HANDSHAKE, async {
        let tcp = TcpStream::connect(address).await?;
        tcp.set_nodelay(true)?;
        connector.connect(tls::dial_name(), tcp).await
    })
    .await
    .map_err(|_| PeerError::Refused(format!("{address} did not answer in time")))??;
    let stream = PeerStream::Client(stream);
    let id = allowed_peer(core, &stream)?;
    Ok((stream, id))
}

/// Accept peers: TLS, the allow-list, then a manifest exchange or a sync connection.
async fn listen_loop(
    core: KioskCore,
    tls: Arc<TlsCell>,
    listener: TcpListener,
    acceptor: AcceptorHandle,
    manifests: mpsc::Sender<(String, wire::Manifest)>,
    stop: CancellationToken,
) {
    loop {
        let (tcp, from) = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a peer failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Some(current) = tls.get() else {
            continue;
        };
        let tls_acceptor = tokio_rustls::TlsAcceptor::from(current.server);
        let (core, acceptor, manifests) = (core.clone(), acceptor.clone(), manifests.clone());
        tokio::spawn(async move {
            if let Err(e) = serve(&core, tls_acceptor, tcp, from, &acceptor, &manifests).await {
                tracing::info!(peer = %from, error = %e, "peer connection refused or failed");
            }
        });
    }
    acceptor.close();
}

async fn serve(
    core: &KioskCore,
    tls_acceptor: tokio_rustls::TlsAcceptor,
    tcp: TcpStream,
    from: SocketAddr,
    acceptor: &AcceptorHandle,
    manifests: &mpsc::Sender<(String, wire::Manifest)>,
) -> Result<(), PeerError> {
    tcp.set_nodelay(true)?;
    let stream = tokio::time::timeout(HANDSHAKE, tls_acceptor.accept(tcp))
        .await
        .map_err(|_| PeerError::Refused("handshake took too long".into()))??;
    let mut stream = PeerStream::Server(stream);
    let id = allowed_peer(core, &stream)?;
    core.note_heard(&id, &from.to_string());
    let mut kind = [0u8; 1];
    tokio::time::timeout(HANDSHAKE, stream.read_exact(&mut kind))
        .await
        .map_err(|_| PeerError::Refused("said nothing".into()))??;
    match kind[0] {
        wire::MANIFEST => {
            let (theirs, read): (wire::Manifest, usize) =
                tokio::time::timeout(HANDSHAKE, wire::read_frame_counted(&mut stream))
                    .await
                    .map_err(|_| PeerError::Refused("no manifest".into()))?
                    .map_err(|e| PeerError::Refused(e.to_string()))?;
            let written = wire::write_frame(&mut stream, &core.manifest().await)
                .await
                .map_err(|e| PeerError::Refused(e.to_string()))?;
            core.count_peer_bytes(1 + read + written);
            let _ = stream.shutdown().await;
            let _ = manifests.send((id, theirs)).await;
        }
        wire::SYNC => {
            acceptor
                .accept(transport(core, stream, &id))
                .map_err(|_| PeerError::Refused("the kiosk is stopping".into()))?;
        }
        other => return Err(PeerError::Refused(format!("unknown channel {other}"))),
    }
    Ok(())
}

/// Dials a peer's sync channel for samod, again after every drop (samod's backoff).
struct SyncDialer {
    core: KioskCore,
    tls: PeerTls,
    address: String,
    kiosk_id: String,
}

impl samod::Dialer for SyncDialer {
    type Error = PeerError;

    fn url(&self) -> url::Url {
        url_of(&self.address)
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<PeerError>>> {
        let (core, tls, address, expected) = (
            self.core.clone(),
            self.tls.clone(),
            self.address.clone(),
            self.kiosk_id.clone(),
        );
        Box::pin(async move {
            let (mut stream, id) = dial(&core, &tls, &address)
                .await
                .map_err(DialError::transient)?;
            if id != expected {
                return Err(DialError::transient(PeerError::Refused(format!(
                    "{address} is {id} now, not {expected}"
                ))));
            }
            stream
                .write_all(&[wire::SYNC])
                .await
                .map_err(|e| DialError::transient(PeerError::Io(e)))?;
            Ok(transport(&core, stream, &id))
        })
    }
}

/// Exchange manifests with the peer at `address`; the kiosk that answered.
async fn exchange(
    core: &KioskCore,
    tls: &PeerTls,
    address: &str,
    ours: &wire::Manifest,
) -> Result<(String, wire::Manifest), PeerError> {
    let (mut stream, id) = dial(core, tls, address).await?;
    let talk = async {
        stream.write_all(&[wire::MANIFEST]).await?;
        let written = wire::write_frame(&mut stream, ours)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (theirs, read) = wire::read_frame_counted::<_, wire::Manifest>(&mut stream)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        core.count_peer_bytes(1 + read + written);
        Ok::<_, std::io::Error>(theirs)
    };
    let theirs = tokio::time::timeout(HANDSHAKE, talk)
        .await
        .map_err(|_| PeerError::Refused(format!("{address} sent no manifest")))??;
    core.note_heard(&id, address);
    Ok((id, theirs))
}

/// Every round: manifests with every known address whose last exchange told it something
/// else than this kiosk's manifest now, or is [`HEARTBEAT`] old; a sync connection to each
/// peer with a larger id, the catalog from a peer if the server's has not come, acknowledgements taken
/// and journals deleted on them, the spots left counted again.
async fn work_loop(
    core: KioskCore,
    cell: Arc<TlsCell>,
    discovery: Option<Arc<mdns::Discovery>>,
    mut incoming: mpsc::Receiver<(String, wire::Manifest)>,
    stop: CancellationToken,
) {
    let mut dialers: HashMap<String, DialerHandle<PeerError>> = HashMap::new();
    // What each address was last told, and when (an exchange that failed is forgotten, so
    // the address is tried again next round).
    let mut told: HashMap<String, (wire::Manifest, tokio::time::Instant)> = HashMap::new();
    let mut ticker = tokio::time::interval(ROUND);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut received: Vec<(String, Option<String>, wire::Manifest)> = Vec::new();
        tokio::select! {
            _ = stop.cancelled() => break,
            Some((id, m)) = incoming.recv() => received.push((id, None, m)),
            _ = ticker.tick() => {
                let found = discovery.as_ref().map(|d| d.addresses()).unwrap_or_default();
                let targets = targets(&core, found);
                told.retain(|a, _| targets.contains(a));
                let ours = core.manifest().await;
                let now = tokio::time::Instant::now();
                let due = targets.iter().filter(|a| {
                    told.get(*a)
                        .is_none_or(|(m, at)| *m != ours || now - *at >= HEARTBEAT)
                });
                let tls = cell.get();
                let exchanges = due.filter_map(|a| {
                    let (core, tls, ours) = (core.clone(), tls.clone()?, &ours);
                    Some(async move { (a.clone(), exchange(&core, &tls, a, ours).await) })
                });
                for (address, result) in futures::future::join_all(exchanges).await {
                    match result {
                        Ok((id, m)) => {
                            told.insert(address.clone(), (ours.clone(), now));
                            received.push((id, Some(address), m));
                        }
                        Err(e) => {
                            told.remove(&address);
                            tracing::debug!(peer = %address, error = %e, "no manifest");
                        }
                    }
                }
            }
        }
        let Some(tls) = cell.get() else {
            continue;
        };
        let mut acked = false;
        for (id, address, manifest) in received {
            if let Some(address) = address.or_else(|| manifest.listen.first().cloned()) {
                keep_sync(&core, &tls, &mut dialers, &id, &address);
            }
            if let Some(catalog) = manifest.catalog_doc_id.as_deref() {
                crate::sync::adopt_catalog(&core, catalog).await;
            }
            acked |= core.take_manifest(&id, manifest).await;
        }
        dialers.retain(|id, d| {
            let keep = core.may_talk_to(id);
            if !keep {
                d.close();
            }
            keep
        });
        if acked && let Err(e) = crate::sync::delete_acknowledged(&core).await {
            tracing::warn!(error = %e, "deleting acknowledged journals failed");
        }
        core.drop_acknowledged_held().await;
        core.recount().await;
        core.refresh_board().await;
        core.refresh_queue().await;
    }
    for d in dialers.into_values() {
        d.close();
    }
}

/// Keep a sync connection to `id` at `address` if this kiosk is the one to dial it.
fn keep_sync(
    core: &KioskCore,
    tls: &PeerTls,
    dialers: &mut HashMap<String, DialerHandle<PeerError>>,
    id: &str,
    address: &str,
) {
    if core.config().kiosk_id.as_str() >= id || dialers.contains_key(id) {
        return;
    }
    let dialer = SyncDialer {
        core: core.clone(),
        tls: tls.clone(),
        address: address.to_owned(),
        kiosk_id: id.to_owned(),
    };
    let backoff = BackoffConfig {
        initial_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(10),
        max_retries: None,
    };
    match core.repo().dial(backoff, Arc::new(dialer)) {
        Ok(handle) => {
            dialers.insert(id.to_owned(), handle);
        }
        Err(_) => tracing::warn!("the kiosk is stopping; no sync connection to {id}"),
    }
}

/// Addresses to exchange manifests with: the configuration's and staff's typed lists, what
/// mDNS found (`found`) and the server's, once each, not this kiosk's own.
fn targets(core: &KioskCore, found: Vec<String>) -> Vec<String> {
    let own = core.advertised();
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    core.config()
        .peers
        .iter()
        .cloned()
        .chain(core.typed_peers())
        .chain(found)
        .chain(core.site_peers().into_iter().flat_map(|p| p.addresses))
        .filter(|a| !own.contains(a))
        .filter(|a| seen.insert(a.clone(), ()).is_none())
        .collect()
}
