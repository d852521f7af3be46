//! Identifiers that cross modules, as types: a kiosk id is not a signup id, and a value of
//! either type has passed the check of its kind, once, where it came in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::sync::valid_kiosk_id;

/// A kiosk's id: 1-40 lower-case letters, digits and dashes (it is part of the kiosk's peer
/// id and of its device token).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KioskId(String);

impl KioskId {
    /// `s` as a kiosk id, if it is one.
    pub fn parse(s: &str) -> Option<KioskId> {
        valid_kiosk_id(s).then(|| KioskId(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A signup's id as a request may name it: 1-64 ASCII letters, digits, `-` or `_` (what the
/// kiosks and the server make; anything else names no signup).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SignupId(String);

impl SignupId {
    /// `s` as a signup id, if it can be one.
    pub fn parse(s: &str) -> Option<SignupId> {
        let plausible = (1..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        plausible.then(|| SignupId(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_conversions {
    ($($t:ident: $what:literal),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $t {
            type Error = String;

            fn try_from(s: String) -> Result<Self, String> {
                $t::parse(&s).ok_or_else(|| format!(concat!("not a ", $what, ": {:?}"), s))
            }
        }

        impl From<$t> for String {
            fn from(id: $t) -> String {
                id.0
            }
        }
    )*};
}

text_conversions!(KioskId: "kiosk id", SignupId: "signup id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_once_where_they_come_in() {
        assert_eq!(
            KioskId::parse("bibliotek-1")
                .map(|k| k.to_string())
                .as_deref(),
            Some("bibliotek-1")
        );
        for bad in ["", "Bibliotek", "web/1", &"k".repeat(41)] {
            assert!(KioskId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(SignupId::parse("01JDX-abc_9").is_some());
        for bad in ["", "a b", "../x", &"s".repeat(65)] {
            assert!(SignupId::parse(bad).is_none(), "{bad:?}");
        }
        let id: Result<KioskId, _> = serde_json::from_str("\"Not A Kiosk\"");
        assert!(id.is_err());
        let id: KioskId = serde_json::from_str("\"k1\"").expect("a kiosk id");
        assert_eq!(serde_json::to_string(&id).expect("json"), "\"k1\"");
    }
}
