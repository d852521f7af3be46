//! Staff mode's nearby kiosks on the kiosk's own screen: an address typed key by key is
//! checked, kept in the store across a restart, and taken off again.

use std::sync::Arc;
use std::time::Duration;

use crate::ui::{
    PORTRAIT, Setup, click, controls_are_labelled_and_large, enter_staff_mode, type_on_screen,
};
use crate::ui_check_in::wait_for;

/// Where multicast is blocked, staff type another kiosk's address: a malformed one is
/// refused in words, a good one is added and listed, and removed with its button.
#[test]
fn staff_type_a_peers_address_and_remove_it_again() {
    let setup = Setup::new(false);
    let mut h = setup.harness(PORTRAIT);
    enter_staff_mode(&mut h);
    click(&mut h, "Kiosker i nærheden");
    wait_for(&mut h, "Denne kiosks adresse: ingen");
    controls_are_labelled_and_large(&h, "nearby kiosks");
    type_on_screen(&mut h, "telt2");
    click(&mut h, "Tilføj");
    wait_for(&mut h, "Skriv adressen som vært:port");
    for _ in 0..5 {
        click(&mut h, "Slet");
    }
    type_on_screen(&mut h, "10.0.0.9:7420");
    click(&mut h, "Tilføj");
    wait_for(&mut h, "Tilføjet: 10.0.0.9:7420");
    assert_eq!(setup.core.typed_peers(), ["10.0.0.9:7420"]);
    click(&mut h, "Fjern 10.0.0.9:7420");
    wait_for(&mut h, "Fjernet: 10.0.0.9:7420");
    assert!(setup.core.typed_peers().is_empty());
    drop(h);
    setup.stop();
}

/// The list is in the kiosk's store: a restarted kiosk dials the same addresses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staffs_peer_list_survives_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = frivillig_tests::TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("telt-a", "kulturnat").await?;
    let config =
        frivillig_tests::kiosk_config(&server.url(), &enrol, "kulturnat", &dir.path().join("a"));
    let clock = Arc::new(frivillig_kiosk::SystemClock);
    let core = frivillig_tests::open_kiosk(config.clone(), clock.clone()).await?;
    core.add_typed_peer(" 10.0.0.9:7420 ")?;
    core.add_typed_peer("10.0.0.9:7420")?;
    core.add_typed_peer("telt-b.local:7420")?;
    anyhow::ensure!(core.add_typed_peer("10.0.0.9").is_err(), "no port");
    core.shutdown().await;
    drop(core);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let again = frivillig_tests::open_kiosk(config, clock).await?;
    anyhow::ensure!(
        again.typed_peers() == ["10.0.0.9:7420", "telt-b.local:7420"],
        "after a restart: {:?}",
        again.typed_peers()
    );
    again.shutdown().await;
    server.stop().await;
    Ok(())
}

/// Kiosk A's nearby-kiosks screen shows its address as a QR code; held up to kiosk B's
/// camera (the rendered screen fed as frames), it puts A's address on B's list. A camera
/// that shows nothing adds nothing, and says so.
#[test]
fn a_kiosks_address_is_scanned_off_the_others_screen() {
    use frivillig_kiosk::camera::{FedFrames, Frame};
    let setup = Setup::new(false);
    let listen: std::net::SocketAddr = "127.0.0.1:0".parse().expect("an address");
    let net = setup
        .rt
        .block_on(frivillig_kiosk::PeerNet::start(&setup.core, listen))
        .expect("festival mode");
    let address = setup.core.advertised().first().cloned().expect("listening");
    let mut h = setup.harness(PORTRAIT);
    enter_staff_mode(&mut h);
    click(&mut h, "Kiosker i nærheden");
    wait_for(&mut h, &format!("Denne kiosks adresse: {address}"));
    let image = h.render().expect("render the screen");
    drop(h);

    let server = setup.server.as_ref().expect("the server");
    let b = setup.rt.block_on(async {
        let enrol = server.enrol("telt-b", "bibliotek").await.expect("enrol");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = frivillig_tests::kiosk_config(&server.url(), &enrol, "bibliotek", dir.path());
        let core = frivillig_tests::open_kiosk(config, Arc::new(frivillig_kiosk::SystemClock))
            .await
            .expect("kiosk b");
        (core, dir)
    });
    let (b, _b_dir) = b;
    let nothing = b.add_peer_from_camera(&mut FedFrames::default(), 10);
    assert!(
        matches!(nothing, Err(frivillig_kiosk::core::PeerListError::NoCode)),
        "{nothing:?}"
    );
    let mut camera = FedFrames(vec![Frame::from_rgba(&image)].into());
    let added = b.add_peer_from_camera(&mut camera, 1).expect("scanned");
    assert_eq!(added, address);
    assert_eq!(b.typed_peers(), [address]);
    setup.rt.block_on(async {
        b.shutdown().await;
        net.stop().await;
    });
    setup.stop();
}
