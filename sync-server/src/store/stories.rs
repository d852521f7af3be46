//! Good stories as the editors keep them: the story, whether it is published, and the
//! consent of every person it names or shows (who, when, how). A story is published when
//! the catalog (which kiosks and the portal read) holds a copy; the consents never leave
//! the server.

use serde::{Deserialize, Serialize};

use frivillig_common::domain::Story;

use super::schema::STORIES;
use super::{Store, StoreError};

/// The consent of one person named or shown in a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonConsent {
    /// Their name.
    pub name: String,
    /// The day they agreed (`YYYY-MM-DD`).
    pub given_on: String,
    /// How: in writing on paper, by e-mail, on the consent form.
    pub how: String,
}

/// A story with what only the editors see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryRow {
    /// The story (its `published_on` is the day it was first published, or empty).
    pub story: Story,
    /// Everyone named or shown, with their consent.
    pub people: Vec<PersonConsent>,
    /// Set when nobody can be recognised in it (then no consent is needed).
    pub no_one_recognisable: bool,
    /// Who saved it last.
    pub updated_by: String,
    /// When (RFC 3339).
    pub updated_at: String,
}

impl Store {
    /// Every story, by id.
    pub fn stories(&self) -> Result<Vec<StoryRow>, StoreError> {
        let tx = self.read()?;
        let t = STORIES.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            out.push(item?.1);
        }
        Ok(out)
    }

    /// The story `id`.
    pub fn story(&self, id: &str) -> Result<Option<StoryRow>, StoreError> {
        STORIES.read(&self.read()?)?.get(id)
    }
}

/// Store `row` under its story's id, in `tx` (the caller's, with its audit entry).
pub fn put_story(tx: &redb::WriteTransaction, row: &StoryRow) -> Result<(), StoreError> {
    STORIES.open(tx)?.insert(row.story.id.as_str(), row)
}
