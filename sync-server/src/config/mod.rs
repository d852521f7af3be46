//! The server's settings, with defaults that run a demo on one machine. [`mail`] holds the
//! `[mail]` table.

pub mod mail;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Server settings; every field has a default, and a TOML file may set any of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the database and keys.
    pub data_dir: PathBuf,
    /// Public base URL (used in receipt QR codes and posters).
    pub public_url: String,
    /// Largest WebSocket message accepted from a kiosk, in bytes.
    pub max_ws_message_bytes: usize,
    /// How long an acknowledgement request waits for the journal's changes to arrive.
    pub ack_wait_ms: u64,
    /// How long a client may take to send a request's headers before the connection is
    /// closed (a slow-loris client must not hold connections open).
    pub header_read_timeout_ms: u64,
    /// How long one request may take, body included, before it is answered 408 and its
    /// connection closed (a client trickling a body must not hold a connection for ever).
    /// Sync WebSockets are not requests once upgraded.
    pub request_timeout_ms: u64,
    /// Seconds a coordinator's session may be idle before it ends (besides its absolute
    /// end, ten hours after login).
    pub session_idle_secs: u64,
    /// Whether every account must have an authenticator app before it may do anything
    /// (it is asked to set one up at its first login). Not enforced on a demo on this
    /// machine (a `public_url` at localhost), where nobody else can log in.
    pub second_factor_required: bool,
    /// HTTP connections served at once; beyond it a connection is answered 503 and closed.
    pub max_connections: usize,
    /// HTTP connections served at once from one address, so that one client cannot take
    /// every slot (slow-loris); beyond it 503. Kiosks behind one NAT share an address and
    /// each keeps an idle connection or two open between sync rounds (a sync WebSocket
    /// leaves the count when it upgrades), so this is half of `max_connections`: the load
    /// test's 500 kiosks at one address were refused at 256.
    pub max_connections_per_ip: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Sync WebSockets open at once; beyond it an upgrade is answered 503.
    pub max_sync_connections: usize,
    /// Sync WebSockets one kiosk may hold at once (it needs one; a few allow reconnects
    /// while an old socket is still closing); beyond it 429.
    pub max_sync_per_device: usize,
    /// Requests one kiosk may make to the device API per minute; beyond it 429.
    pub device_requests_per_minute: u32,
    /// Requests one client address may make per minute without a device token (the
    /// portal, the admin app, the API, enrolment), far fewer than a kiosk's; beyond it 429.
    /// Behind a proxy the address is the client's (see `trusted_proxies`).
    pub anonymous_requests_per_minute: u32,
    /// Days after its last status change that a declined or withdrawn signup is erased
    /// (0: never).
    pub retention_closed_days: u32,
    /// Days after it was made that any signup is erased, whatever its status (0: never).
    pub retention_max_days: u32,
    /// Seconds after which a document no kiosk is connected to and nothing happened to is
    /// dropped from memory (it stays on disk and is loaded again when asked for), so that
    /// memory follows the kiosks connected, not every journal ever held.
    pub unload_idle_secs: u64,
    /// How much of the database file may be kept in memory, in MiB (redb's page cache).
    pub storage_cache_mib: u64,
    /// Benchmarks only (`just bench`): allow enrolling *benchmark devices*, which may store
    /// documents of their own making under any peer id, as a generic automerge-repo client
    /// does, and see nothing else (no catalog, no journal). Off by default and in every
    /// production setting; while it is off, benchmark devices enrolled earlier are refused.
    pub bench_devices: bool,
    /// Serve HTTPS and WSS with a certificate signed by the server's own certificate
    /// authority (`keys/ca.pem`), which kiosks pin. Off: plain HTTP, for a demo on this
    /// machine or behind a reverse proxy on it.
    pub tls: bool,
    /// A certificate chain (PEM) from the web's PKI for browsers, with `tls_key_file`; read
    /// again when the files change. Kiosks still get the server's own certificate.
    pub tls_cert_file: Option<PathBuf>,
    /// The private key (PEM) of `tls_cert_file`.
    pub tls_key_file: Option<PathBuf>,
    /// Reverse proxies in front of the server (addresses or networks, e.g. `127.0.0.1/32`):
    /// for a request from one of them, rate limits and logs count the client it names in
    /// `X-Forwarded-For`. Empty: every peer is a client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How messages reach people (`[mail]`).
    pub mail: mail::MailConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8700)),
            data_dir: PathBuf::from("data/server"),
            public_url: "http://127.0.0.1:8700".into(),
            // A full journal of 2,000 signups is about 1 MB; leave room, refuse more.
            max_ws_message_bytes: 8 * 1024 * 1024,
            ack_wait_ms: 10_000,
            header_read_timeout_ms: 10_000,
            // A catalog import of the largest body over a slow link, with room to spare.
            request_timeout_ms: 60_000,
            // Half an hour: a desk left alone, not a coffee break.
            session_idle_secs: 1_800,
            second_factor_required: true,
            max_connections: 2_000,
            max_connections_per_ip: 1_000,
            max_body_bytes: 2 * 1024 * 1024,
            max_sync_connections: 1_000,
            max_sync_per_device: 4,
            // A sync round makes two or three calls; during a burst of signups a kiosk runs a
            // round every 20-50 ms (about 7,000 calls a minute). Twice that, and no more.
            device_requests_per_minute: 15_000,
            // A person clicks a few times a minute; a page loads with its stylesheet. An
            // office behind one address shares it, so room for a few dozen people at once.
            anonymous_requests_per_minute: 1_200,
            // Half a year to answer questions about a declined or withdrawn signup, two years
            // for an active volunteer's; the municipality's own policy may set others.
            retention_closed_days: 180,
            retention_max_days: 730,
            // A kiosk that keeps its connection keeps its documents; one that left is back
            // within seconds or gone for long, and reloading a journal takes milliseconds.
            unload_idle_secs: 10,
            // Ingest reads a journal's newest pages and the admin list has its own index in
            // memory; 64 MiB holds a busy day's journals.
            storage_cache_mib: 64,
            bench_devices: false,
            tls: false,
            tls_cert_file: None,
            tls_key_file: None,
            trusted_proxies: Vec::new(),
            mail: mail::MailConfig::default(),
        }
    }
}

