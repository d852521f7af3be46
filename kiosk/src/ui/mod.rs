//! The screens, drawn with egui from a [`KioskState`] and the catalog. Nothing here changes
//! state: every function draws and returns the [`Event`]s the visitor caused; the app hands
//! them to [`KioskState::handle`] after the frame.

mod keyboard;
mod look;
mod qr;
mod screens;

pub use screens::{enrolled_ui, setup_ui};

use std::collections::{BTreeMap, HashMap};

use egui::Ui;
use frivillig_common::domain::{Catalog, Opportunity, Shift};

use crate::core::SyncStatus;
use crate::state::{Event, KioskState, Lang};

pub use look::install_look;
pub use qr::qr_ui;

/// What the screens show besides the state: the catalog and how the kiosk is doing.
pub struct View<'a> {
    /// The last catalog received as offered now (no shift that has started, no job out of
    /// its visible days), if any: what the lists and the form show.
    pub catalog: Option<&'a Catalog>,
    /// The last catalog received, whole: the confirmation names a shift even if it started
    /// while the visitor read the receipt.
    pub received: Option<&'a Catalog>,
    /// The catalog's photos the kiosk holds, by id.
    pub photos: &'a HashMap<String, egui::TextureHandle>,
    /// The site this kiosk stands at.
    pub site_id: &'a str,
    /// This kiosk's id, for staff mode.
    pub kiosk_id: &'a str,
    /// The server it syncs with, for staff mode.
    pub server_url: &'a str,
    /// Sync state.
    pub status: &'a SyncStatus,
    /// Spots taken per shift: the server's last count plus every signup this kiosk holds
    /// (its own and, in festival mode, its peers') that the server had not acknowledged.
    pub taken_server: &'a BTreeMap<String, u32>,
    /// The staff board: tonight's shifts of the site over every journal held.
    pub board: &'a [crate::core::BoardShift],
    /// The site's kiosks heard from (festival mode), by id.
    pub peers: &'a BTreeMap<String, crate::core::PeerSeen>,
    /// Where this kiosk listens for its peers, as it tells them (festival mode).
    pub own_addresses: &'a [String],
    /// Staff's list of peer addresses.
    pub typed_peers: &'a [String],
    /// Seconds on egui's clock.
    pub now: f64,
    /// Full screen and cursor hidden.
    pub kiosk_mode: bool,
}

impl View<'_> {
    /// Spots left on a shift: its capacity less the spots taken as the kiosk knows them.
    /// Signups at kiosks it cannot see since the last contact are not known here; the
    /// screens say so when the kiosk is offline.
    pub fn spots_left(&self, shift: &Shift) -> i64 {
        let taken = self.taken_server.get(&shift.id).copied().unwrap_or(0);
        i64::from(shift.capacity) - i64::from(taken)
    }

    /// The job's title in the current language (English falls back to Danish).
    pub fn title<'o>(&self, lang: Lang, o: &'o Opportunity) -> &'o str {
        frivillig_common::text::job_title(lang, o)
    }

    /// The name of a site, or its id if the catalog lacks it.
    pub fn site_name<'v>(&'v self, site_id: &'v str) -> &'v str {
        self.catalog
            .map_or(site_id, |c| frivillig_common::text::site_name(c, site_id))
    }
}

/// Draw the whole kiosk for one frame and return what the visitor did.
pub fn kiosk_ui(ui: &mut Ui, view: &View<'_>, state: &KioskState) -> Vec<Event> {
    let mut events = Vec::new();
    screens::kiosk_screens_ui(ui, view, state, &mut events);
    events
}

/// English names of the catalog's themes; unknown themes are shown as written.
pub fn theme_label(lang: Lang, theme: &str) -> String {
    if lang == Lang::Da {
        return first_upper(theme);
    }
    let en = match theme {
        "kultur" => "Culture",
        "ældre" => "Older people",
        "børn og unge" => "Children and young people",
        "miljø" => "Environment",
        "idræt" | "sport" => "Sport",
        "sundhed" => "Health",
        "fællesskab" => "Community",
        other => return first_upper(other),
    };
    en.to_owned()
}

fn first_upper(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
