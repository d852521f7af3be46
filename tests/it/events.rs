//! Events and invitations, against a real SMTP server process: a party invitation to "the
//! active volunteers of the library in 2026" reaches exactly those people (one message per
//! address, in their language; the phone-only listed for a call; who said no to invitations
//! through an earlier invitation's page gets nothing); an answer through the link shows on
//! the event's page and a second click changes nothing; the one reminder goes only to those
//! who did not answer. And an offline kiosk takes registrations for a theme meeting, which
//! arrive like signups.

use std::time::Duration;

use frivillig_common::domain::{
    Audience, Catalog, EventInfo, EventKind, Opportunity, Requirements, Shift, SignupForm, Status,
};
use frivillig_common::ids::SignupId;
use frivillig_common::text::Lang;
use frivillig_sync_server::service::catalog::replace_catalog;
use frivillig_sync_server::service::signups::change_status;
use frivillig_sync_server::service::web_signup::web_signup;
use frivillig_sync_server::store::outbox::MessageKind;
use frivillig_tests::smtp::SmtpSink;
use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, synced_kiosk, visitor_form, wait_status,
};

use crate::mail::{Mail, parsed, to_sink};

fn entry(id: &str, site: &str, title: &str, title_en: &str, shift: Shift) -> Opportunity {
    Opportunity {
        id: id.into(),
        site_id: site.into(),
        title: title.into(),
        title_en: title_en.into(),
        theme: "fællesskab".into(),
        description_md: "Mad, musik og tak for indsatsen.".into(),
        description_md_en: "Food, music and thanks for your work.".into(),
        requirements: Requirements::default(),
        shifts: vec![shift],
        ambassador_id: None,
        contact: String::new(),
        visible_from: None,
        visible_until: None,
        photo: None,
        event: None,
    }
}

fn shift(id: &str, starts: String, ends: String, capacity: u32) -> Shift {
    Shift {
        id: id.into(),
        starts,
        ends,
        capacity,
    }
}

/// The volunteer party: by invitation, on Frivillig Fredag 2027.
pub(crate) fn party() -> Opportunity {
    let mut party = entry(
        "frivilligfest",
        "kulturnat",
        "Frivilligfesten 2027",
        "Volunteer party 2027",
        shift(
            "frivilligfest-aften",
            "2027-09-24T17:00:00+02:00".into(),
            "2027-09-24T22:00:00+02:00".into(),
            100,
        ),
    );
    party.event = Some(EventInfo {
        kind: EventKind::Party,
        place: "Glostrup Hallen, Store sal".into(),
        audience: Audience::Invited,
        register_until: Some("2027-09-10".into()),
    });
    party
}

/// The demo catalog with a library job in 2027, the volunteer party (by invitation, on
/// Frivillig Fredag 2027) and an open theme meeting at the library a week from now.
pub(crate) fn catalog_with_events() -> Catalog {
    let mut c = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50)]);
    c.opportunities.push(entry(
        "bogcafe",
        "bibliotek",
        "Bogcafé i det nye år",
        "Book café in the new year",
        shift(
            "bogcafe-jan",
            "2027-01-15T14:00:00+01:00".into(),
            "2027-01-15T16:00:00+01:00".into(),
            5,
        ),
    ));
    c.opportunities.push(party());
    let week = frivillig_common::offer::glostrup_now() + chrono::Duration::days(7);
    let at = |h: u32| {
        week.date_naive()
            .and_hms_opt(h, 0, 0)
            .map(|t| format!("{}+01:00", t.format("%Y-%m-%dT%H:%M:%S")))
            .unwrap_or_default()
    };
    let mut meeting = entry(
        "temamoede",
        "bibliotek",
        "Temamøde: frivillige og erhvervsliv",
        "Theme meeting: volunteers and businesses",
        shift("temamoede-aften", at(18), at(20), 30),
    );
    meeting.event = Some(EventInfo {
        kind: EventKind::ThemeMeeting,
        place: String::new(),
        audience: Audience::Open,
        register_until: None,
    });
    c.opportunities.push(meeting);
    c
}

/// A web signup for `job`, given status `status`. Its id.
async fn volunteer(
    server: &TestServer,
    job: &str,
    shift: Option<&str>,
    form: &SignupForm,
    status: Status,
) -> anyhow::Result<String> {
    let r = web_signup(&server.state, job, shift, form)
        .await
        .map_err(|e| anyhow::anyhow!("web signup for {job}: {e:?}"))?;
    if status != Status::New {
        let id = SignupId::parse(&r.signup_id).ok_or_else(|| anyhow::anyhow!("id"))?;
        change_status(&server.state, &id, status, "admin").await?;
    }
    Ok(r.signup_id)
}

