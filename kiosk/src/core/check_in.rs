//! Check-in at the shift, offline, at any kiosk of the site: the volunteer shows the
//! receipt's QR code or says its short code; the kiosk looks for the receipt among the
//! journals it holds (its own and its peers'), and records the check-in (or check-out) in
//! its own journal's `presence` map (`frivillig_common::presence`), since no kiosk writes
//! another's journal. The server takes those check-ins like the kiosk's own and counts the
//! hours from them.

use automerge::ReadDoc;
use frivillig_common::domain::{CheckIn, SignupRecord};
use frivillig_common::journal::read_signups;
use frivillig_common::presence::{add_presence, normalize_short_code, read_presence, short_code};
use frivillig_common::receipt::{parse_receipt_url, receipt_hash};

use super::{KioskCore, SubmitError, rfc3339};

/// Why a check-in was not recorded, in words staff and the volunteer can act on.
#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    /// No journal the kiosk holds has that receipt.
    #[error(
        "Koden findes ikke på denne kiosk – tjek den, eller find navnet på listen / No signup with that code here: check it, or look for the name on the list"
    )]
    Unknown,
    /// The camera saw no QR code.
    #[error(
        "Ingen QR-kode fundet – hold kvitteringen roligt foran kameraet / No QR code found: hold the receipt still in front of the camera"
    )]
    NoCode,
    /// A check-out of someone not checked in.
    #[error("Du er ikke tjekket ind endnu / You have not checked in yet")]
    NotCheckedIn,
    /// The write failed; nothing was recorded.
    #[error(transparent)]
    Write(#[from] SubmitError),
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The signup.
    pub signup_id: String,
    /// Its job.
    pub opportunity_id: String,
    /// Its shift, if any.
    pub shift_id: Option<String>,
    /// Recorded now (`false`: it was already so, and nothing was written).
    pub recorded: bool,
    /// Checked in after this (`false`: checked out).
    pub checked_in: bool,
}

/// Every check-in of a signup the kiosk can see: in its record and in the `presence` maps
/// of every journal held.
fn check_ins_of(record: &SignupRecord, presence: &[(String, CheckIn)]) -> Vec<CheckIn> {
    let mut all = record.check_ins.clone();
    for (id, c) in presence {
        if *id == record.id && !all.contains(c) {
            all.push(c.clone());
        }
    }
    all
}

/// Whether the latest of `check_ins` is a check-in (not a check-out).
fn is_in(check_ins: &[CheckIn]) -> bool {
    check_ins
        .iter()
        .max_by(|a, b| a.at.cmp(&b.at))
        .is_some_and(|c| !c.out)
}

impl KioskCore {
    /// Check in (`out == false`) or out the volunteer whose receipt short code is `code`.
    pub async fn check_in_by_code(&self, code: &str, out: bool) -> Result<Presence, CheckInError> {
        let code = normalize_short_code(code);
        self.check_in_where(move |r| short_code(&r.receipt_hash) == code, out)
            .await
    }

    /// Check in or out the volunteer whose receipt link (the QR code's text) is `url`.
    pub async fn check_in_by_receipt(
        &self,
        url: &str,
        out: bool,
    ) -> Result<Presence, CheckInError> {
        let (id, token) = parse_receipt_url(url).ok_or(CheckInError::Unknown)?;
        let hash = receipt_hash(&token);
        self.check_in_where(move |r| r.id == id && r.receipt_hash == hash, out)
            .await
    }

    async fn check_in_where(
        &self,
        matches: impl Fn(&SignupRecord) -> bool,
        out: bool,
    ) -> Result<Presence, CheckInError> {
        let (records, presence) = self.everything_held().await;
        let record = records
            .into_iter()
            .find(|r| matches(r))
            .ok_or(CheckInError::Unknown)?;
        let seen = check_ins_of(&record, &presence);
        let was_in = is_in(&seen);
        let answer = |recorded, checked_in| Presence {
            signup_id: record.id.clone(),
            opportunity_id: record.opportunity_id.clone(),
            shift_id: record.shift_id.clone(),
            recorded,
            checked_in,
        };
        match (out, was_in) {
            // A second check-in, or a second check-out, changes nothing.
            (false, true) => return Ok(answer(false, true)),
            (true, false) if seen.is_empty() => {
                return Err(CheckInError::NotCheckedIn);
            }
            (true, false) => return Ok(answer(false, false)),
            _ => {}
        }
        let entry = CheckIn {
            at: rfc3339(self.now()),
            by: self.inner.config.kiosk_id.clone(),
            out,
        };
        let id = record.id.clone();
        self.write_current(move |doc| add_presence(doc, &id, &entry))
            .await?;
        self.refresh_queue().await;
        self.refresh_board().await;
        self.inner.wake.notify_one();
        Ok(answer(true, !out))
    }

    /// The records and the check-ins of every journal the kiosk holds, its own (from its
    /// own replicas) and its peers' (from samod's).
    pub(crate) async fn everything_held(&self) -> (Vec<SignupRecord>, Vec<(String, CheckIn)>) {
        let mut records = Vec::new();
        let mut presence = Vec::new();
        {
            let journals = self.inner.journals.lock().await;
            for j in journals.values() {
                if let Ok(doc) = j.local.lock() {
                    take_into(&*doc, &mut records, &mut presence);
                }
            }
        }
        let held = self.inner.held.lock().await;
        for h in held.values() {
            h.handle
                .with_document(|d| take_into(&*d, &mut records, &mut presence));
        }
        (records, presence)
    }
}

/// Add the records and check-ins of journal `doc` to `records` and `presence`.
fn take_into<R: ReadDoc>(
    doc: &R,
    records: &mut Vec<SignupRecord>,
    presence: &mut Vec<(String, CheckIn)>,
) {
    if let Ok((r, _)) = read_signups(doc) {
        records.extend(r);
    }
    presence.extend(read_presence(doc));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(at: &str, out: bool) -> CheckIn {
        CheckIn {
            at: at.into(),
            by: "telt-1".into(),
            out,
        }
    }

    /// The latest entry decides, wherever it was recorded.
    #[test]
    fn the_latest_check_in_or_out_decides() {
        assert!(!is_in(&[]));
        assert!(is_in(&[c("2026-12-04T17:00:00+01:00", false)]));
        assert!(!is_in(&[
            c("2026-12-04T20:00:00+01:00", true),
            c("2026-12-04T17:00:00+01:00", false)
        ]));
    }
}
