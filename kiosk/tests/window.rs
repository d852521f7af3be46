//! Smoke test of the real kiosk binary in a real window: an X server (Xvfb) with a window
//! manager (openbox, which honours full-screen requests), a real sync server on port 0, and
//! `frivillig-kiosk --kiosk` enrolled to it. A screenshot of the whole screen must show the
//! start screen filling it: the blue top bar from edge to edge, and text drawn on white.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use frivillig_common::api::{EnrolRequest, EnrolResponse};
use frivillig_kiosk::KioskConfig;
use frivillig_sync_server::{Server, ServerConfig, run};

const WIDTH: usize = 1080;
const HEIGHT: usize = 1920;

/// Kills a child process when dropped, so a failing test leaves no X server behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &mut Command) -> Reaped {
    let program = format!("{:?}", cmd.get_program());
    Reaped(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} could not start ({e}); .ci/run installs it")),
    )
}

/// Start Xvfb on the first free display number.
fn start_x() -> (Reaped, String) {
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let x = spawn(Command::new("Xvfb").args([
            &display,
            "-screen",
            "0",
            &format!("{WIDTH}x{HEIGHT}x24"),
            "-nolisten",
            "tcp",
        ]));
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if socket.exists() {
                return (x, display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("no X server could be started");
}

/// A screenshot of the root window as RGB rows, read from `xwd`'s output (ZPixmap, 24 or
/// 32 bits per pixel, the layout Xvfb uses).
fn screenshot(display: &str) -> Option<(usize, usize, Vec<[u8; 3]>)> {
    let out = Command::new("xwd")
        .args(["-root", "-silent", "-display", display])
        .output()
        .ok()?;
    let b = out.stdout;
    let word = |i: usize| -> Option<usize> {
        let s = b.get(i * 4..i * 4 + 4)?;
        Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    let header = word(0)?;
    let (w, h) = (word(4)?, word(5)?);
    let byte_order_lsb = word(7)? == 0;
    let bpp = word(11)?;
    let line = word(12)?;
    let ncolors = word(19)?;
    let data = b.get(header + ncolors * 12..)?;
    let step = bpp / 8;
    if step < 3 || data.len() < line * h {
        return None;
    }
    let mut px = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let p = &data[y * line + x * step..y * line + x * step + step];
            px.push(if byte_order_lsb {
                [p[2], p[1], p[0]]
            } else {
                [p[step - 3], p[step - 2], p[step - 1]]
            });
        }
    }
    Some((w, h, px))
}

fn is_blue(p: [u8; 3]) -> bool {
    // The top bar's municipal blue, 0x004B87, allowing for dithering.
    p[0] < 30 && (60..=90).contains(&p[1]) && (120..=150).contains(&p[2])
}

#[test]
fn the_kiosk_binary_fills_a_real_screen_with_its_start_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (url, config_path) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = Server::open(ServerConfig {
            listen: addr,
            data_dir: dir.path().join("server"),
            public_url: format!("http://{addr}"),
            ..ServerConfig::default()
        })
        .await
        .expect("server");
        let token = server.new_admin_token.clone().expect("admin token");
        tokio::spawn(run(listener, server.state, std::future::pending::<()>()));
        let url = format!("http://{addr}");
        let e: EnrolResponse = reqwest::Client::new()
            .post(format!("{url}/api/admin/kiosks"))
            .bearer_auth(&token)
            .json(&EnrolRequest {
                kiosk_id: "smoke-1".into(),
                site_id: "bibliotek".into(),
                bench: false,
            })
            .send()
            .await
            .expect("enrol")
            .json()
            .await
            .expect("enrol answer");
        let config = KioskConfig::from_enrolment(&url, e, "bibliotek", dir.path().join("kiosk"));
        let path = dir.path().join("kiosk.toml");
        config.save(&path).expect("config");
        (url, path)
    });

    let (_x, display) = start_x();
    let _wm = spawn(Command::new("openbox").env("DISPLAY", &display));
    let _kiosk = spawn(
        Command::new(env!("CARGO_BIN_EXE_frivillig-kiosk"))
            .args(["--kiosk", "--config"])
            .arg(&config_path)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY"),
    );

    // Wait for the event: a frame whose top bar spans the screen and whose start screen
    // has been drawn (many distinct colours from anti-aliased text), or give up.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut last = String::from("no screenshot");
    while Instant::now() < deadline {
        if let Some((w, h, px)) = screenshot(&display) {
            assert_eq!((w, h), (WIDTH, HEIGHT));
            // Row 3 lies above the bar's buttons.
            let bar = (0..w).filter(|&x| is_blue(px[3 * w + x])).count();
            let mut colours: Vec<[u8; 3]> = px.iter().step_by(7).copied().collect();
            colours.sort_unstable();
            colours.dedup();
            let white = px.iter().filter(|p| **p == [255, 255, 255]).count();
            if bar > w * 95 / 100 && colours.len() > 40 && white > w * h / 3 {
                save_png(dir.path(), w, h, &px);
                return;
            }
            save_png(dir.path(), w, h, &px);
            last = format!(
                "{bar} of {w} bar pixels blue, {} colours, {white} white pixels",
                colours.len()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("the kiosk never filled the screen ({last}); server {url}");
}

/// Keep the screenshot for a human to look at when run by hand.
fn save_png(dir: &Path, w: usize, h: usize, px: &[[u8; 3]]) {
    let raw: Vec<u8> = px.iter().flatten().copied().collect();
    if let Some(img) = image::RgbImage::from_raw(w as u32, h as u32, raw) {
        let target = std::env::var_os("FRIVILLIG_SCREENSHOT").map(PathBuf::from);
        let _ = img.save(target.unwrap_or_else(|| dir.join("screen.png")));
    }
}