impl ServerConfig {
    /// The settings as a TOML file with every setting explained, for operators to edit.
    pub fn documented_toml(&self) -> String {
        let top = format!(
            "# Frivillig server settings. Start the server with: frivillig-server --config THIS_FILE\n\
             # Every setting may be left out; the value shown here is then used.\n\n\
             # Address and port to listen on. 0.0.0.0 listens on every network interface.\n\
             listen = \"{}\"\n\n\
             # Folder for the database (server.redb) and the sealing key (keys/sealing.key).\n\
             # Back it up with `frivillig-provision backup`; the key opens every signup.\n\
             data_dir = {}\n\n\
             # The address citizens reach the portal at. Receipt QR codes and posters point here.\n\
             public_url = {}\n\n\
             # Largest sync message accepted from a kiosk, in bytes. A full journal of 2,000\n\
             # signups is about 1 MB; larger messages are refused and the connection closed.\n\
             max_ws_message_bytes = {}\n\n\
             # How long a kiosk's request for a durable acknowledgement waits for the journal's\n\
             # changes to arrive over sync, in milliseconds, before it is told to ask again.\n\
             ack_wait_ms = {}\n\n\
             # How long a client may take to send a request's headers, in milliseconds; slower\n\
             # clients are disconnected so they cannot hold connections open.\n\
             header_read_timeout_ms = {}\n\n\
             # How long one request may take, body included, in milliseconds; a client that\n\
             # trickles its body is answered 408 and disconnected.\n\
             request_timeout_ms = {}\n\n\
             # Seconds a coordinator's session may be idle before it ends; a session also\n\
             # ends ten hours after login.\n\
             session_idle_secs = {}\n\n\
             # Whether every account must use an authenticator app (a second factor) besides\n\
             # its password; without one it is asked to set it up at login. Not enforced\n\
             # while public_url is at localhost (a demo on this machine).\n\
             second_factor_required = {}\n\n\
             # HTTP connections served at once. Beyond it a connection is answered 503 and closed.\n\
             max_connections = {}\n\n\
             # HTTP connections served at once from one address, so one client cannot take\n\
             # them all; beyond it 503. Kiosks behind one NAT share an address, and each\n\
             # keeps one or two open; allow for all of them.\n\
             max_connections_per_ip = {}\n\n\
             # Largest request body accepted, in bytes (a catalog import is the largest).\n\
             max_body_bytes = {}\n\n\
             # Sync connections (WebSockets) open at once; beyond it new ones are answered 503.\n\
             max_sync_connections = {}\n\n\
             # Sync connections one kiosk may hold at once; beyond it 429.\n\
             max_sync_per_device = {}\n\n\
             # Requests one kiosk may make to the device API per minute; beyond it 429.\n\
             device_requests_per_minute = {}\n\n\
             # Requests one client address may make per minute without a device token (the\n\
             # portal, the admin app, the API); beyond it 429. Counted per client behind a\n\
             # trusted proxy.\n\
             anonymous_requests_per_minute = {}\n\n\
             # Retention of personal data (GDPR). A signup that was declined or withdrawn is\n\
             # erased this many days after that happened; 0 keeps it.\n\
             retention_closed_days = {}\n\n\
             # Any signup is erased this many days after it was made, whatever its status;\n\
             # 0 keeps it. Erasure removes the person from the server's store at once and\n\
             # rewrites the journal that held them once no kiosk can still hold it.\n\
             retention_max_days = {}\n\n\
             # Seconds after which a journal or catalog no kiosk is connected to, and that\n\
             # nothing happened to, is dropped from memory. It stays on disk and is loaded\n\
             # again when a kiosk or a coordinator needs it.\n\
             unload_idle_secs = {}\n\n\
             # How much of the database file is kept in memory, in MiB. More makes rereading\n\
             # old journals faster; the server's memory grows with it.\n\
             storage_cache_mib = {}\n\n\
             # HTTPS and WSS with the server's own certificate authority (keys/ca.pem), which\n\
             # kiosks pin at enrolment. Turn it on whenever kiosks reach the server over a\n\
             # network; plain HTTP is for a demo on this machine or a proxy on it.\n\
             tls = {}\n\n\
             # A certificate from the web's PKI for browsers (PEM chain and key), read again\n\
             # when the files change; kiosks keep getting the server's own certificate.\n\
             # tls_cert_file = \"/etc/frivillig/fullchain.pem\"\n\
             # tls_key_file = \"/etc/frivillig/privkey.pem\"\n\n\
             # Reverse proxies in front of the server, as networks: for a request from one\n\
             # of them, rate limits count the client it names in X-Forwarded-For.\n\
             trusted_proxies = {}\n",
            self.listen,
            toml_string(&self.data_dir.display().to_string()),
            toml_string(&self.public_url),
            self.max_ws_message_bytes,
            self.ack_wait_ms,
            self.header_read_timeout_ms,
            self.request_timeout_ms,
            self.session_idle_secs,
            self.second_factor_required,
            self.max_connections,
            self.max_connections_per_ip,
            self.max_body_bytes,
            self.max_sync_connections,
            self.max_sync_per_device,
            self.device_requests_per_minute,
            self.anonymous_requests_per_minute,
            self.retention_closed_days,
            self.retention_max_days,
            self.unload_idle_secs,
            self.storage_cache_mib,
            self.tls,
            toml::Value::Array(
                self.trusted_proxies
                    .iter()
                    .map(|n| toml::Value::String(n.to_string()))
                    .collect()
            ),
        );
        top + &self.mail.documented_toml()
    }
}

