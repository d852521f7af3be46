//! The accept loop: HTTP/1 over hyper with a header-read timeout (slow-loris), a cap on
//! connections in all and per address, and the background loops started and stopped with
//! the server.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use samod::DocumentId;
use tokio::net::TcpListener;
use tokio_util::either::Either;

use crate::AppState;
use crate::limits;

/// Serve `state` on `listener` until `shutdown` completes, then stop samod cleanly.
///
/// A hand-written accept loop instead of `axum::serve`, for what that does not do: a limit on
/// how long a client may take to send its headers (slow-loris), and a cap on connections
/// with a clear 503 beyond it.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let repo = state.sync.repo.clone();
    let background = state.background.clone();
    // Journals registered before this start are ingested as their changes arrive, too, and
    // once now: samod may have stored changes the last run did not get to ingest.
    match state.store.journal_ids() {
        Ok(ids) => {
            for id in ids.iter().filter_map(|id| id.parse::<DocumentId>().ok()) {
                crate::service::ingest::watch_journal(&state, id);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot list journals to watch"),
    }
    crate::service::erasure::start_retention(&state);
    crate::service::catalog::start_taken_refresher(&state);
    crate::service::mail::start_sender(&state);
    crate::service::mail::schedule::start_scheduler(&state);
    let header_timeout = std::time::Duration::from_millis(state.config.header_read_timeout_ms);
    let slots = Arc::new(tokio::sync::Semaphore::new(state.config.max_connections));
    let per_ip: PerIp = Arc::default();
    let per_ip_limit = state.config.max_connections_per_ip;
    let tls = state.tls.clone();
    let app = crate::http::router(state);
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(per_ip) = PerIpSlot::take(&per_ip, limits::client_key(peer.ip()), per_ip_limit)
        else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        let service =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let mut closing = closing_rx.clone();
        let tls = tls.clone();
        connections.spawn(async move {
            let _slot = (slot, per_ip);
            // The handshake gets the same time as the headers would: a client that stalls
            // in it holds a slot no longer than a slow-loris one.
            let stream = match &tls {
                Some(tls) => {
                    match tokio::time::timeout(header_timeout, tls.acceptor.accept(stream)).await {
                        Ok(Ok(s)) => Either::Right(Box::new(s)),
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => return,
                    }
                }
                None => Either::Left(stream),
            };
            let conn = builder
                .serve_connection(
                    TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                )
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        // Reap finished connection tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    let _ = closing_tx.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    // The loops stop before samod does, so none of them is left waiting on a stopped repo.
    background.stop().await;
    repo.stop().await;
    Ok(())
}

/// Connections being served, per address (as [`limits::client_key`] counts them).
type PerIp = Arc<Mutex<HashMap<std::net::IpAddr, usize>>>;

/// One address's place among the connections served; given back when dropped.
struct PerIpSlot {
    counts: PerIp,
    ip: std::net::IpAddr,
}

impl PerIpSlot {
    /// A place for `ip`, unless it holds `limit` already.
    fn take(counts: &PerIp, ip: std::net::IpAddr, limit: usize) -> Option<PerIpSlot> {
        let mut map = counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(PerIpSlot {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for PerIpSlot {
    fn drop(&mut self) {
        crate::sync::release(&self.counts, &self.ip);
    }
}

/// Tell a client over the connection cap why it is refused, then close.
async fn refuse_busy(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt as _;
    let body = "{\"code\":\"busy\",\"message\":\"Serveren har for mange forbindelser; prøv igen om lidt / the server has too many connections; try again shortly\"}";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        stream.write_all(response.as_bytes()),
    )
    .await;
    let _ = stream.shutdown().await;
}
