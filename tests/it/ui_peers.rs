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