fn person(name: &str, email: &str) -> SignupForm {
    let mut f = visitor_form("fest", 0);
    f.name = name.into();
    f.email = email.into();
    f
}

/// The messages to `to` whose subject holds `subject`.
fn to<'a>(mails: &'a [Mail], to: &str, subject: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.to == to && m.subject.contains(subject))
        .collect()
}

/// Wait until `n` received messages have a subject holding `subject`; every message.
async fn wait_mails(sink: &SmtpSink, subject: &str, n: usize) -> anyhow::Result<Vec<Mail>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mails = parsed(sink)?;
        let got = mails.iter().filter(|m| m.subject.contains(subject)).count();
        if got >= n {
            return Ok(mails);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{got} of {n} messages about {subject:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The path of the link in `text` that ends with `?svar=<answer>`.
fn link(text: &str, answer: &str) -> anyhow::Result<String> {
    text.split_whitespace()
        .filter_map(|w| w.find("/invitation/").map(|i| &w[i..]))
        .find(|w| w.ends_with(&format!("?svar={answer}")))
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no {answer} link in:\n{text}"))
}

/// Answer through the page behind `path` (a link from a message).
async fn answer(b: &mut Browser, path: &str, yes: bool) -> anyhow::Result<()> {
    let page = b.get(path).await?;
    let (first, second) = if yes {
        ("value=\"ja\"", "value=\"nej\"")
    } else {
        ("value=\"nej\"", "value=\"ja\"")
    };
    // The answer the link was for is the first button.
    let text = page.text();
    let order = text.find(first).zip(text.find(second));
    anyhow::ensure!(
        page.status == 200 && order.is_some_and(|(a, b)| a < b),
        "{}: {}",
        page.status,
        page.text()
    );
    let base = path.split('?').next().unwrap_or(path);
    let done = b
        .post(base, &[("svar", if yes { "ja" } else { "nej" })])
        .await?;
    anyhow::ensure!(
        done.status == 200,
        "answer: {} {}",
        done.status,
        done.text()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_invitation_reaches_the_active_volunteers_of_the_library_in_2026_and_no_one_else()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, to_sink(sink.port)).await?;
    replace_catalog(&server.state, catalog_with_events(), "admin").await?;

    let mut anna = person("Anna Andersen", "anna@example.dk");
    anna.lang = Lang::En;
    let a = volunteer(
        &server,
        "lektiecafe",
        Some("lektiecafe-tor"),
        &anna,
        Status::Active,
    )
    .await?;
    // The same person on a second job: still one invitation.
    volunteer(&server, "hojtlaesning", None, &anna, Status::Active).await?;
    let bo = person("Bo Berg", "bo@example.dk");
    let bo_signup = volunteer(&server, "hojtlaesning", None, &bo, Status::Active).await?;
    let carl = person("Carl Carlsen", "carl@example.dk");
    volunteer(&server, "gaatur", Some("gaatur-lor"), &carl, Status::Active).await?;
    let dina = person("Dina Dam", "dina@example.dk");
    volunteer(
        &server,
        "lektiecafe",
        Some("lektiecafe-tor"),
        &dina,
        Status::New,
    )
    .await?;
    let poul = person("Poul Telefon", "");
    volunteer(&server, "hojtlaesning", None, &poul, Status::Active).await?;
    let frida = person("Frida Fravalgt", "frida@example.dk");
    volunteer(&server, "hojtlaesning", None, &frida, Status::Active).await?;
    let hans = person("Hans Senere", "hans@example.dk");
    volunteer(
        &server,
        "bogcafe",
        Some("bogcafe-jan"),
        &hans,
        Status::Active,
    )
    .await?;

    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);

    // Frida says no to invitations on the page behind an earlier one (the theme meeting).
    let look = "/admin/arrangementer/temamoede/inviter?hvem=aktive&site:bibliotek=ja";
    let csrf = crate::admin::csrf_of(&mut admin, look).await?;
    let sent = admin
        .post(
            "/admin/arrangementer/temamoede/inviter",
            &[
                ("csrf", csrf.as_str()),
                ("hvem", "aktive"),
                ("site:bibliotek", "ja"),
            ],
        )
        .await?;
    anyhow::ensure!(sent.status == 303, "send: {} {}", sent.status, sent.text());
    let mails = wait_mails(&sink, "Invitation: T", 4).await?;
    let to_frida = to(&mails, &frida.email, "Temamøde");
    anyhow::ensure!(to_frida.len() == 1, "frida: {}", to_frida.len());
    let stop_page = link(&to_frida[0].text, "ja")?;
    let mut frida_browser = Browser::new(&server.url())?;
    let stop = frida_browser
        .post(
            stop_page.split('?').next().unwrap_or(""),
            &[("svar", "stop")],
        )
        .await?;
    anyhow::ensure!(
        stop.status == 200 && stop.text().contains("ikke flere invitationer"),
        "{}",
        stop.text()
    );

    // The party: who it reaches, the count and the preview, before anything is sent.
    let look = "/admin/arrangementer/frivilligfest/inviter?hvem=aktive&site:bibliotek=ja&fra=2026-01-01&til=2026-12-31";
    let page = admin.get(look).await?;
    let text = page.text();
    anyhow::ensure!(
        page.status == 200
            && text.contains("2 får invitationen på e-mail")
            && text.contains("1 har frabedt sig invitationer")
            && text.contains("Poul Telefon")
            && text.contains("Glostrup Hallen, Store sal"),
        "{text}"
    );
    let queued = |kind: MessageKind| -> anyhow::Result<Vec<String>> {
        Ok(server
            .state
            .store
            .messages(None, 1000)?
            .into_iter()
            .filter(|(_, m)| m.message.kind == kind && m.message.subject.contains("2027"))
            .map(|(_, m)| m.message.to)
            .collect())
    };
    anyhow::ensure!(
        queued(MessageKind::Invitation)?.is_empty(),
        "sent on looking"
    );
    let csrf = page.field("csrf").ok_or_else(|| anyhow::anyhow!("csrf"))?;
    let form = [
        ("csrf", csrf.as_str()),
        ("hvem", "aktive"),
        ("site:bibliotek", "ja"),
        ("fra", "2026-01-01"),
        ("til", "2026-12-31"),
    ];
    let sent = admin
        .post("/admin/arrangementer/frivilligfest/inviter", &form)
        .await?;
    anyhow::ensure!(sent.status == 303, "send: {}", sent.status);
    let mut invited = queued(MessageKind::Invitation)?;
    invited.sort();
    anyhow::ensure!(
        invited == [anna.email.clone(), bo.email.clone()],
        "{invited:?}"
    );
    // Sending again reaches no one twice.
    admin
        .post("/admin/arrangementer/frivilligfest/inviter", &form)
        .await?;
    anyhow::ensure!(queued(MessageKind::Invitation)?.len() == 2, "invited twice");

    let mails = wait_mails(&sink, "2027", 2).await?;
    let party: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.subject.contains("2027"))
        .collect();
    anyhow::ensure!(party.len() == 2, "party mails: {}", party.len());
    let to_anna = to(&mails, &anna.email, "Volunteer party 2027");
    anyhow::ensure!(
        to_anna.len() == 1 && to_anna[0].text.contains("invites you"),
        "anna's invitation is in English: {:?}",
        to_anna.first().map(|m| &m.text)
    );

    // Anna accepts through her link; the event page shows it; a second click changes
    // nothing.
    let mut anna_browser = Browser::new(&server.url())?;
    let yes = link(&to_anna[0].text, "ja")?;
    answer(&mut anna_browser, &yes, true).await?;
    let first = server.state.store.invitations("frivilligfest")?;
    let accepted = |inv: &[frivillig_sync_server::store::invitations::Invitation]| {
        inv.iter()
            .filter(|i| i.answer.as_ref().is_some_and(|a| a.coming))
            .map(|i| (i.email.clone(), i.answer.clone()))
            .collect::<Vec<_>>()
    };
    anyhow::ensure!(accepted(&first).len() == 1 && accepted(&first)[0].0 == anna.email);
    let event_page = admin.get("/admin/arrangementer/frivilligfest").await?;
    let text = event_page.text();
    anyhow::ensure!(
        text.contains("Kommer: 1")
            && text.contains("Intet svar: 1")
            && text.contains("Anna Andersen"),
        "{text}"
    );
    answer(&mut anna_browser, &yes, true).await?;
    anyhow::ensure!(
        accepted(&server.state.store.invitations("frivilligfest")?) == accepted(&first),
        "a second click changed the answer"
    );

    // One reminder, to Bo only, however often it is asked for.
    let csrf = crate::admin::csrf_of(&mut admin, "/admin/arrangementer/frivilligfest").await?;
    for _ in 0..2 {
        admin
            .post(
                "/admin/arrangementer/frivilligfest/paamind",
                &[("csrf", csrf.as_str())],
            )
            .await?;
    }
    anyhow::ensure!(
        queued(MessageKind::InvitationReminder)? == [bo.email.clone()],
        "{:?}",
        queued(MessageKind::InvitationReminder)?
    );
    let mails = wait_mails(&sink, "Kommer du?", 1).await?;
    let reminder = to(&mails, &bo.email, "Kommer du?");
    anyhow::ensure!(reminder.len() == 1, "reminders to bo: {}", reminder.len());
    // The reminder's own link answers.
    let mut bo_browser = Browser::new(&server.url())?;
    answer(&mut bo_browser, &link(&reminder[0].text, "nej")?, false).await?;
    let text = admin
        .get("/admin/arrangementer/frivilligfest")
        .await?
        .text();
    anyhow::ensure!(
        text.contains("Kommer ikke: 1") && text.contains("Intet svar: 0"),
        "{text}"
    );

    // Nobody else got anything about the party, and Frida nothing after saying no.
    let mails = parsed(&sink)?;
    for m in mails.iter().filter(|m| m.subject.contains("2027")) {
        anyhow::ensure!(
            m.to == anna.email || m.to == bo.email,
            "{} got {}",
            m.to,
            m.subject
        );
    }
    anyhow::ensure!(
        !mails
            .iter()
            .any(|m| m.to == frida.email && m.subject.contains("2027")),
        "frida was invited"
    );
    let _ = a;
    // Erasing Bo (his only signup) takes his invitations and their links with him.
    let bo_id = SignupId::parse(&bo_signup).ok_or_else(|| anyhow::anyhow!("id"))?;
    frivillig_sync_server::service::erasure::erase(&server.state, &bo_id, "admin").await?;
    let left = server.state.store.invitations("frivilligfest")?;
    anyhow::ensure!(
        left.iter().all(|i| i.email != bo.email) && left.len() == 1,
        "{left:?}"
    );
    let gone = bo_browser
        .post(
            link(&reminder[0].text, "ja")?
                .split('?')
                .next()
                .unwrap_or(""),
            &[("svar", "ja")],
        )
        .await?;
    anyhow::ensure!(
        gone.status == 404,
        "an erased person's link still answers: {}",
        gone.status
    );
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_kiosk_takes_registrations_for_a_theme_meeting_and_they_arrive_as_signups()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    let server = TestServer::start(&server_dir).await?;
    let port = server.addr.port();
    replace_catalog(&server.state, catalog_with_events(), "admin").await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-event", "bibliotek", &dir.path().join("k")).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while core
        .catalog()
        .is_none_or(|c| c.opportunity("temamoede").is_none())
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no theme meeting at the kiosk"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let offered = core
        .offered_catalog()
        .ok_or_else(|| anyhow::anyhow!("catalog"))?;
    anyhow::ensure!(
        offered.opportunity("temamoede").is_some(),
        "the meeting is on offer"
    );
    anyhow::ensure!(
        offered.opportunity("frivilligfest").is_none(),
        "an event by invitation is not on a kiosk"
    );
    server.stop().await;

    let mut ids = Vec::new();
    for i in 0..3 {
        let r = core
            .submit_signup(
                "temamoede",
                Some("temamoede-aften"),
                &visitor_form("tema", i),
            )
            .await?;
        ids.push(r.signup_id);
    }
    // Registering for the party is refused at the kiosk: nobody could have chosen it there.
    anyhow::ensure!(
        core.submit_signup(
            "frivilligfest",
            Some("frivilligfest-aften"),
            &visitor_form("tema", 9)
        )
        .await
        .is_err(),
        "a kiosk took a registration for an event by invitation"
    );

    let server = TestServer::start_on(&server_dir, port).await?;
    wait_status(&core, Duration::from_secs(40), |s| s.queued_signups == 0).await?;
    let got = server.signups().await?;
    for id in &ids {
        anyhow::ensure!(
            got.iter()
                .any(|s| s.record.id == *id && s.record.opportunity_id == "temamoede"),
            "{id} did not arrive"
        );
    }
    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let text = admin.get("/admin/arrangementer/temamoede").await?.text();
    anyhow::ensure!(text.contains("Tilmeldte (3)"), "{text}");
    // The strategy's numbers count the meeting's registrations and, as new volunteers,
    // three who came in through an event.
    let year = frivillig_common::offer::glostrup_now()
        .format("%Y")
        .to_string();
    let csv = admin
        .get(&format!("/admin/oversigt/strategi.csv?aar={year}"))
        .await?
        .text();
    for line in [
        format!("\"event_registered\";\"{year}\";\"temamoede\";"),
        format!("\"new_volunteers_per_source\";\"{year}\";\"event\";\"event\";\"3\""),
    ] {
        anyhow::ensure!(csv.contains(&line), "{line} missing in:\n{csv}");
    }
    anyhow::ensure!(
        csv.contains("\"Temamøde: frivillige og erhvervsliv\";\"3\""),
        "{csv}"
    );
    worker.stop().await;
    server.stop().await;
    Ok(())
}
