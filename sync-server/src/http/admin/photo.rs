//! A job's, an ambassador's or a story's photo: the page with the current photo and the upload form
//! (multipart, with its own CSRF check since it is not a plain form), the upload, and
//! taking the photo away. The photo is processed (EXIF gone, resized) before anything is
//! stored; the catalog then names it by its hash in one checked change.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use frivillig_common::domain::Photo;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::same;
use crate::service::catalog_edit::{PhotoOf, photo_edit, save};
use crate::service::photos::{MAX_UPLOAD_BYTES, PhotoError, PhotoSize, process};

use super::form::{Errors, Kind, field, form_page, summary, take_problems};
use super::jobs::{editor, not_yours};
use super::page::page_catalog;
use super::staff::{CsrfForm, Staff, StaffForm, unreadable};

/// The current photo of `of`, its page's title and where "back" goes, if this person may
/// edit it.
async fn current(
    state: &AppState,
    s: &Staff,
    of: &PhotoOf,
) -> Result<(Option<Photo>, String, String), Response> {
    let catalog = page_catalog(state).await?;
    let ed = editor(s);
    match of {
        PhotoOf::Job(id) => {
            let o = crate::service::catalog_edit::editable(&catalog, &ed, id)
                .map_err(|_| not_yours(s))?;
            Ok((
                o.photo.clone(),
                frivillig_common::text::job_title(s.lang, o).to_owned(),
                format!("/admin/job/{id}"),
            ))
        }
        PhotoOf::Ambassador(id) => {
            let a = catalog
                .ambassadors
                .iter()
                .find(|a| &a.id == id && ed.may_edit(&a.site_id))
                .ok_or_else(|| not_yours(s))?;
            Ok((
                a.photo.clone(),
                a.name.clone(),
                format!("/admin/ambassadoerer/{id}"),
            ))
        }
        PhotoOf::Story(id) => {
            let (row, _) = crate::service::stories::story(state, &ed, id)
                .await
                .map_err(|_| not_yours(s))?;
            Ok((
                row.story.photo.clone(),
                row.story.title.clone(),
                format!("/admin/historier/{id}"),
            ))
        }
    }
}

/// Give `of` the photo (or none), as one checked change.
async fn apply(
    state: &AppState,
    s: &Staff,
    of: &PhotoOf,
    photo: Option<Photo>,
) -> Result<(), crate::service::catalog::CatalogChangeError> {
    let ed = editor(s);
    if let PhotoOf::Story(id) = of {
        return crate::service::stories::set_photo(state, &ed, id, photo).await;
    }
    let detail = match &photo {
        Some(p) => format!("photo {}", p.id),
        None => "photo removed".to_owned(),
    };
    let edit = photo_edit(&ed, of.clone(), photo);
    save(state, &ed, &audit_target(of), &detail, edit)
        .await
        .map(|_| ())
}

/// How the audit log names what the photo belongs to (as the job and ambassador forms do).
fn audit_target(of: &PhotoOf) -> String {
    match of {
        PhotoOf::Job(id) => format!("job {id}"),
        PhotoOf::Ambassador(id) => format!("ambassador {id}"),
        PhotoOf::Story(id) => format!("story {id}"),
    }
}

fn base(of: &PhotoOf) -> String {
    match of {
        PhotoOf::Job(id) => format!("/admin/job/{id}/foto"),
        PhotoOf::Ambassador(id) => format!("/admin/ambassadoerer/{id}/foto"),
        PhotoOf::Story(id) => format!("/admin/historier/{id}/foto"),
    }
}

