//! The kiosk application: glues the state machine, the screens and the kiosk core. Each
//! frame it feeds touches and the clock into [`KioskState`], draws the screens, and carries
//! out the commands that come back (saving a signup, syncing, leaving kiosk mode).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use frivillig_common::domain::{Catalog, FormProblem, SignupForm};

use crate::clock::SystemClock;
use crate::core::{KioskCore, Receipt, SubmitError, SyncStatus};
use crate::state::setup::{SetupCommand, SetupEvent, SetupState};
use crate::state::{Command, Event, KioskState, Lang, Screen};
use crate::sync::SyncWorker;
use crate::ui::{self, View};

/// How long the screen waits for a save before it tells the visitor it failed. A save
/// normally takes a few milliseconds; this only trips when the disk hangs.
const SAVE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the screens work out again what is on offer (shifts that started leave).
const OFFER_EVERY: chrono::Duration = chrono::Duration::seconds(15);

/// How often a frame looks for the answer of a save under way.
const SAVE_POLL: Duration = Duration::from_millis(10);
/// How often the staff board is counted again while staff look at it.
const BOARD_EVERY: Duration = Duration::from_secs(5);

/// The running kiosk window's contents.
pub struct KioskApp {
    core: KioskCore,
    rt: tokio::runtime::Handle,
    state: KioskState,
    /// The catalog as received, to see when a newer one arrives.
    catalog: Option<Catalog>,
    /// What the screens show: the catalog as offered at `offered_at` by the kiosk's clock.
    offered: Option<Catalog>,
    /// When `offered` was worked out (the kiosk's clock); it is worked out again each
    /// [`OFFER_EVERY`], so a shift leaves the screens within that of its start.
    offered_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    taken: BTreeMap<String, u32>,
    /// The catalog's photos the kiosk holds, decoded once into textures, by photo id.
    photos: HashMap<String, egui::TextureHandle>,
    status: tokio::sync::watch::Receiver<SyncStatus>,
    kiosk_mode: bool,
    hide_cursor: bool,
    zoom: f32,
    look_installed: bool,
    last_saved: Option<String>,
    saving: Option<PendingSave>,
    /// A check-in under way (staff mode): its answer arrives here, in words.
    /// The answer to a staff action under way on the core's runtime (a check-in, a change
    /// of the peer list), as the event that carries it.
    staff_answer: Option<mpsc::Receiver<Event>>,
    board: Vec<crate::core::BoardShift>,
    /// When the board was last counted for staff looking at it.
    board_asked: Option<Instant>,
    peers: BTreeMap<String, crate::core::PeerSeen>,
}

/// A save under way on the core's runtime; the form shows "saving" meanwhile, and the UI
/// thread looks for the answer at each frame instead of waiting for it.
/// A saved signup, and a walk-up's check-in in words if one was asked for.
type Saved = (Receipt, Option<Result<String, String>>);

struct PendingSave {
    answer: mpsc::Receiver<Result<Saved, SubmitError>>,
    /// When the visitor is told it failed if no answer came (the disk hangs).
    gives_up: Instant,
}

impl KioskApp {
    /// A kiosk app on an opened core. `rt` runs the core's async work; the screens call it
    /// from the UI thread. `kiosk_mode` hides the cursor and offers "leave kiosk mode".
    pub fn new(core: KioskCore, rt: tokio::runtime::Handle, kiosk_mode: bool) -> KioskApp {
        let state = KioskState::new(&core.config().staff_pin, 0.0);
        KioskApp {
            catalog: core.catalog(),
            offered: None,
            offered_at: None,
            photos: HashMap::new(),
            taken: core.taken(),
            status: core.subscribe_status(),
            state,
            rt,
            core,
            kiosk_mode,
            hide_cursor: kiosk_mode,
            zoom: 1.0,
            look_installed: false,
            last_saved: None,
            saving: None,
            staff_answer: None,
            board: Vec::new(),
            board_asked: None,
            peers: BTreeMap::new(),
        }
    }

    /// Whether a save is under way (its answer not yet taken in), for tests.
    pub fn saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Show the mouse cursor even in kiosk mode (for a kiosk with a mouse).
    pub fn show_cursor(mut self, show: bool) -> KioskApp {
        self.hide_cursor = self.kiosk_mode && !show;
        self
    }

    /// The state machine, for tests and staff tools.
    pub fn state(&self) -> &KioskState {
        &self.state
    }

