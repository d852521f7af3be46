//! The setup screen of a kiosk without a configuration: the municipal IT person types the
//! server's address and a one-time enrolment code on the touchscreen, and the kiosk enrols.

use super::keyboard::{Key, KeyboardLayout, apply_key};

/// A field of the setup screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupField {
    /// The server's address.
    Server,
    /// The one-time code.
    Code,
}

impl SetupField {
    /// The keyboard for the field: an address needs `:` and `/`.
    pub fn layout(self) -> KeyboardLayout {
        match self {
            SetupField::Server => KeyboardLayout::Address,
            SetupField::Code => KeyboardLayout::Letters,
        }
    }
}

/// What the setup screen did.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupEvent {
    /// A field was tapped.
    Focus(SetupField),
    /// An on-screen key.
    Key(Key),
    /// Text from a physical keyboard.
    TypeText(String),
    /// "Enrol this kiosk".
    Submit,
    /// The enrolment failed with this message.
    Failed(String),
}

/// Work for the app.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupCommand {
    /// Redeem the code at the server.
    Redeem {
        /// Server address as typed, with `http://` added if missing.
        server: String,
        /// The code as typed.
        code: String,
    },
}

/// The setup screen's state.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupState {
    /// Server address typed so far.
    pub server: String,
    /// Code typed so far.
    pub code: String,
    /// The field the keyboard types into.
    pub focus: Option<SetupField>,
    /// Enrolment under way.
    pub busy: bool,
    /// What went wrong last, if anything.
    pub message: Option<String>,
}

impl Default for SetupState {
    fn default() -> Self {
        SetupState {
            server: "http://".into(),
            code: String::new(),
            focus: Some(SetupField::Server),
            busy: false,
            message: None,
        }
    }
}

impl SetupState {
    /// The text of a field.
    pub fn text(&self, field: SetupField) -> &str {
        match field {
            SetupField::Server => &self.server,
            SetupField::Code => &self.code,
        }
    }

    /// Apply an event.
    pub fn handle(&mut self, event: SetupEvent) -> Option<SetupCommand> {
        if self.busy && !matches!(event, SetupEvent::Failed(_)) {
            return None;
        }
        match event {
            SetupEvent::Focus(f) => self.focus = Some(f),
            SetupEvent::Key(Key::Next) => {
                self.focus = match self.focus {
                    Some(SetupField::Server) => Some(SetupField::Code),
                    _ => None,
                }
            }
            SetupEvent::Key(Key::Done) => self.focus = None,
            SetupEvent::Key(Key::Shift) => {}
            SetupEvent::Key(key) => {
                if let Some(f) = self.focus {
                    let text = match f {
                        SetupField::Server => &mut self.server,
                        SetupField::Code => &mut self.code,
                    };
                    apply_key(text, &key, 200);
                }
            }
            SetupEvent::TypeText(t) => {
                if let Some(f) = self.focus {
                    let text = match f {
                        SetupField::Server => &mut self.server,
                        SetupField::Code => &mut self.code,
                    };
                    for c in t.chars().filter(|c| !c.is_control()) {
                        apply_key(text, &Key::Char(c), 200);
                    }
                }
            }
            SetupEvent::Submit => {
                let typed = self.server.trim();
                let (scheme, host) = typed.split_once("://").unwrap_or(("http", typed));
                let host = host.trim_end_matches('/');
                let server = format!("{scheme}://{host}");
                if host.is_empty() {
                    self.message = Some(
                        "Skriv serverens adresse, f.eks. http://frivillig.glostrup.local:8700 / Enter the server's address"
                            .into(),
                    );
                    self.focus = Some(SetupField::Server);
                    return None;
                }
                if self
                    .code
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .count()
                    != 12
                {
                    self.message = Some(
                        "Koden har 12 tegn, f.eks. ABCD-EFGH-JKMN / The code has 12 characters"
                            .into(),
                    );
                    self.focus = Some(SetupField::Code);
                    return None;
                }
                self.busy = true;
                self.message = None;
                self.focus = None;
                return Some(SetupCommand::Redeem {
                    server,
                    code: self.code.clone(),
                });
            }
            SetupEvent::Failed(m) => {
                self.busy = false;
                self.message = Some(m);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_before_it_asks_the_server() {
        let mut s = SetupState::default();
        assert_eq!(s.handle(SetupEvent::Submit), None);
        assert_eq!(s.focus, Some(SetupField::Server));
        s.handle(SetupEvent::TypeText("srv:8700/".into()));
        s.handle(SetupEvent::Key(Key::Next));
        for c in "abcd-efgh-jkm".chars() {
            s.handle(SetupEvent::Key(Key::Char(c)));
        }
        assert_eq!(s.handle(SetupEvent::Submit), None, "11 characters");
        s.handle(SetupEvent::Key(Key::Char('n')));
        let cmd = s.handle(SetupEvent::Submit);
        assert_eq!(
            cmd,
            Some(SetupCommand::Redeem {
                server: "http://srv:8700".into(),
                code: "abcd-efgh-jkmn".into()
            })
        );
        assert!(s.busy);
        assert_eq!(s.handle(SetupEvent::Submit), None, "once");
        s.handle(SetupEvent::Failed("nej".into()));
        assert!(!s.busy);
        assert_eq!(s.message.as_deref(), Some("nej"));
    }
}
