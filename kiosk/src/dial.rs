//! The kiosk's sync connection: a WebSocket to the server's sync endpoint, inside TLS
//! pinned to the server's CA for `wss`, handed to samod as a transport. The sync worker
//! (`crate::sync`) dials it; the benchmarks dial any automerge-repo server with it.

use std::sync::Arc;

use frivillig_common::sync::{SERVER_PEER_ID, device_token};
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use samod::{DialError, PeerId, Transport};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

/// Dials the server's sync endpoint as one enrolled device (token in the upgrade request),
/// or, for the benchmarks, any automerge-repo sync server ([`WsDialer::to_any_server`]).
pub struct WsDialer {
    url: url::Url,
    token: Option<String>,
    max_message: usize,
    /// The peer id the server must answer with: ours, so a kiosk talks only to a
    /// Frivillig server; `None` for [`WsDialer::to_any_server`].
    expected_peer: Option<PeerId>,
    /// For `wss`: TLS that trusts only the server's pinned CA.
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl WsDialer {
    /// A dialer for the device in `config`: over `wss` it trusts only the CA the config
    /// pins.
    pub fn new(config: &crate::KioskConfig) -> Result<WsDialer, WsError> {
        let token = device_token(&config.kiosk_id, &config.device_secret);
        let url = config.sync_url().map_err(|e| WsError(e.to_string()))?;
        let tls = match (url.scheme(), config.server_ca_sha256.as_deref()) {
            ("wss", Some(pin)) => Some(Arc::new(
                frivillig_common::tls::pinned_client_config(pin)
                    .map_err(|e| WsError(e.to_string()))?,
            )),
            ("wss", None) => {
                return Err(WsError(
                    "wss needs the server's CA fingerprint (server_ca_sha256)".into(),
                ));
            }
            _ => None,
        };
        Ok(WsDialer {
            expected_peer: Some(PeerId::from(SERVER_PEER_ID)),
            tls,
            ..WsDialer::to_any_server(url, Some(token))
        })
    }

    /// A dialer to any automerge-repo sync server at `url`, with a device token if one is
    /// given and whatever peer id the server answers with: the benchmarks drive ours and the
    /// JS automerge-repo server with the same client. A kiosk never uses it.
    pub fn to_any_server(url: url::Url, token: Option<String>) -> WsDialer {
        WsDialer {
            url,
            token,
            max_message: 8 * 1024 * 1024,
            expected_peer: None,
            tls: None,
        }
    }
}

/// A WebSocket failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WsError(String);

impl samod::Dialer for WsDialer {
    type Error = WsError;

    fn url(&self) -> url::Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<WsError>>> {
        let url = self.url.clone();
        let token = self.token.clone();
        let max = self.max_message;
        let expected_peer = self.expected_peer.clone();
        let tls = self.tls.clone();
        Box::pin(async move {
            let mut request = url
                .as_str()
                .into_client_request()
                .map_err(|e| DialError::PermanentFailure(WsError(e.to_string())))?;
            if let Some(token) = token {
                let value = format!("Bearer {token}").parse().map_err(|_| {
                    DialError::PermanentFailure(WsError(
                        "device token is not a valid header".into(),
                    ))
                })?;
                request.headers_mut().insert("authorization", value);
            }
            let config = tungstenite::protocol::WebSocketConfig::default()
                .max_message_size(Some(max))
                .max_frame_size(Some(max));
            let stream = connect(&url, tls)
                .await
                .map_err(|e| DialError::transient(WsError(e)))?;
            let (ws, _) =
                tokio_tungstenite::client_async_with_config(request, stream, Some(config))
                    .await
                    .map_err(|e| DialError::transient(WsError(e.to_string())))?;
            let (sink, stream) = ws.split();
            let incoming = stream
                .filter_map(|msg| async move {
                    match msg {
                        Ok(Message::Binary(b)) => Some(Ok(b.to_vec())),
                        Ok(Message::Text(_)) => Some(Err(WsError("unexpected text frame".into()))),
                        Ok(_) => None,
                        Err(e) => Some(Err(WsError(e.to_string()))),
                    }
                })
                .boxed();
            let outgoing = sink
                .sink_map_err(|e| WsError(e.to_string()))
                .with(|b: Vec<u8>| {
                    futures::future::ready(Ok::<_, WsError>(Message::Binary(b.into())))
                });
            let transport = Transport::new(incoming, Box::pin(outgoing));
            Ok(match expected_peer {
                Some(peer) => transport.with_expected_peer_id(peer),
                None => transport,
            })
        })
    }
}

/// A TCP connection to `url`'s host, inside TLS when `tls` is given (naming the server
/// [`KIOSK_NAME`](frivillig_common::tls::KIOSK_NAME), whose certificate the pinned CA signs).
async fn connect(
    url: &url::Url,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<
    tokio_util::either::Either<
        tokio::net::TcpStream,
        tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    >,
    String,
> {
    use tokio_util::either::Either;
    let host = url
        .host_str()
        .ok_or("the server address has no host")?
        .trim_matches(['[', ']']);
    let port = url.port_or_known_default().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    let Some(tls) = tls else {
        return Ok(Either::Left(tcp));
    };
    let name = rustls::pki_types::ServerName::try_from(frivillig_common::tls::KIOSK_NAME)
        .map_err(|e| e.to_string())?;
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Either::Right(stream))
}
