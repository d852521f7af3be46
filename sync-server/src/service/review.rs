//! The coordinators' review queues: possible duplicates (one person signing up at several
//! kiosks, or at a kiosk and on the web) and overbooked shifts (offline kiosks that
//! together took more than the capacity).
//!
//! Both are computed from the in-memory list when the page is asked for, so they are never
//! stale. Duplicates are suggestions: the same e-mail address or phone number (its last
//! eight digits) together with a similar name. A coordinator links a pair (the same person)
//! or dismisses it; the decision is stored and can be undone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{SecondsFormat, Utc};

use frivillig_common::domain::{Catalog, Status};

use crate::store::listing::ListRow;
use crate::store::schema::DUPLICATES;
use crate::store::{Store, StoreError};

pub use crate::store::PairDecision;

/// The key of a pair, the same whichever order the ids come in.
pub fn pair_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}|{b}")
    } else {
        format!("{b}|{a}")
    }
}

/// Names are compared on at most this many characters (the form allows 100): the distance
/// costs the product of the lengths.
const NAME_CHARS: usize = 100;

/// People sharing one address or number are compared pairwise up to this many; beyond it
/// (a club's shared mailbox, a flood) the rest of the bucket is left out, so one bucket
/// costs at most 1,225 comparisons.
pub const MAX_BUCKET: usize = 50;

/// Levenshtein distance between two short strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().take(NAME_CHARS).collect();
    let a: String = a.chars().take(NAME_CHARS).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn normalise(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two names could be one person's: equal once case and spacing are ignored, a few
/// typos apart (at most one per five letters), or the same first and last name with a
/// middle name more or less ("Anne Marie Hansen" and "Anne Hansen").
pub fn similar_names(a: &str, b: &str) -> bool {
    let (a, b) = (normalise(a), normalise(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let longest = a.chars().count().max(b.chars().count());
    if distance(&a, &b) <= (longest / 5).max(1) {
        return true;
    }
    let ends = |s: &str| {
        let words: Vec<&str> = s.split(' ').collect();
        (
            words.first().map(|w| w.to_string()),
            words.last().map(|w| w.to_string()),
        )
    };
    a.contains(' ') && b.contains(' ') && ends(&a) == ends(&b)
}

fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 8).then(|| digits[digits.len() - 8..].to_owned())
}

/// Suggested pairs among `rows`: the same e-mail or phone and a similar name. Each pair once,
/// as (lower id, higher id), in order.
pub fn duplicate_pairs(rows: &[&ListRow]) -> Vec<(String, String)> {
    let mut buckets: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.name.is_empty() {
            continue;
        }
        if !r.email.trim().is_empty() {
            buckets
                .entry(format!("e:{}", r.email.trim().to_lowercase()))
                .or_default()
                .push(i);
        }
        if let Some(p) = phone_key(&r.phone) {
            buckets.entry(format!("p:{p}")).or_default().push(i);
        }
    }
    let mut pairs = BTreeSet::new();
    for members in buckets.values().filter(|m| m.len() > 1) {
        let members = &members[..members.len().min(MAX_BUCKET)];
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                let (a, b) = (rows[i], rows[j]);
                if a.id != b.id && similar_names(&a.name, &b.name) {
                    let (x, y) = if a.id < b.id { (a, b) } else { (b, a) };
                    pairs.insert((x.id.clone(), y.id.clone()));
                }
            }
        }
    }
    pairs.into_iter().collect()
}

/// A shift holding more signups than its capacity.
#[derive(Debug, Clone)]
pub struct Overbooked {
    /// The job.
    pub opportunity_id: String,
    /// The shift.
    pub shift_id: String,
    /// Its start and end.
    pub starts: String,
    /// Its end.
    pub ends: String,
    /// Its capacity.
    pub capacity: u32,
    /// Signups holding a spot, earliest first.
    pub holders: Vec<ListRow>,
}

impl Overbooked {
    /// The latest signups beyond the capacity: the ones to suggest for the waiting list.
    pub fn suggested(&self) -> &[ListRow] {
        &self.holders[(self.capacity as usize).min(self.holders.len())..]
    }
}

