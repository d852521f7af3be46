//! The sync endpoint: a WebSocket upgrade that authenticates the device first, then hands
//! the socket to samod bound to that device's peer id.
//!
//! Refusals happen before the upgrade with a plain HTTP status (401 unknown, 403 revoked),
//! so a kiosk can tell staff why. Each accepted socket is wrapped so that revoking the
//! device ends it at once, and so that size limits apply before samod sees a byte.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use std::sync::atomic::Ordering;
use tokio_util::sync::CancellationToken;

use frivillig_common::sync::kiosk_peer_id;

use crate::AppState;
use crate::http::device::authenticate_device_row;
use crate::http::error::ApiError;
use crate::sync::bench::BenchPeer;

/// Query parameters of the upgrade (browsers cannot set headers on a WebSocket).
#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    /// Device token, if not in the `Authorization` header.
    pub token: Option<String>,
}

/// A WebSocket error as samod's transport wants it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WsError(String);

/// `GET /sync`: authenticate, then upgrade.
pub async fn sync_upgrade(
    State(state): State<AppState>,
    Query(query): Query<SyncQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    // A browser always names the page that opened the socket. Kiosks are not browsers and
    // send no Origin; a page elsewhere must not ride on a credential it got hold of.
    if let Some(origin) = headers.get(axum::http::header::ORIGIN) {
        let allowed = origin.to_str().is_ok_and(|o| {
            o.trim_end_matches('/') == state.config.public_url.trim_end_matches('/')
        });
        if !allowed {
            return Err(ApiError::ForbiddenOrigin);
        }
    }
    let (kiosk_id, device) = {
        let st = state.clone();
        let token = query.token.clone();
        tokio::task::spawn_blocking(move || {
            authenticate_device_row(&st, &headers, token.as_deref())
        })
        .await
        .map_err(ApiError::internal)??
    };
    let bench = device.bench;
    if bench && !state.config.bench_devices {
        return Err(ApiError::BenchOff);
    }
    let kiosk_id = kiosk_id.to_string();
    let slot = SocketSlot::take(&state, &kiosk_id, bench)?;
    let max = state.config.max_ws_message_bytes;
    let cancel = {
        let mut conns = state
            .sync
            .connections
            .lock()
            .map_err(|_| ApiError::internal("connection table poisoned"))?;
        conns.entry(kiosk_id.clone()).or_default().child_token()
    };
    Ok(ws
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve_socket(state, kiosk_id, bench, socket, cancel, slot))
        .into_response())
}

/// One sync socket counted against the caps; it is given back when dropped, that is when
/// samod drops the socket's incoming stream at the end of the connection (or when the
/// upgrade never happens).
pub struct SocketSlot {
    sockets: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    kiosk_id: String,
}

impl SocketSlot {
    /// Count a new socket of `kiosk_id`, or refuse it: 503 when the server holds as many as
    /// it is set to, 429 when this kiosk does (a benchmark device stands for many clients
    /// and has no cap of its own).
    fn take(state: &AppState, kiosk_id: &str, bench: bool) -> Result<SocketSlot, ApiError> {
        let mut sockets = state
            .sync
            .sockets
            .lock()
            .map_err(|_| ApiError::internal("socket table poisoned"))?;
        let total: usize = sockets.values().sum();
        if total >= state.config.max_sync_connections {
            return Err(ApiError::Busy);
        }
        let mine = sockets.entry(kiosk_id.to_owned()).or_default();
        if *mine >= state.config.max_sync_per_device && !bench {
            return Err(ApiError::TooMany);
        }
        *mine += 1;
        Ok(SocketSlot {
            sockets: state.sync.sockets.clone(),
            kiosk_id: kiosk_id.to_owned(),
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        crate::sync::release(&self.sockets, &self.kiosk_id);
    }
}

async fn serve_socket(
    state: AppState,
    kiosk_id: String,
    bench: bool,
    socket: WebSocket,
    cancel: CancellationToken,
    slot: SocketSlot,
) {
    let mut bench_peer = bench.then(|| BenchPeer::new(state.sync.bench_peers.clone()));
    let (sink, stream) = socket.split();
    let bytes_in = state.sync.bytes_in.clone();
    let bytes_out = state.sync.bytes_out.clone();
    let incoming = stream
        .take_until(cancel.clone().cancelled_owned())
        .inspect(move |msg| {
            // The slot lives as long as the stream: the count drops when samod lets go.
            let _held = &slot;
            if let Ok(Message::Binary(bytes)) = msg {
                bytes_in.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            }
        })
        .map(move |msg| {
            // A benchmark client's peer id must be known to the share policy before samod
            // reads its join message and asks the policy.
            if let (Some(peer), Ok(Message::Binary(bytes))) = (bench_peer.as_mut(), &msg) {
                peer.join(bytes).map_err(|e| WsError(e.0))?;
            }
            Ok::<_, WsError>(msg)
        })
        .filter_map(|msg| async move {
            let msg = match msg {
                Ok(msg) => msg,
                Err(e) => return Some(Err(e)),
            };
            match msg {
                // Screened before samod sees it: automerge fails on some malformed messages
                // inside samod, where one kiosk's bad message could stop a shared document.
                Ok(Message::Binary(bytes)) => {
                    match frivillig_common::untrusted::screen_sync_message(&bytes) {
                        Ok(()) => Some(Ok(bytes.to_vec())),
                        Err(e) => {
                            tracing::warn!(error = %e, "sync message refused; connection closed");
                            Some(Err(WsError(e.to_string())))
                        }
                    }
                }
                Ok(Message::Close(_)) => None,
                Ok(Message::Ping(_) | Message::Pong(_)) => None,
                Ok(Message::Text(_)) => Some(Err(WsError(
                    "text frames are not part of the protocol".into(),
                ))),
                Err(e) => Some(Err(WsError(format!("receive: {e}")))),
            }
        })
        .boxed();
    let outgoing =
        sink.sink_map_err(|e| WsError(format!("send: {e}")))
            .with(move |bytes: Vec<u8>| {
                bytes_out.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                futures::future::ready(Ok::<_, WsError>(Message::Binary(bytes.into())))
            });
    let transport = samod::Transport::new(incoming, Box::pin(outgoing));
    // A kiosk must be the peer its token names; a benchmark client names itself (above).
    let transport = if bench {
        transport
    } else {
        transport.with_expected_peer_id(kiosk_peer_id(&kiosk_id))
    };
    match state.sync.acceptor.accept(transport) {
        Ok(conn) => {
            tracing::info!(kiosk = %kiosk_id, "kiosk connected");
            let _ = conn.handshake_complete().await;
        }
        Err(_) => tracing::warn!(kiosk = %kiosk_id, "repository stopped; connection dropped"),
    }
}
