//! API credentials (admins): make a named token with scopes and a validity, shown once;
//! see which exist; revoke one at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;
use crate::store::Scope;

use super::page::{danish_time, layout, message, thead};
use super::staff::{Admin, AdminForm};

session_form!(NewTokenForm, RevokeTokenForm);

/// The list of tokens and the form for a new one.
pub(super) async fn tokens_page(State(state): State<AppState>, Admin(s): Admin) -> Response {
    let lang = s.lang;
    let st = state.clone();
    let tokens = match blocking(move || Ok(st.store.api_tokens()?)).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let csrf = s.session.csrf.clone();
    let now = crate::store::now();
    let body = html! {
        p { (lang.t(text::WHAT)) }
        table {
            (thead(lang, &[("Navn", "Name"), ("Må", "May"), ("Gælder til", "Valid until"), ("Lavet af", "Made by"), ("Tilstand", "State")]))
            tbody { @for t in &tokens { tr {
                td { (t.name) }
                td { (t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")) }
                td { (danish_time(&t.expires_at)) }
                td { (t.created_by) }
                td {
                    @if t.revoked { (lang.t(text::REVOKED)) }
                    @else if t.expires_at <= now { (lang.t(text::EXPIRED)) }
                    @else {
                        form.inline method="post" action="/admin/api-noegler/spaer" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="name" value=(t.name);
                            button.secondary type="submit" { (lang.t(text::REVOKE)) }
                        }
                    }
                }
            } } }
        }
        h2 { (lang.t(text::NEW)) }
        form method="post" action="/admin/api-noegler" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="token-name" { (lang.t(text::NAME)) } br;
                input id="token-name" name="name" type="text" maxlength="60" required; }
            fieldset { legend { (lang.t(text::MAY)) }
                @for scope in Scope::ALL {
                    label { input type="checkbox" name=(scope.as_str()) value="ja"; " " (scope.as_str()) } " "
                }
            }
            p { label for="token-days" { (lang.t(text::DAYS)) } br;
                input id="token-days" name="days" type="number" min="1" max="366" value="90" required; }
            p { button type="submit" { (lang.t(text::MAKE)) } }
        }
    };
    secure(layout(lang, Some(&s), lang.t(text::TITLE), body))
}

/// The form for a new token.
#[derive(Debug, Default, Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    read: String,
    #[serde(default)]
    write: String,
    #[serde(default)]
    backup: String,
    #[serde(default)]
    days: String,
}

/// Make a token and show it once.
pub(super) async fn post_token(
    State(state): State<AppState>,
    AdminForm(s, f): AdminForm<NewTokenForm>,
) -> Response {
    let lang = s.lang;
    let scopes: Vec<Scope> = [
        (Scope::Read, &f.read),
        (Scope::Write, &f.write),
        (Scope::Backup, &f.backup),
    ]
    .into_iter()
    .filter(|(_, on)| on.as_str() == "ja")
    .map(|(scope, _)| scope)
    .collect();
    let days: i64 = f.days.trim().parse().unwrap_or(0);
    let (st, name, by) = (state.clone(), f.name.clone(), s.username.clone());
    let made = blocking(move || {
        let made = st
            .store
            .create_api_token(&name, &scopes, days, &by, chrono::Utc::now());
        if made.is_ok() {
            let what: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            st.store
                .audit(&by, "api-token", name.trim(), &what.join(","))?;
        }
        Ok(made)
    })
    .await;
    let token = match made {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            return message(
                lang,
                StatusCode::BAD_REQUEST,
                lang.t(text::TITLE),
                &e.to_string(),
                Some(&s),
            );
        }
        Err(e) => return e.into_response(),
    };
    let body = html! {
        p { (lang.t(text::SHOWN_ONCE)) }
        p { code { (token) } }
        p { a href="/admin/api-noegler" { (lang.t(text::TITLE)) } }
    };
    secure(layout(lang, Some(&s), lang.t(text::TITLE), body))
}

/// The form that revokes a token.
#[derive(Debug, Default, Deserialize)]
pub struct RevokeTokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// Revoke a token at once.
pub(super) async fn post_revoke_token(
    State(state): State<AppState>,
    AdminForm(s, f): AdminForm<RevokeTokenForm>,
) -> Response {
    let (st, name, by) = (state.clone(), f.name, s.username.clone());
    let done = blocking(move || {
        let found = st.store.revoke_api_token(&name)?;
        if found {
            st.store.audit(&by, "api-token", &name, "revoked")?;
        }
        Ok(())
    })
    .await;
    match done {
        Ok(()) => Redirect::to("/admin/api-noegler").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const TITLE: Text = ("API-nøgler", "API credentials");
    pub(super) const WHAT: Text = (
        "Nøgler til andre systemer, der læser eller ændrer data gennem API'et. Hver brug står i ændringsloggen under nøglens navn.",
        "Credentials for other systems that read or change data through the API. Every use is in the audit log under the credential's name.",
    );
    pub(super) const REVOKED: Text = ("Spærret", "Revoked");
    pub(super) const EXPIRED: Text = ("Udløbet", "Expired");
    pub(super) const REVOKE: Text = ("Spær", "Revoke");
    pub(super) const NEW: Text = ("Ny nøgle", "New credential");
    pub(super) const NAME: Text = (
        "Navn (fx systemet, der bruger den)",
        "Name (e.g. the system that uses it)",
    );
    pub(super) const MAY: Text = ("Må", "May");
    pub(super) const DAYS: Text = (
        "Dage den gælder (højst 366)",
        "Days it is valid (at most 366)",
    );
    pub(super) const MAKE: Text = ("Lav nøgle", "Make credential");
    pub(super) const SHOWN_ONCE: Text = (
        "Nøglen vises kun nu. Giv den sikkert videre til systemet, der skal bruge den.",
        "The credential is shown only now. Pass it on safely to the system that will use it.",
    );
}
