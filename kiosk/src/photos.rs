//! The photos the catalog names, fetched over the device API and kept in the kiosk's store
//! so it shows them offline. A photo is taken only if its bytes hash to the id the signed
//! catalog names, so a photo that was altered on the way is never shown; one the catalog
//! no longer names is deleted.

use frivillig_common::domain::Photo;

use crate::core::KioskCore;

/// The size a kiosk keeps: its screens are 1080 px wide.
pub const KIOSK_SIZE: &str = "large";

/// Fetch every photo the catalog names that the kiosk does not hold yet. Returns how many
/// it fetched; one that fails is tried again at the next round.
pub(crate) async fn fetch_missing(
    core: &KioskCore,
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> usize {
    let Some(catalog) = core.catalog() else {
        return 0;
    };
    let named = Photo::named_by(&catalog);
    let keep: std::collections::HashSet<&str> = named.iter().map(|p| p.id.as_str()).collect();
    if let Err(e) = core.inner.store.drop_photos_except(&keep) {
        tracing::warn!(error = %e, "photos the catalog no longer names could not be deleted");
    }
    let mut fetched = 0;
    for photo in named {
        match core.inner.store.photo(&photo.id) {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the kiosk's store cannot be read");
                return fetched;
            }
        }
        let url = format!("{base}/api/device/photos/{}/{KIOSK_SIZE}", photo.id);
        let bytes = match http.get(&url).bearer_auth(token).send().await {
            Ok(r) if r.status().is_success() => r.bytes().await.ok(),
            Ok(r) => {
                tracing::warn!(status = %r.status(), photo = %photo.id, "photo not fetched");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, photo = %photo.id, "photo not fetched");
                None
            }
        };
        let Some(bytes) = bytes else { continue };
        if Photo::id_of(&bytes) != photo.id {
            tracing::warn!(photo = %photo.id, "a photo did not match its id; not kept");
            continue;
        }
        match core.inner.store.put_photo(&photo.id, &bytes) {
            Ok(()) => fetched += 1,
            Err(e) => tracing::warn!(error = %e, "a photo could not be kept"),
        }
    }
    fetched
}
