//! Coordinators' accounts at ASVS level 2: two-step login with an authenticator app (set up
//! by scanning, proven by its first code) and recovery codes that work once; a code is good
//! once; sessions end when idle; one changes one's own password with the current one; every
//! login, good or bad, is in the audit log.

use std::time::Duration;

use frivillig_sync_server::service::second_factor::code_at;
use frivillig_tests::{Browser, TestServer};

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

async fn log_in_with(
    server: &TestServer,
    password: &str,
    code: &str,
) -> anyhow::Result<(Browser, u16)> {
    let mut b = Browser::new(&server.url())?;
    let page = b.get("/admin/login").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf on the login page"))?;
    let a = b
        .post(
            "/admin/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", "admin"),
                ("password", password),
                ("code", code),
            ],
        )
        .await?;
    Ok((b, a.status))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_step_login_recovery_codes_idle_sessions_and_a_new_password() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.session_idle_secs = 2;
    })
    .await?;
    let password = server.admin_password.clone();

    // Set up: the account page shows a QR code and the key; the app's code turns it on.
    let (mut b, status) = log_in_with(&server, &password, "").await?;
    anyhow::ensure!(status == 303, "first login: {status}");
    let page = b.get("/admin/konto").await?;
    anyhow::ensure!(
        page.status == 200 && page.text().contains("<svg"),
        "no QR on the account page"
    );
    let secret = page
        .field("secret")
        .ok_or_else(|| anyhow::anyhow!("no key on the account page"))?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let wrong = b
        .post(
            "/admin/konto/totp",
            &[
                ("csrf", &csrf),
                ("secret", &secret),
                ("code", "000000"),
                ("password", &password),
            ],
        )
        .await?;
    anyhow::ensure!(
        wrong.status == 400,
        "a wrong first code turned it on: {}",
        wrong.status
    );
    let first = code_at(&secret, unix_now()).ok_or_else(|| anyhow::anyhow!("no code"))?;
    let on = b
        .post(
            "/admin/konto/totp",
            &[
                ("csrf", &csrf),
                ("secret", &secret),
                ("code", &first),
                ("password", &password),
            ],
        )
        .await?;
    anyhow::ensure!(
        on.status == 200,
        "turning it on: {} {}",
        on.status,
        on.text()
    );
    let shown = on.text();
    let recovery: Vec<String> = shown
        .split("<code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(str::to_owned)
        .collect();
    anyhow::ensure!(recovery.len() == 10, "recovery codes shown: {recovery:?}");

    // Without a code, or with a wrong one, no way in; with the app's code, in; the same
    // code a second time, not.
    anyhow::ensure!(
        log_in_with(&server, &password, "").await?.1 == 401,
        "in without a code"
    );
    anyhow::ensure!(
        log_in_with(&server, &password, "123456").await?.1 == 401,
        "in with a wrong code"
    );
    // The first code was spent on the setup; wait for the next step's.
    let mut code = first.clone();
    for _ in 0..70 {
        code = code_at(&secret, unix_now()).unwrap_or_default();
        if code != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (mut b, status) = log_in_with(&server, &password, &code).await?;
    anyhow::ensure!(status == 303, "in with the app's code: {status}");
    anyhow::ensure!(
        log_in_with(&server, &password, &code).await?.1 == 401,
        "a code replayed"
    );

    // A recovery code works once.
    anyhow::ensure!(
        log_in_with(&server, &password, &recovery[0]).await?.1 == 303,
        "recovery code"
    );
    anyhow::ensure!(
        log_in_with(&server, &password, &recovery[0]).await?.1 == 401,
        "recovery code twice"
    );

    // Idle longer than the idle timeout: the session has ended.
    anyhow::ensure!(b.get("/admin/tilmeldinger").await?.status == 200);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let after = b.get("/admin/tilmeldinger").await?;
    anyhow::ensure!(
        after.status == 303,
        "an idle session lived on: {}",
        after.status
    );

    // One's own password, with the current one; the old one stops working.
    let code = recovery[1].clone();
    let (mut b, status) = log_in_with(&server, &password, &code).await?;
    anyhow::ensure!(status == 303);
    let page = b.get("/admin/konto").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let new = "en helt ny adgangskode 2026";
    let refused = b
        .post(
            "/admin/konto/adgangskode",
            &[
                ("csrf", &csrf),
                ("current", "not it at all"),
                ("new", new),
                ("repeat", new),
            ],
        )
        .await?;
    anyhow::ensure!(
        refused.status == 400,
        "changed without the current password"
    );
    let changed = b
        .post(
            "/admin/konto/adgangskode",
            &[
                ("csrf", &csrf),
                ("current", &password),
                ("new", new),
                ("repeat", new),
            ],
        )
        .await?;
    anyhow::ensure!(changed.status == 303, "password change: {}", changed.status);
    anyhow::ensure!(
        log_in_with(&server, &password, &recovery[2]).await?.1 == 401,
        "the old password"
    );
    anyhow::ensure!(
        log_in_with(&server, new, &recovery[3]).await?.1 == 303,
        "the new password"
    );

    // Every login is in the audit log, failed ones too.
    let entries = server.state.store.audit_entries(0, 1000)?.0;
    let logins: Vec<&str> = entries
        .iter()
        .filter(|e| e.action == "login")
        .map(|e| e.detail.as_str())
        .collect();
    anyhow::ensure!(
        logins.contains(&"ok") && logins.contains(&"failed"),
        "logins in the audit log: {logins:?}"
    );
    anyhow::ensure!(entries.iter().any(|e| e.action == "two-step on"));
    server.stop().await;
    Ok(())
}

/// Turn on the authenticator app from the account page; returns its key.
async fn turn_on_app(b: &mut Browser, password: &str) -> anyhow::Result<String> {
    let page = b.get("/admin/konto").await?;
    let secret = page
        .field("secret")
        .ok_or_else(|| anyhow::anyhow!("no key on the account page"))?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let code = code_at(&secret, unix_now()).ok_or_else(|| anyhow::anyhow!("no code"))?;
    let on = b
        .post(
            "/admin/konto/totp",
            &[
                ("csrf", &csrf),
                ("secret", &secret),
                ("code", &code),
                ("password", password),
            ],
        )
        .await?;
    anyhow::ensure!(on.status == 200, "turning it on: {}", on.status);
    Ok(secret)
}

/// Where the second factor is required (a server with a public address), an account
/// without one reaches only its account page until it has set one up; an admin's reset
/// (a new password) removes a lost app, and the person sets up a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_second_factor_comes_before_everything_and_a_reset_removes_a_lost_one()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.public_url = "http://frivillig.glostrup.test".into();
    })
    .await?;
    let password = server.admin_password.clone();
    let (mut b, status) = log_in_with(&server, &password, "").await?;
    anyhow::ensure!(status == 303, "first login: {status}");
    let list = b.get("/admin/tilmeldinger").await?;
    anyhow::ensure!(
        list.status == 303 && list.location.as_deref() == Some("/admin/konto"),
        "a page without the app: {} {:?}",
        list.status,
        list.location
    );
    let account = b.get("/admin/konto").await?;
    anyhow::ensure!(
        account.status == 200 && account.text().contains("kræver totrinslogin"),
        "the account page does not say why"
    );
    // A form is refused too, and changes nothing.
    let csrf = account
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let revoke = b
        .post(
            "/admin/kiosker/kiosk-x/spaer",
            &[("csrf", &csrf), ("password", &password)],
        )
        .await?;
    anyhow::ensure!(
        revoke.status == 403,
        "a form without the app: {}",
        revoke.status
    );
    turn_on_app(&mut b, &password).await?;
    anyhow::ensure!(
        b.get("/admin/tilmeldinger").await?.status == 200,
        "the list after the app was set up"
    );

    // The phone is lost: IT gives a new password, which also removes the app.
    let (code, body) = server
        .admin_post("/api/admin/accounts/admin/password", &serde_json::json!({}))
        .await?;
    anyhow::ensure!(code == 200, "reset: {code} {body}");
    let new_password = body["password"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no password"))?
        .to_owned();
    anyhow::ensure!(
        b.get("/admin/tilmeldinger").await?.status == 303,
        "the old session outlived the reset"
    );
    let (mut b, status) = log_in_with(&server, &new_password, "").await?;
    anyhow::ensure!(
        status == 303,
        "login after the reset, without the lost app: {status}"
    );
    anyhow::ensure!(
        b.get("/admin/tilmeldinger").await?.location.as_deref() == Some("/admin/konto"),
        "after the reset the app must be set up again"
    );
    turn_on_app(&mut b, &new_password).await?;
    anyhow::ensure!(
        b.get("/admin/tilmeldinger").await?.status == 200,
        "the list"
    );
    server.stop().await;
    Ok(())
}