fn page(
    s: &Staff,
    of: &PhotoOf,
    now: Option<&Photo>,
    title: &str,
    back: &str,
    alt: (&str, &str),
    errors: &Errors,
) -> Response {
    let lang = s.lang;
    let action = base(of);
    let body = html! {
        p { a href=(back) { "‹ " (title) } }
        @if let Some(p) = now {
            figure {
                img src=(format!("/foto/{}/{}", p.id, PhotoSize::Medium.as_str())) alt=(p.alt_da) width=(p.width.min(800)) style="max-width:100%;height:auto";
                figcaption { (lang.pick("Alternativ tekst:", "Alternative text:")) " " (p.alt_da) }
            }
            form method="post" action=(format!("{action}/fjern")) {
                input type="hidden" name="csrf" value=(s.session.csrf);
                button.secondary type="submit" { (lang.pick("Fjern fotoet", "Remove the photo")) }
            }
        }
        h2 { (if now.is_some() { lang.pick("Skift foto", "Replace the photo") } else { lang.pick("Tilføj et foto", "Add a photo") }) }
        (summary(lang, errors, &[("file", "Fil"), ("alt_da", "Alternativ tekst")]))
        form method="post" action=(action) enctype="multipart/form-data" novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            p.field {
                label for="f-file" { (lang.pick("JPEG- eller PNG-fil", "JPEG or PNG file")) " *" }
                br; span.hint id="f-file-hint" { (lang.pick("Højst 12 MB. Placering og kameradata fjernes, og billedet gøres mindre.", "At most 12 MB. Location and camera data are removed, and the picture is made smaller.")) }
                @if let Some(e) = errors.of("file") { br; span.error id="f-file-error" { (e) } }
                br; input id="f-file" name="file" type="file" accept="image/jpeg,image/png" required
                    aria-describedby=(if errors.of("file").is_some() { "f-file-hint f-file-error" } else { "f-file-hint" })
                    aria-invalid=[errors.of("file").map(|_| "true")];
            }
            (field(errors, "alt_da", lang.pick("Hvad viser billedet? (dansk)", "What does the picture show? (Danish)"), alt.0, Kind::Text, true,
                Some(lang.pick("Læses op for dem, der ikke kan se det, fx \"To frivillige hjælper en dreng med lektier\".", "Read aloud to those who cannot see it, e.g. \"Two volunteers help a boy with homework\"."))))
            (field(errors, "alt_en", lang.pick("Hvad viser billedet? (engelsk)", "What does the picture show? (English)"), alt.1, Kind::Text, false, None))
            button type="submit" { (lang.pick("Gem fotoet", "Save the photo")) }
        }
    };
    form_page(
        s,
        &format!("{}: {title}", lang.pick("Foto", "Photo")),
        body,
        errors,
    )
}

async fn show(state: &AppState, s: Staff, of: PhotoOf) -> Response {
    match current(state, &s, &of).await {
        Ok((now, title, back)) => page(
            &s,
            &of,
            now.as_ref(),
            &title,
            &back,
            ("", ""),
            &Errors::default(),
        ),
        Err(r) => r,
    }
}

/// A job's photo page.
pub(super) async fn job_photo_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Response {
    show(&state, s, PhotoOf::Job(id)).await
}

/// An ambassador's photo page.
pub(super) async fn ambassador_photo_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Response {
    show(&state, s, PhotoOf::Ambassador(id)).await
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    alt_da: String,
    alt_en: String,
    file: Option<Vec<u8>>,
    too_large: bool,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, ()> {
    let mut u = Upload::default();
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(u),
            // The body limit cuts a too large file off here.
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                u.too_large = true;
                return Ok(u);
            }
            Err(_) => return Err(()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => match field.bytes().await {
                Ok(b) if !b.is_empty() => u.file = Some(b.to_vec()),
                Ok(_) => {}
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => u.too_large = true,
                Err(_) => return Err(()),
            },
            "csrf" | "alt_da" | "alt_en" => {
                let text = field.text().await.map_err(|_| ())?;
                let text = text.trim().chars().take(500).collect::<String>();
                match name.as_str() {
                    "csrf" => u.csrf = text,
                    "alt_da" => u.alt_da = text,
                    _ => u.alt_en = text,
                }
            }
            _ => {}
        }
    }
}

