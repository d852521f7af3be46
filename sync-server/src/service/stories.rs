//! Good stories: editors (coordinators for their own sites, admins for all) write a story,
//! record the consent of every person it names or shows, and publish it; publishing puts a
//! copy into the catalog, so the portal shows it and every kiosk gets it at its next sync;
//! unpublishing takes it out again (and kiosks drop its photo). A story is published exactly
//! when the catalog holds it, so an import or a restore can never leave the two disagreeing.

use chrono::{NaiveDate, SecondsFormat, Utc};
use frivillig_common::catalog_check::{CatalogProblem, Thing, catalog_problems};
use frivillig_common::domain::{Catalog, Photo, Story};

use crate::AppState;
use crate::service::audit::append_audit;
use crate::service::catalog::{CatalogChangeError, catalog, change_catalog};
use crate::service::catalog_edit::Editor;
use crate::service::{ServiceError, blocking};
use crate::store::StoreError;
use crate::store::stories::{PersonConsent, StoryRow, put_story};

/// Why a story cannot be published yet, in Danish and English, one per missing consent.
pub fn consent_problems(row: &StoryRow) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if row.people.is_empty() && !row.no_one_recognisable {
        out.push((
            "Skriv hver person, historien nævner eller viser, med deres samtykke, eller kryds af, at ingen kan genkendes.",
            "List every person the story names or shows, with their consent, or tick that no one can be recognised.",
        ));
    }
    for p in &row.people {
        let dated = NaiveDate::parse_from_str(p.given_on.trim(), "%Y-%m-%d").is_ok();
        if p.name.trim().is_empty() || !dated || p.how.trim().is_empty() {
            out.push((
                "Hver person skal have navn, dato for samtykket og hvordan det er givet.",
                "Each person needs a name, the day of their consent and how it was given.",
            ));
            break;
        }
    }
    out
}

/// What the catalog's rules say of `story` (its id, site, job, photo), as it would stand.
pub fn story_problems(catalog: &Catalog, story: &Story) -> Vec<CatalogProblem> {
    let mut trial = catalog.clone();
    trial.stories.retain(|s| s.id != story.id);
    trial.stories.push(story.clone());
    catalog_problems(&trial)
        .into_iter()
        .filter(|p| p.thing == Thing::Story && p.id == story.id)
        .collect()
}

/// Every story this editor may edit, and whether each is published.
pub async fn stories(
    state: &AppState,
    editor: &Editor,
) -> Result<Vec<(StoryRow, bool)>, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let rows = blocking(move || Ok(st.store.stories()?)).await?;
    Ok(rows
        .into_iter()
        .filter(|r| editor.may_edit(&r.story.site_id))
        .map(|r| {
            let published = catalog.stories.iter().any(|s| s.id == r.story.id);
            (r, published)
        })
        .collect())
}

/// The story `id` if this editor may edit it, and whether it is published.
pub async fn story(
    state: &AppState,
    editor: &Editor,
    id: &str,
) -> Result<(StoryRow, bool), ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let key = id.to_owned();
    let row = blocking(move || Ok(st.store.story(&key)?)).await?;
    let row = row
        .filter(|r| editor.may_edit(&r.story.site_id))
        .ok_or(ServiceError::NotFound)?;
    let published = catalog.stories.iter().any(|s| s.id == id);
    Ok((row, published))
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn write(
    state: &AppState,
    row: StoryRow,
    by: &str,
    detail: &str,
) -> Result<(), ServiceError> {
    let st = state.clone();
    let (by, detail) = (by.to_owned(), detail.to_owned());
    blocking(move || {
        let tx = st.store.write()?;
        put_story(&tx, &row)?;
        append_audit(&tx, &by, "story", &row.story.id, &detail)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    })
    .await
}

/// Put the published copy of `story` into the catalog (or take it out with `publish` false).
async fn in_catalog(
    state: &AppState,
    by: &str,
    story: Story,
    publish: bool,
) -> Result<(), CatalogChangeError> {
    let target = format!("story {}", story.id);
    let detail = if publish { "published" } else { "unpublished" };
    change_catalog(state, by, &target, detail, move |c| {
        c.stories.retain(|s| s.id != story.id);
        if publish {
            c.stories.push(story);
        }
        Ok(())
    })
    .await
    .map(|_| ())
}

