//! Three kiosks in network namespaces the test makes (a veth pair each to a bridge in a
//! fourth namespace, and no route to the server): they find each other by mDNS, and again
//! with multicast switched off on their links, through the peer list staff typed.

use std::process::Command;

use frivillig_kiosk::KioskConfig;

use super::*;

/// The namespaces and links of one test, removed when dropped.
struct Lan {
    prefix: String,
    subnet: u8,
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ip").args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

impl Lan {
    /// `kiosks` namespaces on a bridge, at 10.77.`subnet`.1, .2, ...
    fn new(tag: &str, subnet: u8, kiosks: usize) -> anyhow::Result<Lan> {
        let lan = Lan {
            prefix: format!("fv{}{tag}", std::process::id() % 100_000),
            subnet,
        };
        let br = lan.ns("br");
        ip(&["netns", "add", &br])?;
        ip(&["-n", &br, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &br, "link", "set", "br0", "up"])?;
        for i in 0..kiosks {
            let ns = lan.ns(&i.to_string());
            ip(&["netns", "add", &ns])?;
            let (inner, outer) = (format!("k{i}"), format!("b{i}"));
            ip(&[
                "link", "add", &inner, "netns", &ns, "type", "veth", "peer", "name", &outer,
                "netns", &br,
            ])?;
            ip(&["-n", &br, "link", "set", &outer, "master", "br0", "up"])?;
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}/24", lan.addr(i)),
                "dev",
                &inner,
            ])?;
            ip(&["-n", &ns, "link", "set", &inner, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(lan)
    }

    fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn addr(&self, i: usize) -> String {
        format!("10.77.{}.{}", self.subnet, i + 1)
    }

    /// Stop the bridge passing multicast to kiosk `i`, as borrowed Wi-Fi that drops it
    /// (broadcast still passes: ARP needs it).
    fn block_multicast(&self, i: usize) -> anyhow::Result<()> {
        let port = format!("b{i}");
        let br = self.ns("br");
        ip(&[
            "-n",
            &br,
            "link",
            "set",
            "dev",
            &port,
            "type",
            "bridge_slave",
            "mcast_flood",
            "off",
        ])
    }

    /// A runtime whose every thread lives in kiosk `i`'s namespace: whatever a task opens
    /// there (sockets, mDNS's own thread) is on that kiosk's network.
    fn runtime(&self, i: usize) -> anyhow::Result<tokio::runtime::Runtime> {
        let file = std::sync::Arc::new(std::fs::File::open(format!(
            "/run/netns/{}",
            self.ns(&i.to_string())
        ))?);
        Ok(tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .on_thread_start(move || {
                // A thread that cannot move would open the kiosk's sockets on the host's
                // network; its bind to the LAN address then fails the test.
                if let Err(e) = nix::sched::setns(&*file, nix::sched::CloneFlags::CLONE_NEWNET) {
                    eprintln!("setns failed: {e}");
                }
            })
            .build()?)
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for name in ["br", "0", "1", "2", "3", "4"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(name)])
                .output();
        }
    }
}

/// Enrol three kiosks and give each its certificate and the catalog at the server, on the
/// host's network; their configs, for opening them again on the LAN.
fn enrolled(
    rt: &tokio::runtime::Runtime,
    server: &TestServer,
    dir: &Path,
) -> anyhow::Result<Vec<KioskConfig>> {
    rt.block_on(async {
        shift_of(server, 3).await?;
        let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
        let mut kiosks = Vec::new();
        for id in ["telt-a", "telt-b", "telt-c"] {
            kiosks.push(kiosk(server, id, SITE, dir, &clock).await?);
        }
        know_each_other(&kiosks).await?;
        let mut configs = Vec::new();
        for k in kiosks {
            configs.push(k.core.config().clone());
            k.stop().await;
        }
        anyhow::Ok(configs)
    })
}

/// The three kiosks on the LAN, each on its own runtime in its namespace, each with the
/// addresses in `typed` on staff's list; a signup at each is counted at all three, and the
/// shift's last spot shows as taken everywhere. Returns how many addresses mDNS found at
/// each.
fn signups_cross_the_lan(
    lan: &Lan,
    configs: Vec<KioskConfig>,
    typed: Vec<Vec<String>>,
) -> anyhow::Result<Vec<usize>> {
    let mut kiosks = Vec::new();
    for (i, (config, typed)) in configs.into_iter().zip(typed).enumerate() {
        let rt = lan.runtime(i)?;
        let listen: SocketAddr = format!("{}:7420", lan.addr(i)).parse()?;
        let (core, peers) = rt.block_on(rt.spawn(async move {
            let core = open_kiosk(config, Arc::new(frivillig_kiosk::SystemClock)).await?;
            for address in typed {
                core.add_typed_peer(&address)?;
            }
            let peers = PeerNet::start(&core, listen).await?;
            anyhow::Ok((core, peers))
        }))??;
        kiosks.push((rt, core, peers));
    }
    for (n, (rt, core, _)) in kiosks.iter().enumerate() {
        let core = core.clone();
        rt.block_on(rt.spawn(async move {
            core.submit_signup(JOB, Some(SHIFT), &visitor_form("lan", n))
                .await
        }))??;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while kiosks.iter().any(|(_, core, _)| taken(core) != 3) {
        let counts: Vec<u32> = kiosks.iter().map(|(_, c, _)| taken(c)).collect();
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the kiosks count {counts:?} spots taken, not 3 each"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let found = kiosks
        .iter()
        .map(|(_, _, p)| p.discovered().len())
        .collect();
    for (rt, core, peers) in kiosks {
        rt.block_on(async move {
            peers.stop().await;
            core.shutdown().await;
        });
    }
    Ok(found)
}

/// Found by mDNS alone: no peer list, and the server's addresses are the host's, which
/// the LAN cannot reach.
#[test]
fn kiosks_on_a_lan_find_each_other_by_mdns() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let server = rt.block_on(TestServer::start(&dir.path().join("server")))?;
    let configs = enrolled(&rt, &server, dir.path())?;
    let lan = Lan::new("m", 10 + (std::process::id() % 100) as u8, 3)?;
    let found = signups_cross_the_lan(&lan, configs, vec![Vec::new(); 3]);
    rt.block_on(server.stop());
    let found = found?;
    anyhow::ensure!(found == [2, 2, 2], "mDNS found {found:?} kiosks");
    Ok(())
}

/// Multicast off on every kiosk's link, so mDNS finds nothing; the peer lists carry the
/// same signups: telt-c's configuration names telt-a, and staff typed telt-b's address on
/// telt-a's screen (either missing, a kiosk would be alone).
#[test]
fn kiosks_on_a_lan_without_multicast_use_the_peer_list() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let server = rt.block_on(TestServer::start(&dir.path().join("server")))?;
    let configs = enrolled(&rt, &server, dir.path())?;
    let lan = Lan::new("p", 120 + (std::process::id() % 100) as u8, 3)?;
    let at = |j: usize| format!("{}:7420", lan.addr(j));
    let configs = configs
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            lan.block_multicast(i)?;
            let peers = if i == 2 { vec![at(0)] } else { Vec::new() };
            anyhow::Ok(KioskConfig { peers, ..c })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let typed = vec![vec![at(1)], Vec::new(), Vec::new()];
    let found = signups_cross_the_lan(&lan, configs, typed);
    rt.block_on(server.stop());
    let found = found?;
    anyhow::ensure!(
        found == [0, 0, 0],
        "mDNS found {found:?} kiosks with multicast off"
    );
    Ok(())
}
