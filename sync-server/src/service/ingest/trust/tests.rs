use chrono::TimeZone as _;
use frivillig_common::catalog::demo_catalog;
use frivillig_common::domain::{CheckIn, Note, Source, Status, StatusChange};

use super::*;

fn kiosk() -> KioskId {
    KioskId::parse("kiosk-1").expect("an id")
}

fn ctx<'a>(kiosk: &'a KioskId, catalog: &'a Catalog) -> KioskContext<'a> {
    KioskContext {
        kiosk,
        catalog,
        now: Utc
            .with_ymd_and_hms(2026, 12, 2, 12, 0, 0)
            .single()
            .expect("a time"),
    }
}

/// A record as the kiosk writes it for the library's reading job, which has no shifts.
fn good() -> SignupRecord {
    SignupRecord {
        id: "abc123".into(),
        opportunity_id: "hojtlaesning".into(),
        shift_id: None,
        site_id: "bibliotek".into(),
        source: Source::Kiosk("kiosk-1".into()),
        created_at: "2026-12-02T10:00:00+01:00".into(),
        consent_version: 1,
        consent_at: "2026-12-02T10:00:00+01:00".into(),
        receipt_hash: "ab".repeat(32),
        sealed: "c2VhbGVk".into(),
        status: Status::New,
        status_history: vec![],
        check_ins: vec![],
        notes: vec![],
        assignee: None,
    }
}

fn person(name: &str) -> PersonalData {
    PersonalData {
        name: name.into(),
        phone: Some("12345678".into()),
        email: None,
        age_confirmed: true,
        note: None,
        lang: None,
        receipt_token: None,
    }
}

fn check(
    r: &SignupRecord,
    p: Option<&PersonalData>,
    old: Option<&SignupRecord>,
) -> Result<(), Refusal> {
    let (k, c) = (kiosk(), demo_catalog());
    check_kiosk_record(&ctx(&k, &c), r, p, old)
}

#[test]
fn a_kiosks_own_record_passes_also_for_a_job_elsewhere() {
    assert_eq!(check(&good(), Some(&person("Anna")), None), Ok(()));
    // The library's kiosk shows the nursing home's jobs too.
    let elsewhere = SignupRecord {
        opportunity_id: "gaatur".into(),
        shift_id: Some("gaatur-lor".into()),
        site_id: "plejecenter".into(),
        ..good()
    };
    assert_eq!(check(&elsewhere, Some(&person("Anna")), None), Ok(()));
}

#[test]
fn each_forgery_is_refused_with_its_reason() {
    let cases: Vec<(&str, SignupRecord, Refusal)> = vec![
        (
            "a site other than the job's",
            SignupRecord {
                site_id: "plejecenter".into(),
                ..good()
            },
            Refusal::ForeignSite,
        ),
        (
            "an unknown job",
            SignupRecord {
                opportunity_id: "nope".into(),
                ..good()
            },
            Refusal::UnknownJob,
        ),
        (
            "an unknown shift",
            SignupRecord {
                shift_id: Some("nope".into()),
                ..good()
            },
            Refusal::UnknownShift,
        ),
        (
            "no shift where the job has shifts",
            SignupRecord {
                opportunity_id: "lektiecafe".into(),
                ..good()
            },
            Refusal::UnknownShift,
        ),
        (
            "an unknown consent",
            SignupRecord {
                consent_version: 99,
                ..good()
            },
            Refusal::UnknownConsent,
        ),
        (
            "a year ago",
            SignupRecord {
                created_at: "2025-12-02T10:00:00+01:00".into(),
                ..good()
            },
            Refusal::ImplausibleTime,
        ),
        (
            "next week",
            SignupRecord {
                created_at: "2026-12-09T10:00:00+01:00".into(),
                ..good()
            },
            Refusal::ImplausibleTime,
        ),
        (
            "no time",
            SignupRecord {
                created_at: "i går".into(),
                ..good()
            },
            Refusal::ImplausibleTime,
        ),
        (
            "a huge envelope",
            SignupRecord {
                sealed: "A".repeat(MAX_SEALED_BYTES + 1),
                ..good()
            },
            Refusal::Malformed,
        ),
        (
            "a bad id",
            SignupRecord {
                id: "../x".into(),
                ..good()
            },
            Refusal::Malformed,
        ),
        (
            "a bad receipt hash",
            SignupRecord {
                receipt_hash: "x".into(),
                ..good()
            },
            Refusal::Malformed,
        ),
        (
            "a status",
            SignupRecord {
                status: Status::Active,
                ..good()
            },
            Refusal::CoordinatorField,
        ),
        (
            "a history",
            SignupRecord {
                status_history: vec![StatusChange {
                    status: Status::New,
                    at: "2026-12-02T10:00:00Z".into(),
                    by: "admin".into(),
                }],
                ..good()
            },
            Refusal::CoordinatorField,
        ),
        (
            "a note",
            SignupRecord {
                notes: vec![Note {
                    at: "2026-12-02T10:00:00Z".into(),
                    by: "admin".into(),
                    text: "ok".into(),
                }],
                ..good()
            },
            Refusal::CoordinatorField,
        ),
        (
            "an assignee",
            SignupRecord {
                assignee: Some("admin".into()),
                ..good()
            },
            Refusal::CoordinatorField,
        ),
        (
            "a check-in by another",
            SignupRecord {
                check_ins: vec![CheckIn {
                    at: "2026-12-02T10:00:00Z".into(),
                    by: "admin".into(),
                    out: false,
                }],
                ..good()
            },
            Refusal::CoordinatorField,
        ),
    ];
    for (what, record, reason) in cases {
        assert_eq!(check(&record, None, None), Err(reason), "{what}");
    }
}

