//! The catalog as an editable TOML file: export from a server, import to it (checked first).

use super::*;

pub(crate) async fn catalog_export(
    http: &reqwest::Client,
    access: &ServerAccess,
    out: &Path,
) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} exists already; not overwriting it", out.display());
    }
    let resp = access
        .call(http.get(access.url("/api/admin/catalog")))
        .await?;
    let catalog: frivillig_common::domain::Catalog = explain(resp).await?.json().await?;
    let text = frivillig_common::catalog_file::catalog_to_toml(&catalog)?;
    std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
    println!("Kataloget er gemt i / catalog written to {}", out.display());
    Ok(())
}

pub(crate) async fn catalog_import(
    http: &reqwest::Client,
    access: &ServerAccess,
    file: &Path,
    check: bool,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    use frivillig_common::text::Lang::En;
    let catalog = match frivillig_common::catalog_file::parse_catalog_toml(&text) {
        Ok(c) => c,
        Err(problems) => {
            for p in &problems {
                match p.line {
                    Some(line) => eprintln!("{}:{line}: {}", file.display(), p.message(En)),
                    None => eprintln!("{}: {}", file.display(), p.message(En)),
                }
            }
            bail!(
                "{} has {} error(s); nothing was imported",
                file.display(),
                problems.len()
            );
        }
    };
    if check {
        println!(
            "{} er i orden / is valid: {} jobs, {} sites",
            file.display(),
            catalog.opportunities.len(),
            catalog.sites.len()
        );
        return Ok(());
    }
    let resp = access
        .call(http.put(access.url("/api/admin/catalog")).json(&catalog))
        .await?;
    explain(resp).await?;
    println!(
        "Kataloget er indlæst / catalog imported: {} jobs, {} sites",
        catalog.opportunities.len(),
        catalog.sites.len()
    );
    Ok(())
}
