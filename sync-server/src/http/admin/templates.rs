//! The message templates (admins): the texts of confirmations, reminders and notices in
//! Danish and English, with their placeholders, a preview filled in for a made-up signup,
//! and a way back to the server's default.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::text::Lang;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::secure;
use crate::service::catalog::catalog;
use crate::service::mail::compose;
use crate::service::mail::templates::{MAX_BODY, MAX_SUBJECT, Template, TemplateKind};

use super::page::{SavedQuery, error_page, layout, message};
use super::staff::{Admin, AdminForm, Staff};

/// The list of templates.
pub(super) async fn templates_page(State(state): State<AppState>, Admin(s): Admin) -> Response {
    let lang = s.lang;
    let t = state.mail.templates();
    let body = html! {
        p { (lang.t(text::INTRO)) }
        ul { @for kind in TemplateKind::ALL {
            li {
                a href=(format!("/admin/skabeloner/{}", kind.key())) { (lang.pick(kind.label().0, kind.label().1)) }
                @if t.is_custom(kind, Lang::Da) || t.is_custom(kind, Lang::En) { " – " (lang.t(text::EDITED)) }
            }
        } }
    };
    secure(layout(lang, Some(&s), lang.t(text::TEMPLATES), body))
}

/// One kind's texts, both languages.
pub(super) async fn template_page(
    State(state): State<AppState>,
    Admin(s): Admin,
    Path(kind): Path<String>,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let Some(kind) = TemplateKind::parse(&kind) else {
        return not_found(&s);
    };
    let t = state.mail.templates();
    let form = TemplateForm {
        subject_da: t.get(kind, Lang::Da).subject,
        body_da: t.get(kind, Lang::Da).body,
        subject_en: t.get(kind, Lang::En).subject,
        body_en: t.get(kind, Lang::En).body,
        ..TemplateForm::default()
    };
    let note = saved.gemt.is_some().then_some(s.lang.t(text::SAVED));
    render(&state, &s, kind, &form, None, false, note).await
}

fn not_found(s: &Staff) -> Response {
    let lang = s.lang;
    let (title, text) = (lang.t(text::NOT_FOUND), lang.t(text::NO_SUCH_TEMPLATE));
    message(lang, StatusCode::NOT_FOUND, title, text, Some(s))
}

/// Both languages' texts as posted, and what to do with them.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject_da: String,
    #[serde(default)]
    body_da: String,
    #[serde(default)]
    subject_en: String,
    #[serde(default)]
    body_en: String,
    /// `preview`, `save` or `reset`.
    #[serde(default)]
    step: String,
}

session_form!(TemplateForm);

impl TemplateForm {
    fn template(&self, lang: Lang) -> Template {
        let (subject, body) = match lang {
            Lang::Da => (&self.subject_da, &self.body_da),
            Lang::En => (&self.subject_en, &self.body_en),
        };
        Template {
            subject: subject.trim().to_owned(),
            body: body.replace("\r\n", "\n"),
        }
    }
}

/// Preview, save or reset one kind's texts.
pub(super) async fn post_template(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    AdminForm(s, f): AdminForm<TemplateForm>,
) -> Response {
    let Some(kind) = TemplateKind::parse(&kind) else {
        return not_found(&s);
    };
    let problem = [Lang::Da, Lang::En]
        .into_iter()
        .find_map(|l| kind.check(&f.template(l)).err());
    if f.step == "preview" || (f.step == "save" && problem.is_some()) {
        return render(
            &state,
            &s,
            kind,
            &f,
            problem.as_deref(),
            f.step == "preview",
            None,
        )
        .await;
    }
    let texts: Vec<(Lang, Template)> = [Lang::Da, Lang::En]
        .into_iter()
        .map(|l| (l, f.template(l)))
        .collect();
    let (st, by, reset) = (state.clone(), s.username.clone(), f.step == "reset");
    let saved = blocking(move || {
        for (lang, t) in &texts {
            // The default as written is no edit: it follows the server's future defaults.
            if reset || *t == kind.default_template(*lang) {
                st.store.reset_template(kind.key(), lang.code())?;
            } else {
                st.store
                    .set_template(kind.key(), lang.code(), &t.subject, &t.body, &by)?;
            }
        }
        let what = if reset { "reset" } else { "saved" };
        st.store.audit(&by, "template", kind.key(), what)?;
        st.mail.load_templates(&st.store)?;
        Ok(())
    })
    .await;
    match saved {
        Ok(()) => Redirect::to(&format!("/admin/skabeloner/{}?gemt=1", kind.key())).into_response(),
        Err(e) => error_page(&s, e),
    }
}

