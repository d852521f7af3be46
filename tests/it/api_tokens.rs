//! API credentials: an admin makes a named token with scopes in the web app; a read token
//! reads and cannot write or take a backup; a revoked or expired token is refused at once;
//! every use is in the audit log under the token's name.

use frivillig_tests::{Browser, TestServer};

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> anyhow::Result<u16> {
    let resp = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url()))
        .bearer_auth(token)
        .json(&frivillig_common::catalog::demo_catalog())
        .send()
        .await?;
    Ok(resp.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_token_does_what_it_may_and_a_revoked_one_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut b = Browser::new(&server.url())?;
    anyhow::ensure!(b.log_in("admin", &server.admin_password).await?.status == 303);
    let page = b.get("/admin/api-noegler").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let made = b
        .post(
            "/admin/api-noegler",
            &[
                ("csrf", &csrf),
                ("name", "Rapporter"),
                ("read", "ja"),
                ("days", "30"),
            ],
        )
        .await?;
    anyhow::ensure!(made.status == 200, "make: {} {}", made.status, made.text());
    let text = made.text();
    let token = text
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .ok_or_else(|| anyhow::anyhow!("no token shown"))?
        .to_owned();

    use reqwest::Method;
    anyhow::ensure!(
        call(&server, Method::GET, "/api/admin/signups", &token).await? == 200,
        "read"
    );
    anyhow::ensure!(
        call(&server, Method::PUT, "/api/admin/catalog", &token).await? == 403,
        "write with read scope"
    );
    anyhow::ensure!(
        call(&server, Method::GET, "/api/admin/backup", &token).await? == 403,
        "backup with read scope"
    );
    anyhow::ensure!(
        call(&server, Method::GET, "/api/admin/signups", "fv_guess").await? == 401,
        "a guess"
    );

    // Every use under its name.
    let (entries, _) = server.state.store.audit_entries(0, 1000)?;
    anyhow::ensure!(
        entries
            .iter()
            .filter(|e| e.by == "Rapporter" && e.action == "api")
            .count()
            >= 1,
        "uses not audited under the token's name"
    );

    // Revoked: refused at once.
    let page = b.get("/admin/api-noegler").await?;
    anyhow::ensure!(page.text().contains("Rapporter"));
    let a = b
        .post(
            "/admin/api-noegler/spaer",
            &[("csrf", &csrf), ("name", "Rapporter")],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "revoke: {}", a.status);
    anyhow::ensure!(
        call(&server, Method::GET, "/api/admin/signups", &token).await? == 401,
        "a revoked token"
    );

    // Expired: refused.
    let old = server.state.store.create_api_token(
        "Gammel",
        &[frivillig_sync_server::store::Scope::Read],
        1,
        "admin",
        chrono::Utc::now() - chrono::Duration::days(2),
    )?;
    anyhow::ensure!(
        call(&server, Method::GET, "/api/admin/signups", &old).await? == 401,
        "an expired token"
    );
    server.stop().await;
    Ok(())
}
