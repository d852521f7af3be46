//! The fuzz targets (`frivillig_tests::fuzz`, run by `cargo fuzz` from `tests/fuzz/`) over
//! their committed corpus, the inputs that once failed them (`tests/fuzz/regressions/`), and
//! valid inputs made here from the real encoders, so every `cargo test` replays what the
//! fuzzer found and what it started from. Set
//! `FRIVILLIG_WRITE_SEEDS=1` to write the valid inputs into the corpus as seeds.

use std::path::PathBuf;

use frivillig_common::catalog::demo_catalog;
use frivillig_common::domain::{PersonalData, SignupRecord, Source};
use frivillig_common::journal::{JournalHeader, add_signup, new_journal_doc};
use frivillig_tests::fuzz::{TARGETS, harness};

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// Inputs that once made a target fail, kept apart from the corpus (which `cargo fuzz
/// cmin` rewrites).
fn regressions_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target)
}

/// The committed corpus and regressions of a target.
fn corpus(target: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for dir in [corpus_dir(target), regressions_dir(target)] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries {
                out.push(std::fs::read(e?.path())?);
            }
        }
    }
    Ok(out)
}

/// Valid inputs for each target, made with the real encoders.
fn seeds(target: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let header = JournalHeader {
        owner: "kiosk:fuzz".into(),
        day: "2026-11-27".into(),
    };
    let catalog = demo_catalog();
    let opportunity = &catalog.opportunities[0];
    let person = PersonalData {
        name: "Søren Æbelø".into(),
        phone: Some("20304050".into()),
        email: Some("soeren@example.dk".into()),
        age_confirmed: true,
        note: None,
        lang: None,
        receipt_token: None,
    };
    let sealed =
        frivillig_common::seal::seal_personal_data(&harness().sealing_public_key(), &person)?;
    let record = SignupRecord::new_signup(
        opportunity,
        opportunity.shifts.first().map(|s| s.id.as_str()),
        Source::Kiosk("fuzz".into()),
        "2026-11-27T10:00:00Z".into(),
        1,
        "ab".repeat(32),
        sealed.clone(),
    );
    let mut journal = new_journal_doc(&header)?;
    add_signup(&mut journal, &record)?;
    Ok(match target {
        "saved_document" => vec![journal.save(), journal.save_after(&[])],
        "sync_message" => {
            use automerge::sync::SyncDoc as _;
            let mut state = automerge::sync::State::new();
            let mut out = Vec::new();
            while let Some(m) = journal.generate_sync_message(&mut state) {
                out.push(m.encode());
                if out.len() > 3 {
                    break;
                }
            }
            out
        }
        "sync_session" => {
            // A plain session, and the other targets' corpus as hostile sessions: each sync
            // message asking for the catalog, each saved document as changes to the
            // kiosk's own journal (automerge's known failures among them).
            let mut out = vec![frivillig_tests::fuzz::session_seed()];
            for bytes in corpus("sync_message")? {
                out.push(frivillig_tests::fuzz::session_asking_for_catalog(&bytes));
            }
            for mut bytes in corpus("saved_document")? {
                frivillig_tests::fuzz::fix_checksums(&mut bytes);
                let message = automerge::sync::Message {
                    heads: vec![],
                    need: vec![],
                    have: vec![],
                    changes: automerge::sync::ChunkList::from(vec![bytes]),
                    flags: None,
                    version: automerge::sync::MessageVersion::V1,
                };
                out.push(frivillig_tests::fuzz::session_syncing_journal(
                    &message.encode(),
                ));
            }
            out
        }
        "sealed_envelope" => {
            // The web form's sealed box and a kiosk's run of two (version 3, which names
            // a run whose key only its journal holds).
            let sealer = frivillig_common::seal::Sealer::new(&harness().sealing_public_key());
            // Then plaintexts as a kiosk's box holds them: flags (age, phone, e-mail),
            // then each field's length and text; the last with a note and a length that
            // runs past the end.
            vec![
                sealed.into_bytes(),
                sealer.seal(&person)?.envelope.into_bytes(),
                sealer.seal(&person)?.envelope.into_bytes(),
                b"\x07\x05Lotte\x0820304050\x0dl@glostrup.dk".to_vec(),
                b"\x0f\x03Bo\x08\x0820304050\x01x\x40kort".to_vec(),
            ]
        }
        "qr_payload" => vec![
            frivillig_common::receipt::receipt_url("http://fuzz.invalid", &record.id, "tok")
                .into_bytes(),
            b"ABCD-EFGH-JKMN".to_vec(),
        ],
        "config_file" => vec![
            frivillig_sync_server::ServerConfig::default()
                .documented_toml()
                .into_bytes(),
            frivillig_common::catalog_file::catalog_to_toml(&catalog)?.into_bytes(),
        ],
        "form_body" => vec![
            b"\x00csrf=CSRF&lang=da&name=Fuzz&phone=20304050&email=&age=on&consent=on".to_vec(),
            b"\x01csrf=CSRF&username=admin&password=x".to_vec(),
            b"\x02csrf=CSRF&status=contacted".to_vec(),
            b"\x03csrf=CSRF&text=Ringet+op".to_vec(),
            b"\x04csrf=CSRF&toml=x".to_vec(),
        ],
        other => anyhow::bail!("no seeds for {other}"),
    })
}

#[test]
fn every_fuzz_target_survives_its_corpus_and_valid_inputs() -> anyhow::Result<()> {
    let write = std::env::var_os("FRIVILLIG_WRITE_SEEDS").is_some();
    let mut total = 0;
    for (name, target) in TARGETS {
        let mut inputs = seeds(name)?;
        if write {
            let dir = corpus_dir(name);
            std::fs::create_dir_all(&dir)?;
            for (i, s) in inputs.iter().enumerate() {
                std::fs::write(dir.join(format!("seed-{i}")), s)?;
            }
        }
        inputs.extend(corpus(name)?);
        anyhow::ensure!(!inputs.is_empty(), "no inputs for {name}");
        for input in &inputs {
            target(input);
        }
        println!("fuzz target {name}: {} inputs replayed", inputs.len());
        total += inputs.len();
    }
    // The valid inputs get past the doors, or the fuzzer would start outside them.
    anyhow::ensure!(
        harness().has_signup(),
        "the harness's web signup was refused"
    );
    anyhow::ensure!(
        harness().handshakes() > 0,
        "the seed session's handshake did not complete"
    );
    println!("fuzz corpus replay: {total} inputs, 0 panics");
    Ok(())
}