/// Shifts whose signups holding a spot (neither declined, withdrawn nor waitlisted) exceed
/// their capacity; holders ordered by when they signed up (kiosk time).
pub fn overbooked(catalog: &Catalog, rows: &[&ListRow]) -> Vec<Overbooked> {
    let mut per_shift: BTreeMap<&str, Vec<&ListRow>> = BTreeMap::new();
    for r in rows {
        let holds = !matches!(
            Status::parse(&r.status),
            Some(Status::Declined | Status::Withdrawn | Status::Waitlisted)
        );
        if let (Some(shift), true) = (r.shift_id.as_deref(), holds) {
            per_shift.entry(shift).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    for o in &catalog.opportunities {
        for s in &o.shifts {
            let Some(holders) = per_shift.get(s.id.as_str()) else {
                continue;
            };
            if holders.len() > s.capacity as usize {
                let mut holders: Vec<ListRow> = holders.iter().map(|r| (*r).clone()).collect();
                holders.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
                out.push(Overbooked {
                    opportunity_id: o.id.clone(),
                    shift_id: s.id.clone(),
                    starts: s.starts.clone(),
                    ends: s.ends.clone(),
                    capacity: s.capacity,
                    holders,
                });
            }
        }
    }
    out
}

/// Why a signup came too late for its shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Late {
    /// Taken after the shift had started by the clock of the kiosk that took it (an old
    /// kiosk, or one whose clock is behind and then was put right).
    TakenAfterStart,
    /// Received after the shift had ended: whoever ran the shift never saw it (a kiosk that
    /// was offline, or whose clock said the shift was still ahead).
    ArrivedAfterEnd,
}

/// A new signup for a shift that had started when it was taken, or had ended when it
/// arrived. It is kept like any other: the coordinator decides what to do with it.
#[derive(Debug, Clone)]
pub struct LateSignup {
    /// The signup.
    pub row: ListRow,
    /// The shift's start.
    pub starts: String,
    /// The shift's end.
    pub ends: String,
    /// Why it is late.
    pub why: Late,
}

/// Whether a signup taken at `created_at` and received at `received_at` is late for a
/// shift from `starts` to `ends`. Times that cannot be read are not judged.
pub fn late(created_at: &str, received_at: &str, starts: &str, ends: &str) -> Option<Late> {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    let (starts, ends) = (t(starts)?, t(ends)?);
    if t(created_at).is_some_and(|c| c >= starts) {
        Some(Late::TakenAfterStart)
    } else if t(received_at).is_some_and(|r| r >= ends) {
        Some(Late::ArrivedAfterEnd)
    } else {
        None
    }
}

/// The new signups (not yet handled) that came too late for their shift, earliest first.
pub fn late_signups(catalog: &Catalog, rows: &[&ListRow]) -> Vec<LateSignup> {
    let shifts: HashMap<&str, (&str, &str)> = catalog
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .map(|s| (s.id.as_str(), (s.starts.as_str(), s.ends.as_str())))
        .collect();
    let mut out: Vec<LateSignup> = rows
        .iter()
        .filter(|r| Status::parse(&r.status) == Some(Status::New))
        .filter_map(|r| {
            let (starts, ends) = *shifts.get(r.shift_id.as_deref()?)?;
            let why = late(&r.created_at, &r.received_at, starts, ends)?;
            Some(LateSignup {
                row: (*r).clone(),
                starts: starts.to_owned(),
                ends: ends.to_owned(),
                why,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.row.created_at, &a.row.id).cmp(&(&b.row.created_at, &b.row.id)));
    out
}

impl Store {
    /// Every decision on a suggested pair, by pair key.
    pub fn pair_decisions(&self) -> Result<BTreeMap<String, PairDecision>, StoreError> {
        let tx = self.read()?;
        let t = DUPLICATES.read(&tx)?;
        let mut out = BTreeMap::new();
        for item in t.iter()? {
            let (k, row) = item?;
            out.insert(k.value().to_owned(), row);
        }
        Ok(out)
    }

    /// Record a decision on a pair (`None`: undo it, so it is suggested again).
    pub fn decide_pair(
        &self,
        a: &str,
        b: &str,
        decision: Option<&str>,
        by: &str,
    ) -> Result<(), StoreError> {
        let key = pair_key(a, b);
        let tx = self.write()?;
        {
            let mut t = DUPLICATES.open(&tx)?;
            match decision {
                Some(d) => {
                    let row = PairDecision {
                        decision: d.to_owned(),
                        by: by.to_owned(),
                        at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
                    };
                    t.insert(key.as_str(), &row)?;
                }
                None => {
                    t.remove(key.as_str())?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signup_is_late_when_taken_after_the_start_or_received_after_the_end() {
        let (starts, ends) = ("2026-12-01T15:00:00+01:00", "2026-12-01T17:00:00+01:00");
        let l = |c, r| late(c, r, starts, ends);
        assert_eq!(l("2026-12-01T13:00:00Z", "2026-12-01T13:01:00Z"), None);
        assert_eq!(
            l("2026-12-01T14:00:00Z", "2026-12-01T14:00:01Z"),
            Some(Late::TakenAfterStart)
        );
        // Taken in time offline, delivered the next morning.
        assert_eq!(
            l("2026-12-01T10:00:00+01:00", "2026-12-02T08:00:00+01:00"),
            Some(Late::ArrivedAfterEnd)
        );
        assert_eq!(l("i går", "i dag"), None);
    }

    #[test]
    fn names_that_could_be_one_persons() {
        assert!(similar_names("Anne Hansen", "anne  hansen"));
        assert!(similar_names("Søren Æbelø", "Soren Æbelø"));
        assert!(similar_names("Anne Marie Hansen", "Anne Hansen"));
        assert!(similar_names("Mohammed Ali", "Mohamed Ali"));
        assert!(!similar_names("Anne Hansen", "Jens Hansen"));
        assert!(!similar_names("Ida", "Ole"));
        assert!(!similar_names("", ""));
        assert_eq!(pair_key("b", "a"), pair_key("a", "b"));
    }

    #[test]
    fn a_crowded_mailbox_costs_a_bounded_number_of_comparisons() {
        // 400 signups under one shared address, all named alike: without the bound, 79,800
        // pairs (and comparisons); with it, those of the first fifty.
        let rows: Vec<ListRow> = (0..400)
            .map(|i| {
                let mut r = ListRow::default();
                r.id = format!("s{i:03}");
                r.name = "Foreningen Frivillig".into();
                r.email = "kontor@forening.dk".into();
                r
            })
            .collect();
        let refs: Vec<&ListRow> = rows.iter().collect();
        let pairs = duplicate_pairs(&refs);
        assert_eq!(pairs.len(), MAX_BUCKET * (MAX_BUCKET - 1) / 2);
        // A long name is compared on its first hundred characters only.
        assert!(similar_names(&"a".repeat(5_000), &"a".repeat(4_000)));
    }
}
