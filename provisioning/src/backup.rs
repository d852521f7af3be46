//! Backups of a server: taken over its admin API and checked, and their summary.

use super::*;

pub(crate) fn print_summary(path: &Path, s: &frivillig_sync_server::backup::BackupSummary) {
    println!("{}: taget / taken {}", path.display(), s.taken_at);
    println!(
        "  tilmeldinger / signups: {}, journaler / journals: {}, kiosker / kiosks: {}",
        s.rows_of("signups"),
        s.rows_of("journals"),
        s.rows_of("devices")
    );
}

pub(crate) async fn backup(
    http: &reqwest::Client,
    access: &ServerAccess,
    out: &Path,
) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} exists already; not overwriting it", out.display());
    }
    let resp = access
        .call(http.get(access.url("/api/admin/backup")))
        .await?;
    let bytes = explain(resp)
        .await?
        .bytes()
        .await
        .context("receiving the backup")?;
    // Written under a temporary name and renamed, so a broken transfer never looks complete.
    let partial = out.with_extension("partial");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&partial)
            .with_context(|| format!("writing {}", partial.display()))?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    let (summary, _) =
        frivillig_sync_server::backup::verify_backup(&partial).with_context(|| {
            format!(
                "the received backup does not verify; left as {}",
                partial.display()
            )
        })?;
    std::fs::rename(&partial, out)?;
    print_summary(out, &summary);
    Ok(())
}