impl ServerConfig {
    /// Whether accounts must have a second factor now: as set, except on a demo whose
    /// public address is this machine.
    pub fn requires_second_factor(&self) -> bool {
        let local = url::Url::parse(&self.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .is_some_and(|h| {
                h == "localhost"
                    || h.trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
        self.second_factor_required && !local
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_file_reads_back_as_the_same_settings() {
        let config = ServerConfig {
            data_dir: PathBuf::from("/var/lib/frivillig \"x\""),
            public_url: "https://frivillig.glostrup.dk".into(),
            ..ServerConfig::default()
        };
        let text = config.documented_toml();
        let back: ServerConfig = toml::from_str(&text).expect("parses");
        assert_eq!(back.documented_toml(), text);
        assert_eq!(back.data_dir, config.data_dir);
        let mailing = ServerConfig {
            mail: mail::MailConfig {
                smtp_host: Some("smtp.glostrup.dk".into()),
                smtp_password_file: Some("/etc/frivillig/pw".into()),
                smtp_ca_file: Some("/etc/frivillig/ca.pem".into()),
                ..Default::default()
            },
            ..config.clone()
        };
        let back: ServerConfig = toml::from_str(&mailing.documented_toml()).expect("parses");
        assert_eq!(back.mail, mailing.mail);
        assert!(text.lines().filter(|l| l.starts_with('#')).count() >= 10);
    }

    #[test]
    fn the_second_factor_is_required_except_on_a_demo_on_this_machine() {
        let at = |url: &str, required: bool| ServerConfig {
            public_url: url.into(),
            second_factor_required: required,
            ..ServerConfig::default()
        };
        assert!(at("https://frivillig.glostrup.dk", true).requires_second_factor());
        assert!(at("http://10.0.0.5:8700", true).requires_second_factor());
        assert!(!at("https://frivillig.glostrup.dk", false).requires_second_factor());
        for demo in [
            "http://127.0.0.1:8700",
            "http://localhost:8700",
            "http://[::1]:8700",
        ] {
            assert!(!at(demo, true).requires_second_factor(), "{demo}");
        }
    }
}
