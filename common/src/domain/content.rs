//! What the catalog shows besides jobs: photos (named by their content hash) and good
//! stories.

use serde::{Deserialize, Serialize};

use super::Catalog;

/// A good story about volunteering, as the portal and the kiosks' start screen show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    /// Stable id (slug).
    pub id: String,
    /// The site it belongs to.
    pub site_id: String,
    /// The job it belongs to, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<String>,
    /// Title in Danish.
    pub title: String,
    /// Title in English, if written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    /// The story in markdown (Danish).
    pub body_md: String,
    /// The story in markdown (English), if written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body_md_en: String,
    /// A photo, with its alternative text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
    /// The day it was published (`YYYY-MM-DD`): newest first on the portal.
    pub published_on: String,
}

impl Story {
    /// The title in `lang`: the English one when asked for and written.
    pub fn title(&self, lang: crate::text::Lang) -> &str {
        match lang {
            crate::text::Lang::En if !self.title_en.trim().is_empty() => &self.title_en,
            _ => &self.title,
        }
    }

    /// The text in `lang` and the language it is in.
    pub fn body(&self, lang: crate::text::Lang) -> (&str, crate::text::Lang) {
        match lang {
            crate::text::Lang::En if !self.body_md_en.trim().is_empty() => {
                (&self.body_md_en, crate::text::Lang::En)
            }
            _ => (&self.body_md, crate::text::Lang::Da),
        }
    }
}

/// A photo the catalog names: stored by the server by its content hash beside the catalog
/// (never inside the document), in the sizes kiosk and portal need, and fetched by kiosks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// The SHA-256 of its largest size, in hex: its name, the same for the same picture.
    pub id: String,
    /// What it shows, in Danish (required: read aloud to those who cannot see it).
    pub alt_da: String,
    /// What it shows, in English.
    #[serde(default)]
    pub alt_en: String,
    /// Width of the largest size, in pixels.
    pub width: u32,
    /// Height of the largest size, in pixels.
    pub height: u32,
}

impl Photo {
    /// What it shows, in `lang`: the English text where written, else the Danish.
    pub fn alt(&self, lang: crate::text::Lang) -> &str {
        match lang {
            crate::text::Lang::En if !self.alt_en.trim().is_empty() => &self.alt_en,
            _ => &self.alt_da,
        }
    }

    /// The id of a photo whose largest size is `bytes`: the SHA-256 of them, in hex. A kiosk
    /// checks what it fetched against the id the signed catalog names.
    pub fn id_of(bytes: &[u8]) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(bytes))
    }

    /// All photos the catalog names (jobs', ambassadors' and stories'), each once.
    pub fn named_by(c: &Catalog) -> Vec<&Photo> {
        let mut out: Vec<&Photo> = Vec::new();
        let all = c.opportunities.iter().filter_map(|o| o.photo.as_ref());
        let all = all
            .chain(c.ambassadors.iter().filter_map(|a| a.photo.as_ref()))
            .chain(c.stories.iter().filter_map(|s| s.photo.as_ref()));
        for p in all {
            if !out.iter().any(|q| q.id == p.id) {
                out.push(p);
            }
        }
        out
    }

    /// Whether `id` has the shape of a photo's id (64 lower-case hex digits).
    pub fn valid_id(id: &str) -> bool {
        id.len() == 64
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}