async fn upload(state: &AppState, s: Staff, of: PhotoOf, m: Multipart) -> Response {
    let lang = s.lang;
    let Ok(u) = read_upload(m).await else {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    };
    // Not a plain form, so the CSRF check the form extractor makes is made here.
    if !same(u.csrf.as_bytes(), s.session.csrf.as_bytes()) {
        return unreadable(&s, StatusCode::FORBIDDEN);
    }
    let (now, title, back) = match current(state, &s, &of).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    if u.alt_da.is_empty() {
        errors.add(
            "alt_da",
            lang.pick("Skriv, hvad billedet viser.", "Say what the picture shows."),
        );
    }
    let processed = match (&u.file, u.too_large) {
        (_, true) => Err(PhotoError::TooLarge),
        (None, false) => {
            errors.add("file", lang.pick("Vælg en fil.", "Choose a file."));
            Err(PhotoError::NotAPicture)
        }
        (Some(bytes), false) => {
            let bytes = bytes.clone();
            blocking(move || Ok(process(&bytes)))
                .await
                .unwrap_or_else(|e| Err(PhotoError::Unreadable(e.to_string())))
        }
    };
    match &processed {
        Err(PhotoError::TooLarge) => errors.add(
            "file",
            format!(
                "{} {} MB.",
                lang.pick("Filen er for stor. Højst", "The file is too large. At most"),
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
        ),
        Err(PhotoError::NotAPicture) if u.file.is_some() => errors.add(
            "file",
            lang.pick(
                "Filen er ikke et JPEG- eller PNG-billede.",
                "The file is not a JPEG or PNG picture.",
            ),
        ),
        Err(PhotoError::Unreadable(_)) => errors.add(
            "file",
            lang.pick(
                "Billedet kan ikke læses. Prøv at gemme det igen som JPEG.",
                "The picture cannot be read. Try saving it again as JPEG.",
            ),
        ),
        _ => {}
    }
    let (Ok(p), true) = (processed, errors.is_empty()) else {
        return page(
            &s,
            &of,
            now.as_ref(),
            &title,
            &back,
            (&u.alt_da, &u.alt_en),
            &errors,
        );
    };
    let (st, id) = (state.clone(), p.id.clone());
    let stored = blocking(move || {
        let sizes: Vec<(&str, &[u8])> = p
            .sizes
            .iter()
            .map(|(z, b)| (z.as_str(), b.as_slice()))
            .collect();
        Ok(st.store.put_photo(&id, &sizes)?)
    })
    .await;
    if let Err(e) = stored {
        return e.into_response();
    }
    let photo = Photo {
        id: p.id.clone(),
        alt_da: u.alt_da.clone(),
        alt_en: u.alt_en.clone(),
        width: p.width,
        height: p.height,
    };
    match apply(state, &s, &of, Some(photo)).await {
        Ok(()) => Redirect::to(&format!("{back}?gemt=1")).into_response(),
        Err(e) => match take_problems(&s, e, &mut errors, |_| "alt_da") {
            Some(r) => r,
            None => page(
                &s,
                &of,
                now.as_ref(),
                &title,
                &back,
                (&u.alt_da, &u.alt_en),
                &errors,
            ),
        },
    }
}

/// Upload a job's photo.
pub(super) async fn post_job_photo(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    m: Multipart,
) -> Response {
    upload(&state, s, PhotoOf::Job(id), m).await
}

/// Upload an ambassador's photo.
pub(super) async fn post_ambassador_photo(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    m: Multipart,
) -> Response {
    upload(&state, s, PhotoOf::Ambassador(id), m).await
}

async fn remove(state: &AppState, s: Staff, of: PhotoOf) -> Response {
    let back = match current(state, &s, &of).await {
        Ok((_, _, back)) => back,
        Err(r) => return r,
    };
    match apply(state, &s, &of, None).await {
        Ok(()) => Redirect::to(&format!("{back}?gemt=1")).into_response(),
        Err(e) => take_problems(&s, e, &mut Errors::default(), |_| "file")
            .unwrap_or_else(|| not_yours(&s)),
    }
}

/// Take a job's photo away.
pub(super) async fn post_job_photo_remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    remove(&state, s, PhotoOf::Job(id)).await
}

/// A story's photo page.
pub(super) async fn story_photo_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Response {
    show(&state, s, PhotoOf::Story(id)).await
}

/// Upload a story's photo.
pub(super) async fn post_story_photo(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    m: Multipart,
) -> Response {
    upload(&state, s, PhotoOf::Story(id), m).await
}

/// Take a story's photo away.
pub(super) async fn post_story_photo_remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    remove(&state, s, PhotoOf::Story(id)).await
}

/// Take an ambassador's photo away.
pub(super) async fn post_ambassador_photo_remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    remove(&state, s, PhotoOf::Ambassador(id)).await
}

/// The body limit of an upload: the largest photo and the form around it.
pub(super) const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;
