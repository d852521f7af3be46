//! What the benchmark binaries share: order statistics, arguments, a process's memory and
//! CPU, and the report's sections.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

/// What a benchmark runs in: a two-thread runtime (the machine the figures are for) and a
/// temporary folder under `target/bench-tmp` (on the disk being measured, not a tmpfs).
pub fn bench_setup() -> anyhow::Result<(tokio::runtime::Runtime, tempfile::TempDir)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    std::fs::create_dir_all("target/bench-tmp")?;
    Ok((rt, tempfile::tempdir_in("target/bench-tmp")?))
}

/// Order statistics of a set of timings.
pub struct Stats {
    /// Median.
    pub median: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Fastest.
    pub min: Duration,
    /// Slowest.
    pub max: Duration,
}

/// Median, p99, min and max of a non-empty set of timings.
pub fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        p99: at(0.99),
        min: v[0],
        max: v[v.len() - 1],
    }
}

/// The benchmark binaries' arguments: `--out PATH` (default `BENCHMARKS.md`) and
/// `--signups N` (default `default_signups`).
pub fn bench_args(default_signups: usize) -> anyhow::Result<(PathBuf, usize)> {
    let mut out = PathBuf::from("BENCHMARKS.md");
    let mut signups = default_signups;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().context("--out PATH")?.into(),
            "--signups" => signups = args.next().context("--signups N")?.parse()?,
            other => anyhow::bail!("unknown argument {other}; use --out, --signups"),
        }
    }
    Ok((out, signups))
}

/// A duration in milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Resident memory of process `pid`, in MiB (from /proc).
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// CPU seconds (user and system) process `pid` has used so far (from /proc; Linux counts
/// in hundredths of a second).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Put `section` (a markdown text starting with `heading`) into the report at `path`: in
/// place of the part from `heading` to the next `## ` heading if there is one, else at the
/// end. Each benchmark owns its section; the others are kept as they are.
pub fn replace_section(path: &Path, heading: &str, section: &str) -> anyhow::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{}\n", section.trim_end());
    let new = match old.find(heading) {
        Some(start) => {
            let after = start + heading.len();
            let end = old[after..]
                .find("\n## ")
                .map_or(old.len(), |i| after + i + 1);
            format!(
                "{}{section}{}",
                &old[..start],
                if end < old.len() {
                    format!("\n{}", &old[end..])
                } else {
                    String::new()
                }
            )
        }
        None if old.trim().is_empty() => section,
        None => format!("{}\n\n{section}", old.trim_end()),
    };
    std::fs::write(path, new)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_replaces_only_itself() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("B.md");
        replace_section(&path, "## A", "## A\n\none\n").expect("write");
        replace_section(&path, "## B", "## B\n\ntwo\n").expect("write");
        replace_section(&path, "## A", "## A\n\nthree\n").expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "## A\n\nthree\n\n## B\n\ntwo\n");
    }
}
