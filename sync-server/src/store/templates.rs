//! Message templates an admin wrote, replacing the server's defaults until reset (see
//! `service::mail::templates`): one row per kind and language.

use serde::{Deserialize, Serialize};

use super::schema::TEMPLATES;
use super::{Store, StoreError, now};

/// An admin's version of one template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRow {
    /// One line.
    pub subject: String,
    /// Plain text with placeholders.
    pub body: String,
    /// RFC 3339.
    pub changed_at: String,
    /// Who wrote it.
    pub by: String,
}

fn key(kind: &str, lang: &str) -> String {
    format!("{kind}/{lang}")
}

impl Store {
    /// Every template an admin wrote: (kind, language, row).
    pub fn template_rows(&self) -> Result<Vec<(String, String, TemplateRow)>, StoreError> {
        let tx = self.read()?;
        let t = TEMPLATES.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, row) = item?;
            if let Some((kind, lang)) = k.value().split_once('/') {
                out.push((kind.to_owned(), lang.to_owned(), row));
            }
        }
        Ok(out)
    }

    /// Save an admin's version of `kind` in `lang`.
    pub fn set_template(
        &self,
        kind: &str,
        lang: &str,
        subject: &str,
        body: &str,
        by: &str,
    ) -> Result<(), StoreError> {
        let row = TemplateRow {
            subject: subject.to_owned(),
            body: body.to_owned(),
            changed_at: now(),
            by: by.to_owned(),
        };
        let tx = self.write()?;
        TEMPLATES
            .open(&tx)?
            .insert(key(kind, lang).as_str(), &row)?;
        tx.commit()?;
        Ok(())
    }

    /// Go back to the default of `kind` in `lang`.
    pub fn reset_template(&self, kind: &str, lang: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        TEMPLATES.open(&tx)?.remove(key(kind, lang).as_str())?;
        tx.commit()?;
        Ok(())
    }
}