    /// The state machine, to put the app on a given screen in benchmarks and tests.
    pub fn state_mut(&mut self) -> &mut KioskState {
        &mut self.state
    }

    /// The id of the last signup saved from this screen, for tests.
    pub fn last_saved_signup(&self) -> Option<&str> {
        self.last_saved.as_deref()
    }

    /// The core, for tests.
    pub fn core(&self) -> &KioskCore {
        &self.core
    }

    /// Draw one frame into `ui` and apply what the visitor did.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.look_installed {
            ui::install_look(&ctx);
            self.look_installed = true;
            // What the kiosk held before it started, offline or not.
            self.load_photos(&ctx);
        }
        let now = ui.input(|i| i.time);
        self.refresh(&ctx);
        if let Some(answer) = self.save_answer() {
            // A save answer never produces another command.
            let _ = self.state.handle(answer, now);
        }
        if let Some(answer) = self.staff_answer.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.staff_answer = None;
            let _ = self.state.handle(answer, now);
        }
        for event in self.input_events(ui) {
            self.apply(event, now, &ctx);
        }
        self.apply(Event::Tick, now, &ctx);
        self.ask_for_board();

        let zoom = if self.state.large_text { 1.25 } else { 1.0 };
        if (zoom - self.zoom).abs() > f32::EPSILON {
            self.zoom = zoom;
            ctx.set_zoom_factor(zoom);
        }
        let status = self.status.borrow().clone();
        let config = self.core.config();
        let (own_addresses, typed_peers) = (self.core.advertised(), self.core.typed_peers());
        let view = View {
            catalog: self.offered.as_ref(),
            received: self.catalog.as_ref(),
            photos: &self.photos,
            site_id: &config.site_id,
            kiosk_id: &config.kiosk_id,
            server_url: &config.server_url,
            status: &status,
            taken_server: &self.taken,
            board: &self.board,
            peers: &self.peers,
            own_addresses: &own_addresses,
            typed_peers: &typed_peers,
            now,
            kiosk_mode: self.kiosk_mode,
        };
        let events = ui::kiosk_ui(ui, &view, &self.state);
        for event in events {
            self.apply(event, now, &ctx);
        }
        if self.hide_cursor {
            ctx.set_cursor_icon(egui::CursorIcon::None);
        }
        // Wake for the next thing the clock does, and at least once a second so staff
        // mode and the countdowns stay current.
        let wait = self
            .state
            .next_deadline(now)
            .unwrap_or(1.0)
            .clamp(0.05, 1.0);
        ctx.request_repaint_after(Duration::from_secs_f64(wait));
        if self.saving.is_some() {
            // Look for the save's answer soon: it normally takes a few milliseconds.
            ctx.request_repaint_after(SAVE_POLL);
        }
    }

    /// Take in a newer catalog or newer counts of spots taken (the core's: the server's
    /// count plus every signup the kiosk holds that it had not acknowledged).
    fn refresh(&mut self, ctx: &egui::Context) {
        if self.status.has_changed().unwrap_or(false) {
            self.status.mark_unchanged();
            let fresh = self.core.catalog();
            let taken = self.core.taken();
            if fresh != self.catalog || taken != self.taken {
                self.catalog = fresh;
                self.taken = taken;
                self.offered_at = None;
            }
            self.board = self.core.board();
            self.peers = self.core.peers_seen();
            // A round may have fetched photos with or without a new catalog.
            self.load_photos(ctx);
        }
        let now = self.core.now();
        let due = self
            .offered_at
            .is_none_or(|at| now - at >= OFFER_EVERY || now < at);
        if due {
            self.offered = self.catalog.as_ref().map(|c| c.on_offer(now));
            self.offered_at = Some(now);
        }
    }

    /// Decode the photos the catalog names that the kiosk holds and the screens do not have
    /// yet. A photo that does not decode is left out (the screens draw the job without it).
    fn load_photos(&mut self, ctx: &egui::Context) {
        let Some(catalog) = &self.catalog else { return };
        let named = frivillig_common::domain::Photo::named_by(catalog);
        // A photo the catalog stopped naming leaves the screens at once.
        self.photos
            .retain(|id, _| named.iter().any(|p| &p.id == id));
        for p in named {
            if self.photos.contains_key(&p.id) {
                continue;
            }
            let Some(bytes) = self.core.photo(&p.id) else {
                continue;
            };
            match image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg) {
                Ok(img) => {
                    let rgb = img.to_rgb8();
                    let size = [rgb.width() as usize, rgb.height() as usize];
                    let color = egui::ColorImage::from_rgb(size, rgb.as_raw());
                    let tex = ctx.load_texture(&p.id, color, egui::TextureOptions::LINEAR);
                    self.photos.insert(p.id.clone(), tex);
                }
                Err(e) => tracing::warn!(error = %e, photo = %p.id, "a photo does not decode"),
            }
        }
    }

    /// Touches and physical keys, as state events.
    fn input_events(&self, ui: &egui::Ui) -> Vec<Event> {
        let on_form = matches!(self.state.screen, Screen::Form { .. });
        ui.input(|i| {
            let mut out = Vec::new();
            let touched = i.pointer.any_pressed()
                || i.events.iter().any(|e| {
                    matches!(
                        e,
                        egui::Event::Text(_)
                            | egui::Event::Key { pressed: true, .. }
                            | egui::Event::Touch { .. }
                    )
                });
            if touched {
                out.push(Event::Touch);
            }
            if !on_form {
                return out;
            }
            for e in &i.events {
                match e {
                    egui::Event::Text(t) => out.push(Event::TypeText(t.clone())),
                    egui::Event::Key {
                        key, pressed: true, ..
                    } => match key {
                        egui::Key::Backspace => {
                            out.push(Event::Key(crate::state::keyboard::Key::Backspace))
                        }
                        egui::Key::Tab | egui::Key::Enter => {
                            out.push(Event::Key(crate::state::keyboard::Key::Next))
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            out
        })
    }

    fn apply(&mut self, event: Event, now: f64, ctx: &egui::Context) {
        let Some(command) = self.state.handle(event, now) else {
            return;
        };
        match command {
            Command::Submit {
                opportunity_id,
                shift_id,
                form,
                check_in,
            } => self.start_save(opportunity_id, shift_id, form, check_in),
            Command::SyncNow => self.core.sync_now(),
            Command::CheckIn { code, out } => {
                let (tx, rx) = mpsc::channel();
                let core = self.core.clone();
                let lang = self.state.lang;
                let catalog = self.catalog.clone();
                self.rt.spawn(async move {
                    let result = core.check_in_by_code(&code, out).await;
                    let _ = tx.send(Event::CheckInDone(check_in_text(
                        lang,
                        catalog.as_ref(),
                        result,
                    )));
                });
                self.staff_answer = Some(rx);
                ctx.request_repaint_after(SAVE_POLL);
            }
            Command::ScanReceipt => self.scan_receipt(ctx),
            Command::ScanPeer => self.scan_peer(ctx),
            Command::AddPeer(address) => self.change_peers(ctx, address, true),
            Command::RemovePeer(address) => self.change_peers(ctx, address, false),
            Command::LeaveKioskMode => {
                self.kiosk_mode = false;
                self.hide_cursor = false;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
                ctx.send_viewport_cmd(egui::ViewportCommand::Decorations(true));
            }
        }
    }

    /// Look for a receipt's QR code with the kiosk's camera for a few seconds, off the UI
    /// thread, and check its volunteer in.
    fn scan_receipt(&mut self, ctx: &egui::Context) {
        let (tx, rx) = mpsc::channel();
        let core = self.core.clone();
        let lang = self.state.lang;
        let catalog = self.catalog.clone();
        let rt = self.rt.clone();
        let camera = core.config().camera.clone();
        self.rt.spawn_blocking(move || {
            let answer = open_camera(camera, lang).and_then(|mut camera| {
                let result = match crate::camera::find_code(&mut camera, SCAN_FRAMES) {
                    Some(url) => rt.block_on(core.check_in_by_receipt(&url, false)),
                    None => Err(crate::core::CheckInError::NoCode),
                };
                check_in_text(lang, catalog.as_ref(), result)
            });
            let _ = tx.send(Event::CheckInDone(answer));
        });
        self.staff_answer = Some(rx);
        ctx.request_repaint_after(SAVE_POLL);
    }

    /// Add the address another kiosk's QR code shows the camera, off the UI thread.
    fn scan_peer(&mut self, ctx: &egui::Context) {
        let (tx, rx) = mpsc::channel();
        let core = self.core.clone();
        let lang = self.state.lang;
        let camera = core.config().camera.clone();
        self.rt.spawn_blocking(move || {
            let answer = open_camera(camera, lang).and_then(|mut camera| {
                match core.add_peer_from_camera(&mut camera, SCAN_FRAMES) {
                    Ok(address) => Ok(format!("{} {address}", lang.pick("Tilføjet:", "Added:"))),
                    Err(e) => Err(in_lang(lang, &e)),
                }
            });
            let _ = tx.send(Event::PeersDone(answer));
        });
        self.staff_answer = Some(rx);
        ctx.request_repaint_after(SAVE_POLL);
    }

    /// Add `address` to staff's peer list (or take it off), off the UI thread: the list
    /// is written to the store.
    fn change_peers(&mut self, ctx: &egui::Context, address: String, add: bool) {
        let (tx, rx) = mpsc::channel();
        let core = self.core.clone();
        let lang = self.state.lang;
        self.rt.spawn_blocking(move || {
            let result = if add {
                core.add_typed_peer(&address)
            } else {
                core.remove_typed_peer(&address)
            };
            let answer = match result {
                Ok(()) if add => Ok(format!("{} {address}", lang.pick("Tilføjet:", "Added:"))),
                Ok(()) => Ok(format!("{} {address}", lang.pick("Fjernet:", "Removed:"))),
                Err(crate::core::PeerListError::Store(e)) => {
                    tracing::error!(error = %e, "the peer list could not be stored");
                    Err(lang
                        .pick(
                            "Listen kunne ikke gemmes. Kontakt IT.",
                            "The list could not be stored. Call IT.",
                        )
                        .to_owned())
                }
                Err(e) => Err(in_lang(lang, &e)),
            };
            let _ = tx.send(Event::PeersDone(answer));
        });
        self.staff_answer = Some(rx);
        ctx.request_repaint_after(SAVE_POLL);
    }

    /// While staff look at the board, count it every few seconds on the core's runtime
    /// (festival mode counts it too); the answer comes with the next status change.
    fn ask_for_board(&mut self) {
        if self.state.screen != crate::state::Screen::Staff {
            return;
        }
        if self.board_asked.is_some_and(|t| t.elapsed() < BOARD_EVERY) {
            return;
        }
        self.board_asked = Some(Instant::now());
        let core = self.core.clone();
        self.rt.spawn(async move { core.refresh_board().await });
    }

    /// Start saving on the core's runtime; [`Self::save_answer`] takes the answer in.
    fn start_save(
        &mut self,
        opportunity_id: String,
        shift_id: Option<String>,
        form: SignupForm,
        check_in: bool,
    ) {
        let (tx, rx) = mpsc::channel();
        let core = self.core.clone();
        let lang = self.state.lang;
        let catalog = self.catalog.clone();
        self.rt.spawn(async move {
            let result = match core
                .submit_signup(&opportunity_id, shift_id.as_deref(), &form)
                .await
            {
                // The signup is durable before the check-in is tried: a failed check-in
                // never undoes it, and is said on the confirmation.
                Ok(receipt) if check_in => {
                    let done = core.check_in_by_receipt(&receipt.url, false).await;
                    Ok((receipt, Some(check_in_text(lang, catalog.as_ref(), done))))
                }
                Ok(receipt) => Ok((receipt, None)),
                Err(e) => Err(e),
            };
            let _ = tx.send(result);
        });
        self.saving = Some(PendingSave {
            answer: rx,
            gives_up: Instant::now() + SAVE_TIMEOUT,
        });
    }

    /// The answer to the save under way, once there is one. The screen says "saved" only on
    /// `Ok`, which the core gives after the signup is committed and read back.
    fn save_answer(&mut self) -> Option<Event> {
        let lang = self.state.lang;
        let pending = self.saving.as_ref()?;
        let answer = match pending.answer.try_recv() {
            Ok(Ok((receipt, checked_in))) => {
                self.last_saved = Some(receipt.signup_id.clone());
                Event::Saved {
                    signup_id: receipt.signup_id,
                    receipt_url: receipt.url,
                    checked_in,
                }
            }
            Ok(Err(e)) => Event::SaveFailed(save_error_text(lang, &e)),
            Err(mpsc::TryRecvError::Empty) if Instant::now() < pending.gives_up => return None,
            Err(_) => Event::SaveFailed(
                lang.pick(
                    "Kiosken kunne ikke gemme i tide. Prøv igen, eller bed personalet om hjælp.",
                    "The kiosk could not save in time. Try again, or ask the staff for help.",
                )
                .to_owned(),
            ),
        };
        self.saving = None;
        Some(answer)
    }
}

/// What a visitor is told when a save fails: what to do, not how the disk failed (that
/// goes to the log for staff).
fn save_error_text(lang: Lang, e: &SubmitError) -> String {
    tracing::error!("signup not saved: {e}");
    match e {
        SubmitError::Invalid(problems) => problems
            .iter()
            .map(|p: &FormProblem| lang.problem(*p))
            .collect::<Vec<_>>()
            .join(" "),
        SubmitError::NoLongerOffered(_) => lang
            .pick(
                "Vagten er begyndt, så du kan ikke længere tilmelde dig den. Gå tilbage og vælg en anden.",
                "The shift has started, so you can no longer sign up for it. Go back and choose another.",
            )
            .to_owned(),
        SubmitError::UnknownOpportunity(_) | SubmitError::UnknownShift(_) => lang
            .pick(
                "Jobbet eller vagten er ændret imens. Gå tilbage og vælg igen.",
                "The job or shift changed meanwhile. Go back and choose again.",
            )
            .to_owned(),
        _ => lang
            .pick(
                "Din tilmelding blev ikke gemt. Prøv igen, eller bed personalet om hjælp.",
                "Your signup was not saved. Try again, or ask the staff for help.",
            )
            .to_owned(),
    }
}

impl eframe::App for KioskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// What a kiosk shows when it cannot start: no configuration yet, or a broken one. It says
/// what is wrong and lets the municipal IT person enrol the kiosk with a one-time code;
/// once enrolled it opens the kiosk's store, starts syncing and becomes the kiosk.
pub struct SetupApp {
    problem: String,
    config_path: PathBuf,
    data_dir: PathBuf,
    rt: tokio::runtime::Handle,
    state: SetupState,
    /// The enrolment under way: redeeming the code, then opening the store and starting
    /// sync, all on the runtime; the screen looks for the answer at each frame.
    pending: Option<mpsc::Receiver<Result<(KioskCore, SyncWorker), String>>>,
    kiosk: Option<(KioskApp, SyncWorker)>,
    /// The new kiosk's staff PIN while it is shown, and since when.
    new_pin: Option<(String, Instant)>,
    kiosk_mode: bool,
    look_installed: bool,
}

/// How long the staff PIN stays on the screen after enrolment if nobody confirms it, so a
/// kiosk left alone does not show it to the public.
const PIN_SHOWN_FOR: Duration = Duration::from_secs(120);

impl SetupApp {
    /// A setup screen for `problem`; an enrolment writes its configuration to `config_path`
    /// and keeps the kiosk's data in `data_dir`.
    pub fn new(
        problem: impl Into<String>,
        config_path: impl Into<PathBuf>,
        data_dir: impl Into<PathBuf>,
        rt: tokio::runtime::Handle,
        kiosk_mode: bool,
    ) -> SetupApp {
        SetupApp {
            problem: problem.into(),
            config_path: config_path.into(),
            data_dir: data_dir.into(),
            rt,
            state: SetupState::default(),
            pending: None,
            kiosk: None,
            new_pin: None,
            kiosk_mode,
            look_installed: false,
        }
    }

    /// The kiosk this became after enrolment, if it did (for tests and for shutting down).
    pub fn kiosk(&self) -> Option<&KioskApp> {
        self.kiosk.as_ref().map(|(k, _)| k)
    }

    /// The setup screen's state, for tests.
    pub fn state(&self) -> &SetupState {
        &self.state
    }

    /// Stop syncing and close the store, if the kiosk was enrolled here.
    pub fn shutdown(&mut self) {
        if let Some((app, worker)) = self.kiosk.take() {
            let core = app.core().clone();
            self.rt.block_on(async {
                worker.stop().await;
                core.shutdown().await;
            });
        }
    }

    /// Draw the setup screen, or the kiosk once enrolled.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        if let Some((pin, since)) = &self.new_pin
            && let Some((kiosk, _)) = &self.kiosk
        {
            let config = kiosk.core().config();
            let done = ui::enrolled_ui(ui, &config.kiosk_id, &config.site_id, pin);
            if done || since.elapsed() >= PIN_SHOWN_FOR {
                self.new_pin = None;
            }
            ui.ctx().request_repaint_after(Duration::from_secs(1));
            return;
        }
        if let Some((kiosk, _)) = &mut self.kiosk {
            kiosk.show(ui);
            return;
        }
        if !self.look_installed {
            ui::install_look(ui.ctx());
            self.look_installed = true;
        }
        self.poll_enrolment();
        let typed: Vec<SetupEvent> = ui.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Text(t) => Some(SetupEvent::TypeText(t.clone())),
                    _ => None,
                })
                .collect()
        });
        let config_path = self.config_path.display().to_string();
        let events = ui::setup_ui(ui, &self.problem, &config_path, &self.state);
        for event in typed.into_iter().chain(events) {
            if let Some(SetupCommand::Redeem { server, code }) = self.state.handle(event) {
                let (tx, rx) = mpsc::channel();
                let (data_dir, config_path) = (self.data_dir.clone(), self.config_path.clone());
                self.rt.spawn(async move {
                    let _ = tx.send(enrol_and_open(&server, &code, &data_dir, &config_path).await);
                });
                self.pending = Some(rx);
            }
        }
        if self.pending.is_some() {
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
    }

    fn poll_enrolment(&mut self) {
        let Some(rx) = &self.pending else { return };
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(mpsc::TryRecvError::Empty) => return,
            Err(mpsc::TryRecvError::Disconnected) => Err("enrolment stopped".into()),
        };
        self.pending = None;
        match result {
            Ok((core, worker)) => {
                self.new_pin = Some((core.config().staff_pin.clone(), Instant::now()));
                let app = KioskApp::new(core, self.rt.clone(), self.kiosk_mode);
                self.kiosk = Some((app, worker));
            }
            Err(e) => {
                let _ = self.state.handle(SetupEvent::Failed(e));
            }
        }
    }
}

