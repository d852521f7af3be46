//! Posters with QR codes for the jobs of a site: one PDF page per job.

use super::*;

pub(crate) async fn posters(
    http: &reqwest::Client,
    access: &ServerAccess,
    out_dir: &Path,
    only: Option<&str>,
    cards_for_site: Option<&str>,
    public_url: Option<String>,
) -> anyhow::Result<()> {
    let resp = access
        .call(http.get(access.url("/api/admin/catalog")))
        .await?;
    let catalog: frivillig_common::domain::Catalog = explain(resp).await?.json().await?;
    let public_url = public_url.unwrap_or_else(|| access.server.clone());
    let jobs: Vec<&frivillig_common::domain::Opportunity> = catalog
        .opportunities
        .iter()
        .filter(|o| only.is_none_or(|id| o.id == id))
        .collect();
    if let Some(id) = only
        && jobs.is_empty()
    {
        bail!("no job with id {id} in the catalog");
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let write = |name: String, bytes: &[u8]| -> anyhow::Result<()> {
        let path = out_dir.join(name);
        if path.exists() {
            bail!("{} exists already; not overwriting it", path.display());
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
        Ok(())
    };
    for job in &jobs {
        let page = poster::poster(&catalog, job, &public_url)?;
        write(
            format!("plakat-{}.svg", job.id),
            poster::to_svg(&page).as_bytes(),
        )?;
        write(format!("plakat-{}.pdf", job.id), &poster::to_pdf(&page))?;
    }
    if let Some(site) = cards_for_site {
        let site_jobs: Vec<_> = catalog
            .opportunities
            .iter()
            .filter(|o| o.site_id == site)
            .collect();
        if site_jobs.is_empty() {
            bail!("no jobs at site {site}");
        }
        let page = poster::table_cards(&site_jobs, &public_url)?;
        write(
            format!("bordkort-{site}.svg"),
            poster::to_svg(&page).as_bytes(),
        )?;
        write(format!("bordkort-{site}.pdf"), &poster::to_pdf(&page))?;
    }
    Ok(())
}
