//! Finding the site's kiosks on the local network by mDNS (`mdns-sd`, pure Rust): each
//! kiosk announces `_frivillig._tcp` with its id and site, and browses for the others of
//! its site. Discovery only says where to dial: whom a kiosk talks to is decided by the
//! TLS handshake and the server's list (`super::tls`, `KioskCore::may_talk_to`). Where the
//! network drops multicast, nothing is found and the peer list carries on alone.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};

/// The service type kiosks announce.
pub const SERVICE: &str = "_frivillig._tcp.local.";

/// Announcing this kiosk and browsing for the others.
pub struct Discovery {
    daemon: ServiceDaemon,
    found: Arc<Mutex<BTreeMap<String, Vec<String>>>>,
}

impl Discovery {
    /// Announce `kiosk_id` of `site_id` listening at `local`, and browse. `None` (and a
    /// warning) if the machine's network cannot do mDNS at all.
    pub fn start(kiosk_id: &str, site_id: &str, local: SocketAddr) -> Option<Discovery> {
        let daemon = ServiceDaemon::new()
            .inspect_err(|e| tracing::warn!(error = %e, "mDNS is not available; peer list only"))
            .ok()?;
        let ip = if local.ip().is_unspecified() {
            String::new()
        } else {
            local.ip().to_string()
        };
        let properties = [("site", site_id), ("id", kiosk_id)];
        let info = ServiceInfo::new(
            SERVICE,
            kiosk_id,
            &format!("{kiosk_id}.local."),
            ip.as_str(),
            local.port(),
            &properties[..],
        )
        .map(|i| {
            if ip.is_empty() {
                i.enable_addr_auto()
            } else {
                i
            }
        });
        match info.map(|i| daemon.register(i)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) | Err(e) => {
                tracing::warn!(error = %e, "this kiosk could not be announced by mDNS");
            }
        }
        let found: Arc<Mutex<BTreeMap<String, Vec<String>>>> = Arc::default();
        match daemon.browse(SERVICE) {
            Ok(events) => {
                let (found, site, me) = (found.clone(), site_id.to_owned(), kiosk_id.to_owned());
                // Ends when the daemon shuts down and the channel closes.
                std::thread::spawn(move || {
                    while let Ok(event) = events.recv() {
                        take(&found, &site, &me, event);
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "mDNS browsing failed; peer list only"),
        }
        Some(Discovery { daemon, found })
    }

    /// Where the site's other kiosks said they listen, `host:port` each.
    pub fn addresses(&self) -> Vec<String> {
        self.found
            .lock()
            .map(|f| f.values().flatten().cloned().collect())
            .unwrap_or_default()
    }

    /// Withdraw the announcement and stop browsing.
    pub fn stop(&self) {
        if let Err(e) = self.daemon.shutdown() {
            tracing::debug!(error = %e, "mDNS was stopped already");
        }
    }
}

fn take(found: &Mutex<BTreeMap<String, Vec<String>>>, site: &str, me: &str, event: ServiceEvent) {
    let Ok(mut found) = found.lock() else { return };
    match event {
        ServiceEvent::ServiceResolved(s) => {
            let theirs = s.get_property_val_str("site") == Some(site)
                && s.get_property_val_str("id").is_some_and(|id| id != me);
            if theirs {
                let port = s.get_port();
                let addresses = s
                    .get_addresses()
                    .iter()
                    .map(|ip| SocketAddr::new(ip.to_ip_addr(), port).to_string())
                    .collect();
                found.insert(s.get_fullname().to_owned(), addresses);
            }
        }
        ServiceEvent::ServiceRemoved(_, fullname) => {
            found.remove(&fullname);
        }
        _ => {}
    }
}