#[test]
fn a_kiosk_may_record_its_own_check_in() {
    let r = SignupRecord {
        check_ins: vec![CheckIn {
            at: "2026-12-02T11:00:00+01:00".into(),
            by: "kiosk-1".into(),
            out: false,
        }],
        ..good()
    };
    assert_eq!(check(&r, None, None), Ok(()));
}

#[test]
fn personal_data_that_the_form_would_refuse_is_refused() {
    for p in [
        person(&"A".repeat(101)),
        person(""),
        person("Anna 010101-1234"),
        PersonalData {
            phone: None,
            ..person("Anna")
        },
    ] {
        assert_eq!(
            check(&good(), Some(&p), None),
            Err(Refusal::InvalidPerson),
            "{p:?}"
        );
    }
}

#[test]
fn an_update_keeps_what_was_fixed_and_only_the_servers_entries() {
    let change = StatusChange {
        status: Status::Contacted,
        at: "2026-12-02T11:00:00Z".into(),
        by: "admin".into(),
    };
    let stored = SignupRecord {
        status: Status::Contacted,
        status_history: vec![change.clone()],
        ..good()
    };
    // The journal as the server wrote into it: accepted.
    assert_eq!(check(&stored, None, Some(&stored)), Ok(()));
    // As the kiosk wrote it before the server's change arrived: accepted.
    assert_eq!(check(&good(), None, Some(&stored)), Ok(()));
    let moved = SignupRecord {
        shift_id: Some("x".into()),
        ..stored.clone()
    };
    assert_eq!(
        check(&moved, None, Some(&stored)),
        Err(Refusal::ChangedAfterSignup)
    );
    let resealed = SignupRecord {
        sealed: "b3RoZXI=".into(),
        ..stored.clone()
    };
    assert_eq!(
        check(&resealed, None, Some(&stored)),
        Err(Refusal::ChangedAfterSignup)
    );
    let forged = SignupRecord {
        status: Status::Active,
        status_history: vec![
            change,
            StatusChange {
                status: Status::Active,
                at: "2026-12-02T12:00:00Z".into(),
                by: "admin".into(),
            },
        ],
        ..stored.clone()
    };
    assert_eq!(
        check(&forged, None, Some(&stored)),
        Err(Refusal::CoordinatorField)
    );
}

#[test]
fn a_journal_day_must_be_near_the_servers_today() {
    let now = Utc
        .with_ymd_and_hms(2026, 12, 2, 12, 0, 0)
        .single()
        .expect("a time");
    assert!(plausible_day("2026-12-02", now));
    assert!(plausible_day("2026-12-03", now));
    assert!(plausible_day("2026-11-01", now));
    assert!(!plausible_day("2026-12-05", now));
    assert!(!plausible_day("2025-12-02", now));
    assert!(!plausible_day("2026-13-01", now));
    assert!(!plausible_day("i dag", now));
}