async fn render(
    state: &AppState,
    s: &Staff,
    kind: TemplateKind,
    f: &TemplateForm,
    problem: Option<&str>,
    show_preview: bool,
    note: Option<&str>,
) -> Response {
    let lang = s.lang;
    let previews: Vec<(Lang, Option<(String, String)>)> = if show_preview {
        let catalog = match catalog(state).await {
            Ok(c) => c,
            Err(e) => return error_page(s, e),
        };
        let w = state.mail.writer(&state.config.public_url);
        [Lang::Da, Lang::En]
            .into_iter()
            .map(|l| (l, compose::preview(&catalog, kind, l, &f.template(l), &w)))
            .collect()
    } else {
        Vec::new()
    };
    let body = html! {
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        @if let Some(n) = note { p.ok role="status" { (n) } }
        p { a href="/admin/skabeloner" { (lang.t(text::ALL_TEMPLATES)) } }
        h2 { (lang.t(text::FIELDS)) }
        ul { @for (name, da, en) in kind.placeholders() { li { code { "{" (name) "}" } " – " (lang.pick(da, en)) } } }
        p { (lang.t(text::EMPTY_LINES)) }
        @for (l, p) in &previews {
            section aria-labelledby=(format!("preview-{}", l.code())) {
                h2 id=(format!("preview-{}", l.code())) { (lang.t(text::PREVIEW)) " (" (l.pick("dansk", "English")) ")" }
                @if let Some((subject, body)) = p { p { strong { (subject) } } pre.mail { (body) } }
            }
        }
        form method="post" action=(format!("/admin/skabeloner/{}", kind.key())) {
            input type="hidden" name="csrf" value=(s.session.csrf);
            (fields(lang, "da", text::DANISH, &f.subject_da, &f.body_da))
            (fields(lang, "en", text::ENGLISH, &f.subject_en, &f.body_en))
            button type="submit" name="step" value="preview" { (lang.t(text::SHOW_PREVIEW)) }
            " " button type="submit" name="step" value="save" { (lang.t(text::SAVE)) }
            " " button.secondary type="submit" name="step" value="reset" formnovalidate { (lang.t(text::RESET)) }
        }
    };
    let title = lang.pick(kind.label().0, kind.label().1);
    let mut r = secure(layout(lang, Some(s), title, body));
    if problem.is_some() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

fn fields(lang: Lang, code: &str, name: (&str, &str), subject: &str, body: &str) -> Markup {
    html! {
        fieldset {
            legend { (lang.pick(name.0, name.1)) }
            p { label for=(format!("subject-{code}")) { (lang.t(text::SUBJECT)) } br;
                input id=(format!("subject-{code}")) name=(format!("subject_{code}")) value=(subject) size="70" maxlength=(MAX_SUBJECT) required; }
            p { label for=(format!("body-{code}")) { (lang.t(text::TEXT)) } br;
                textarea id=(format!("body-{code}")) name=(format!("body_{code}")) rows="14" cols="72" maxlength=(MAX_BODY) required { (body) } }
        }
    }
}

/// The texts of these pages, Danish and English side by side.
pub(super) mod text {
    use frivillig_common::text::Text;

    pub(in super::super) const TEMPLATES: Text = ("Beskedskabeloner", "Message templates");
    pub(super) const INTRO: Text = (
        "Teksterne i de mails, frivillige får. Hver mail slutter altid med, hvem der sender den, og hvordan man siger fra.",
        "The texts of the e-mails volunteers get. Every e-mail always ends with who sends it and how to opt out.",
    );
    pub(super) const EDITED: Text = ("ændret", "edited");
    pub(super) const NOT_FOUND: Text = ("Ikke fundet", "Not found");
    pub(super) const NO_SUCH_TEMPLATE: Text =
        ("Den skabelon findes ikke.", "There is no such template.");
    pub(super) const ALL_TEMPLATES: Text = ("← Alle skabeloner", "← All templates");
    pub(super) const FIELDS: Text = ("Felter, du kan bruge", "Fields you can use");
    pub(super) const EMPTY_LINES: Text = (
        "En linje med et felt uden indhold (fx ingen kontaktperson) udelades.",
        "A line with a field that has nothing to fill in (e.g. no contact person) is left out.",
    );
    pub(super) const PREVIEW: Text = ("Forhåndsvisning", "Preview");
    pub(super) const DANISH: Text = ("Dansk", "Danish");
    pub(super) const ENGLISH: Text = ("Engelsk", "English");
    pub(super) const SUBJECT: Text = ("Emne", "Subject");
    pub(super) const TEXT: Text = ("Tekst", "Text");
    pub(super) const SHOW_PREVIEW: Text = ("Se forhåndsvisning", "Show preview");
    pub(super) const SAVE: Text = ("Gem", "Save");
    pub(super) const SAVED: Text = ("Skabelonen er gemt.", "The template is saved.");
    pub(super) const RESET: Text = ("Brug standardteksten", "Use the default text");
}