/// Trade a one-time code for this kiosk's configuration, open its store and start syncing.
async fn enrol_and_open(
    server: &str,
    code: &str,
    data_dir: &std::path::Path,
    config_path: &std::path::Path,
) -> Result<(KioskCore, SyncWorker), String> {
    let config = crate::enrol::redeem_code(server, code, data_dir, config_path)
        .await
        .map_err(|e| e.to_string())?;
    let core = KioskCore::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let worker = SyncWorker::start(&core);
    Ok((core, worker))
}

impl eframe::App for SetupApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self) {
        self.shutdown();
    }
}

/// A check-in's answer as the staff screen says it.
fn check_in_text(
    lang: crate::state::Lang,
    catalog: Option<&Catalog>,
    result: Result<crate::core::Presence, crate::core::CheckInError>,
) -> Result<String, String> {
    use crate::core::CheckInError;
    let p = match result {
        Ok(p) => p,
        Err(CheckInError::Write(e)) => return Err(save_error_text(lang, &e)),
        Err(e) => return Err(in_lang(lang, &e)),
    };
    let job = catalog
        .and_then(|c| c.opportunity(&p.opportunity_id))
        .map(|o| frivillig_common::text::job_title(lang, o).to_owned())
        .unwrap_or(p.opportunity_id);
    Ok(match (p.checked_in, p.recorded) {
        (true, true) => format!("{} {job}", lang.pick("Tjekket ind:", "Checked in:")),
        (true, false) => format!(
            "{} {job}",
            lang.pick("Allerede tjekket ind:", "Already checked in:")
        ),
        (false, true) => format!("{} {job}", lang.pick("Tjekket ud:", "Checked out:")),
        (false, false) => format!(
            "{} {job}",
            lang.pick("Allerede tjekket ud:", "Already checked out:")
        ),
    })
}

/// An error whose words are Danish, then English after " / ", in the screen's language.
fn in_lang(lang: Lang, e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let (da, en) = text.split_once(" / ").unwrap_or((&text, &text));
    lang.pick(da, en).to_owned()
}

/// How long a scan looks: about five seconds of a camera's 30 frames a second.
const SCAN_FRAMES: usize = 150;

/// The kiosk's camera, or why there is none to use, in the screen's language.
fn open_camera(
    camera: Option<std::path::PathBuf>,
    lang: Lang,
) -> Result<crate::camera::v4l2::V4lCamera, String> {
    let Some(path) = camera else {
        return Err(lang
            .pick(
                "Der er ikke sat et kamera op på denne kiosk: skriv det i stedet.",
                "No camera is set up on this kiosk: type it in instead.",
            )
            .to_owned());
    };
    crate::camera::v4l2::V4lCamera::open(&path).map_err(|e| {
        tracing::warn!(error = %e, "the camera cannot be used");
        in_lang(lang, &e)
    })
}
