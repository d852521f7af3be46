//! The overview's counts: signups per day, site, job, source and status, over the signups
//! a person may see. Pages put names to the ids.

use std::collections::BTreeMap;

use crate::store::listing::ListRow;

/// How many days the per-day count covers: the last this many days that had signups.
pub const DAYS: usize = 31;

/// Signups counted by each thing the overview shows.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Per kiosk-local day (`YYYY-MM-DD`), the last [`DAYS`] days with signups, oldest first.
    pub per_day: Vec<(String, usize)>,
    /// Per site id.
    pub per_site: BTreeMap<String, usize>,
    /// Per opportunity id.
    pub per_job: BTreeMap<String, usize>,
    /// Per source: `web` or the kiosk's id.
    pub per_source: BTreeMap<String, usize>,
    /// Per status name.
    pub per_status: BTreeMap<String, usize>,
    /// All of them.
    pub total: usize,
}

/// Count `rows`.
pub fn count(rows: &[&ListRow]) -> Counts {
    let mut c = Counts {
        total: rows.len(),
        ..Counts::default()
    };
    let mut per_day: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *per_day
            .entry(r.created_at.chars().take(10).collect())
            .or_default() += 1;
        *c.per_site.entry(r.site_id.clone()).or_default() += 1;
        *c.per_job.entry(r.opportunity_id.clone()).or_default() += 1;
        *c.per_source.entry(r.source.clone()).or_default() += 1;
        *c.per_status.entry(r.status.clone()).or_default() += 1;
    }
    let skip = per_day.len().saturating_sub(DAYS);
    c.per_day = per_day.into_iter().skip(skip).collect();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: u32, site: &str, job: &str, source: &str, status: &str) -> ListRow {
        let mut r = ListRow::default();
        r.id = format!("{day}-{site}-{job}-{source}-{status}");
        r.created_at = format!(
            "2026-{:02}-{:02}T10:00:00+01:00",
            1 + day / 28,
            1 + day % 28
        );
        r.site_id = site.into();
        r.opportunity_id = job.into();
        r.source = source.into();
        r.status = status.into();
        r
    }

    #[test]
    fn counts_each_dimension_and_the_total() {
        let rows = [
            row(0, "bibliotek", "lektiecafe", "web", "new"),
            row(0, "bibliotek", "hojtlaesning", "k1", "active"),
            row(1, "plejecenter", "hojtlaesning", "k1", "new"),
        ];
        let refs: Vec<&ListRow> = rows.iter().collect();
        let c = count(&refs);
        assert_eq!(c.total, 3);
        assert_eq!(
            c.per_day,
            [("2026-01-01".to_owned(), 2), ("2026-01-02".to_owned(), 1)]
        );
        assert_eq!(c.per_site["bibliotek"], 2);
        assert_eq!(c.per_site["plejecenter"], 1);
        assert_eq!(c.per_job["hojtlaesning"], 2);
        assert_eq!(c.per_source["k1"], 2);
        assert_eq!(c.per_status["new"], 2);
        assert_eq!(c.per_status["active"], 1);
    }

    #[test]
    fn the_days_are_the_last_that_had_signups() {
        let rows: Vec<ListRow> = (0..40).map(|d| row(d, "s", "j", "web", "new")).collect();
        let refs: Vec<&ListRow> = rows.iter().collect();
        let c = count(&refs);
        assert_eq!(c.per_day.len(), DAYS);
        assert_eq!(c.per_day.first().map(|d| d.0.as_str()), Some("2026-01-10"));
        assert_eq!(c.per_day.last().map(|d| d.0.as_str()), Some("2026-02-12"));
        assert_eq!(count(&[]), Counts::default());
    }
}
