//! Good stories through the admin app and the portal: a story is saved as a draft, cannot be
//! published before everyone in it has consented, gets a photo, is published onto the
//! portal's front page and its own page, is not another site's coordinator's to touch, and
//! is gone from the portal once unpublished. (The kiosk's side is in `ui_catalog`.)

use frivillig_tests::{Browser, TestServer};

use crate::admin::photos::{multipart, phone_photo};
use crate::admin::{catalog, coordinator_of_kulturnat, csrf_of};

const ID: &str = "lektier-med-sofie";
const TITLE: &str = "Sofie har hjulpet med lektier i tre år";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_is_published_only_with_consent_and_unpublished_leaves_the_portal()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let csrf = csrf_of(&mut admin, "/admin/historier/ny").await?;
    let mut story = vec![
        ("csrf", csrf.as_str()),
        ("id", ID),
        ("site", "bibliotek"),
        ("job", "lektiecafe"),
        ("title", TITLE),
        ("title_en", "Sofie has helped with homework for three years"),
        (
            "body",
            "Hver tirsdag sidder Sofie i lektiecaféen.\n\nHun siger: Det bedste er, når det går op for dem.",
        ),
        ("people", ""),
    ];
    let a = admin.post("/admin/historier/ny", &story).await?;
    anyhow::ensure!(a.status == 303, "save: {} {}", a.status, a.text());
    let page = admin.get(&format!("/admin/historier/{ID}")).await?.text();
    anyhow::ensure!(
        page.contains("Skriv hver person") && !page.contains("/udgiv"),
        "a story without consent offers to publish: {page}"
    );
    admin
        .post(
            &format!("/admin/historier/{ID}/udgiv"),
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(
        catalog(&server).await?.stories.is_empty(),
        "published without consent"
    );

    // Sofie's consent recorded; a photo with its alternative text.
    story.retain(|(k, _)| *k != "people" && *k != "id");
    story.push(("people", "Sofie Berg; 2026-11-20; skriftligt på papir"));
    let a = admin
        .post(&format!("/admin/historier/{ID}"), &story)
        .await?;
    anyhow::ensure!(
        a.status == 303,
        "save with consent: {} {}",
        a.status,
        a.text()
    );
    let alt = "Sofie og en elev bøjet over en matematikbog";
    let (ct, body) = multipart(
        &[("csrf", csrf.as_str()), ("alt_da", alt)],
        &phone_photo(1600, 1200),
    );
    let a = admin
        .post_raw(&format!("/admin/historier/{ID}/foto"), &ct, body)
        .await?;
    anyhow::ensure!(a.status == 303, "photo: {} {}", a.status, a.text());
    let a = admin
        .post(
            &format!("/admin/historier/{ID}/udgiv"),
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "publish: {} {}", a.status, a.text());
    let c = catalog(&server).await?;
    let photo = c
        .stories
        .iter()
        .find(|s| s.id == ID)
        .and_then(|s| s.photo.clone())
        .ok_or_else(|| anyhow::anyhow!("not in the catalog with its photo: {:?}", c.stories))?;

    // The portal's front page and the story's own page.
    let mut visitor = Browser::new(&server.url())?;
    let front = visitor.get("/").await?;
    let text = front.text();
    anyhow::ensure!(
        front.status == 200
            && text.contains(TITLE)
            && text.contains(&format!("/foto/{}/small", photo.id))
            && text.contains(alt)
            && text.contains("ulønnet")
            && text.contains("<h2 id=\"stories\">"),
        "{text}"
    );
    let own = visitor.get(&format!("/historier/{ID}")).await?.text();
    anyhow::ensure!(
        own.contains("Hver tirsdag sidder Sofie") && own.contains("/frivilligjob/lektiecafe"),
        "{own}"
    );
    let en = visitor.get("/?lang=en").await?.text();
    anyhow::ensure!(en.contains("Sofie has helped with homework"), "{en}");

    // The festival's coordinator can neither see nor publish nor unpublish it.
    let mut kim = coordinator_of_kulturnat(&server).await?;
    let kim_csrf = csrf_of(&mut kim, "/admin/historier").await?;
    anyhow::ensure!(kim.get(&format!("/admin/historier/{ID}")).await?.status == 404);
    for action in ["afpublicer", "udgiv"] {
        let a = kim
            .post(
                &format!("/admin/historier/{ID}/{action}"),
                &[("csrf", kim_csrf.as_str())],
            )
            .await?;
        anyhow::ensure!(a.status == 404, "{action} by kim: {}", a.status);
    }
    anyhow::ensure!(
        !catalog(&server).await?.stories.is_empty(),
        "kim unpublished it"
    );

    // Unpublished: gone from the front page and its own page.
    let a = admin
        .post(
            &format!("/admin/historier/{ID}/afpublicer"),
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "unpublish: {}", a.status);
    anyhow::ensure!(
        !visitor.get("/").await?.text().contains(TITLE),
        "still on the front page"
    );
    anyhow::ensure!(visitor.get(&format!("/historier/{ID}")).await?.status == 404);
    // The draft and the consent stay with the editors.
    let row = server
        .state
        .store
        .story(ID)?
        .ok_or_else(|| anyhow::anyhow!("draft gone"))?;
    anyhow::ensure!(row.people.len() == 1 && row.people[0].name == "Sofie Berg");
    server.stop().await;
    Ok(())
}