/// Save a story (new when `existing` is `None`), keeping its photo and first day of
/// publication. A published story's copy in the catalog follows at once.
pub async fn save(
    state: &AppState,
    editor: &Editor,
    existing: Option<&str>,
    mut story: Story,
    people: Vec<PersonConsent>,
    no_one_recognisable: bool,
) -> Result<(), CatalogChangeError> {
    if !editor.may_edit(&story.site_id) {
        return Err(ServiceError::NotFound.into());
    }
    let catalog = catalog(state).await?;
    let mut published = false;
    match existing {
        Some(id) => {
            let (old, was) = self::story(state, editor, id).await?;
            story.id = id.to_owned();
            story.photo = old.story.photo;
            story.published_on = old.story.published_on;
            published = was;
        }
        None => {
            let st = state.clone();
            let id = story.id.clone();
            if blocking(move || Ok(st.store.story(&id)?)).await?.is_some() {
                return Err(
                    ServiceError::Conflict("Findes allerede. / Already exists.".into()).into(),
                );
            }
            story.photo = None;
            story.published_on = String::new();
        }
    }
    let problems = story_problems(&catalog, &story);
    if !problems.is_empty() {
        return Err(CatalogChangeError::Problems(problems));
    }
    let row = StoryRow {
        story: story.clone(),
        people,
        no_one_recognisable,
        updated_by: editor.username.clone(),
        updated_at: now(),
    };
    if published && !consent_problems(&row).is_empty() {
        return Err(ServiceError::Invalid(
            "En udgivet historie skal have samtykke fra alle i den. Afpublicér den først. / A published story needs everyone's consent. Unpublish it first.".into(),
        )
        .into());
    }
    write(
        state,
        row,
        &editor.username,
        if existing.is_some() {
            "saved"
        } else {
            "created"
        },
    )
    .await?;
    if published {
        in_catalog(state, &editor.username, story, true).await?;
    }
    Ok(())
}

/// Publish the story: only with everyone's consent recorded. The first day of publication
/// is kept across unpublishing and publishing again.
pub async fn publish(
    state: &AppState,
    editor: &Editor,
    id: &str,
) -> Result<(), CatalogChangeError> {
    let (mut row, _) = story(state, editor, id).await?;
    if let Some((da, en)) = consent_problems(&row).first() {
        return Err(ServiceError::Invalid(format!("{da} / {en}")).into());
    }
    if row.story.published_on.is_empty() {
        row.story.published_on = frivillig_common::offer::glostrup_now()
            .date_naive()
            .to_string();
        write(state, row.clone(), &editor.username, "first published").await?;
    }
    in_catalog(state, &editor.username, row.story, true).await
}

/// Take the story out of the catalog: gone from the portal, and from every kiosk at its
/// next sync (photo included).
pub async fn unpublish(
    state: &AppState,
    editor: &Editor,
    id: &str,
) -> Result<(), CatalogChangeError> {
    let (row, _) = story(state, editor, id).await?;
    in_catalog(state, &editor.username, row.story, false).await
}

/// Give the story `photo` (or none); a published story's copy follows.
pub async fn set_photo(
    state: &AppState,
    editor: &Editor,
    id: &str,
    photo: Option<Photo>,
) -> Result<(), CatalogChangeError> {
    let (mut row, published) = story(state, editor, id).await?;
    row.story.photo = photo;
    let detail = if row.story.photo.is_some() {
        "photo"
    } else {
        "photo removed"
    };
    // Checked as the catalog would check it (the alternative text) before anything is kept.
    let problems = story_problems(&catalog(state).await?, &row.story);
    if !problems.is_empty() {
        return Err(CatalogChangeError::Problems(problems));
    }
    let story = row.story.clone();
    write(state, row, &editor.username, detail).await?;
    if published {
        in_catalog(state, &editor.username, story, true).await?;
    }
    Ok(())
}
