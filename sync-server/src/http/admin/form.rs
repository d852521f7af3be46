//! Form fields that say what is wrong next to themselves: a label, the input holding what
//! was typed, and the problem (linked to the input for screen readers), plus a summary at
//! the top that links to each field, as WCAG 3.3.1 and 3.3.3 ask. No JavaScript needed.

use maud::{Markup, html};

use crate::http::web::Lang;

/// Problems per form field, in the order found.
#[derive(Debug, Default)]
pub(super) struct Errors(Vec<(&'static str, String)>);

impl Errors {
    /// Note a problem with field `name`.
    pub(super) fn add(&mut self, name: &'static str, text: impl Into<String>) {
        self.0.push((name, text.into()));
    }

    /// The problems with field `name`, joined.
    pub(super) fn of(&self, name: &str) -> Option<String> {
        let hits: Vec<&str> = self
            .0
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, t)| t.as_str())
            .collect();
        (!hits.is_empty()).then(|| hits.join(" "))
    }

    /// Whether there are none.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What kind of input a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// One line of text.
    Text,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// A time of day (`HH:MM`).
    Time,
    /// A whole number.
    Number,
    /// Several lines.
    Area,
}

fn described(name: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("f-{name}-hint"));
    }
    if error {
        ids.push(format!("f-{name}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled input named `name` holding `value`, with its hint and its problem.
pub(super) fn field(
    errors: &Errors,
    name: &'static str,
    label: &str,
    value: &str,
    kind: Kind,
    required: bool,
    hint: Option<&str>,
) -> Markup {
    let error = errors.of(name);
    let id = format!("f-{name}");
    let describedby = described(name, hint.is_some(), error.is_some());
    let invalid = error.is_some().then_some("true");
    let input_type = match kind {
        Kind::Text | Kind::Area => "text",
        Kind::Date => "date",
        Kind::Time => "time",
        Kind::Number => "number",
    };
    html! {
        p.field {
            label for=(id) { (label) @if required { " *" } }
            @if let Some(h) = hint { br; span.hint id=(format!("f-{name}-hint")) { (h) } }
            @if let Some(e) = &error { br; span.error id=(format!("f-{name}-error")) { (e) } }
            br;
            @if kind == Kind::Area {
                textarea id=(id) name=(name) rows="6" cols="70" required[required]
                    aria-describedby=[describedby] aria-invalid=[invalid] { (value) }
            } @else {
                input id=(id) name=(name) type=(input_type) value=(value) required[required]
                    min=[(kind == Kind::Number).then_some("0")]
                    aria-describedby=[describedby] aria-invalid=[invalid];
            }
        }
    }
}

/// A checkbox named `name`.
pub(super) fn checkbox(name: &'static str, label: &str, checked: bool) -> Markup {
    let id = format!("f-{name}");
    html! {
        p.field { input id=(id) name=(name) type="checkbox" value="ja" checked[checked]; " " label for=(id) { (label) } }
    }
}

/// A labelled choice among `options` (value, text), `chosen` selected.
pub(super) fn select(
    errors: &Errors,
    name: &'static str,
    label: &str,
    options: &[(String, String)],
    chosen: &str,
) -> Markup {
    let error = errors.of(name);
    let id = format!("f-{name}");
    html! {
        p.field {
            label for=(id) { (label) }
            @if let Some(e) = &error { br; span.error id=(format!("f-{name}-error")) { (e) } }
            br;
            select id=(id) name=(name) aria-describedby=[error.is_some().then(|| format!("f-{name}-error"))]
                aria-invalid=[error.is_some().then_some("true")] {
                @for (v, t) in options { option value=(v) selected[v == chosen] { (t) } }
            }
        }
    }
}

/// The list of problems at the top of a form, each linking to its field.
pub(super) fn summary(lang: Lang, errors: &Errors, labels: &[(&str, &str)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error role="alert" id="form-errors" {
                p { (lang.pick("Intet er gemt. Ret det, der står ved felterne:", "Nothing was saved. Correct what is noted at the fields:")) }
                ul { @for (name, text) in &errors.0 {
                    @let label = labels.iter().find(|(n, _)| n == name).map_or(*name, |(_, l)| *l);
                    li { a href=(format!("#f-{name}")) { (label) } ": " (text) }
                } }
            }
        }
    }
}

/// A page holding a form: 422 when it comes back with problems, else 200.
pub(super) fn form_page(
    s: &super::staff::Staff,
    title: &str,
    body: Markup,
    errors: &Errors,
) -> axum::response::Response {
    let mut r = crate::http::web::secure(super::page::layout(s.lang, Some(s), title, body));
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// Put the problems of a refused catalog change beside the fields `field_of` names (the
/// first field when it names none); any other refusal is the page to show.
pub(super) fn take_problems(
    s: &super::staff::Staff,
    e: crate::service::catalog::CatalogChangeError,
    errors: &mut Errors,
    field_of: impl Fn(&frivillig_common::catalog_check::CatalogProblem) -> &'static str,
) -> Option<axum::response::Response> {
    use crate::service::catalog::CatalogChangeError;
    match e {
        CatalogChangeError::Problems(ps) => {
            for p in ps {
                errors.add(field_of(&p), p.text(s.lang));
            }
            None
        }
        CatalogChangeError::Service(crate::service::ServiceError::NotFound) => {
            Some(super::jobs::not_yours(s))
        }
        CatalogChangeError::Service(e) => Some(super::page::error_page(s, e)),
    }
}

/// Check the edit `make` makes against the catalog's rules (every problem beside its field,
/// together with those already in `errors`), and when none is found save it as one catalog
/// change audited as `target` "saved", answering with a redirect to `done`. `None`: show
/// the form again with `errors`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn check_and_save<E>(
    state: &crate::AppState,
    s: &super::staff::Staff,
    catalog: &frivillig_common::domain::Catalog,
    errors: &mut Errors,
    target: &str,
    done: &str,
    make: impl Fn() -> E,
    field_of: impl Fn(&frivillig_common::catalog_check::CatalogProblem) -> &'static str,
) -> Option<axum::response::Response>
where
    E: FnOnce(&mut frivillig_common::domain::Catalog) -> Result<(), crate::service::ServiceError>
        + Send
        + 'static,
{
    use axum::response::IntoResponse;
    for p in crate::service::catalog_edit::problems_of(catalog, make()) {
        errors.add(field_of(&p), p.text(s.lang));
    }
    if !errors.is_empty() {
        return None;
    }
    let ed = super::jobs::editor(s);
    match crate::service::catalog_edit::save(state, &ed, target, "saved", make()).await {
        Ok(_) => Some(axum::response::Redirect::to(done).into_response()),
        Err(e) => take_problems(s, e, errors, field_of),
    }
}
