//! The texts of the messages to volunteers as templates an admin can edit: a subject and a
//! body per kind and language, with placeholders in braces (`{opgave}`). What the server
//! ships is the default; an admin's version (in the store) replaces it until reset. The
//! closing lines that say who sends the message and how to stop it are not part of a
//! template: every message keeps them.
//!
//! A line holding a placeholder with nothing to fill in (no contact person, no receipt
//! link) is left out, so templates need no conditions.

use std::collections::BTreeMap;

use frivillig_common::text::Lang;

/// The messages whose texts are templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TemplateKind {
    /// A signup reached the server.
    Confirmation,
    /// A coordinator set a status the person hears of.
    StatusChanged,
    /// A shift is coming up.
    Reminder,
    /// A shift moved.
    ShiftMoved,
    /// A shift was cancelled.
    ShiftCancelled,
}

/// A subject and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

impl Template {
    fn of(subject: &str, body: &str) -> Template {
        Template {
            subject: subject.to_owned(),
            body: body.to_owned(),
        }
    }
}

/// Longest subject an admin can write.
pub const MAX_SUBJECT: usize = 200;
/// Longest body an admin can write.
pub const MAX_BODY: usize = 10_000;

impl TemplateKind {
    /// Every kind, in the order the admin page lists them.
    pub const ALL: [TemplateKind; 5] = [
        TemplateKind::Confirmation,
        TemplateKind::Reminder,
        TemplateKind::StatusChanged,
        TemplateKind::ShiftMoved,
        TemplateKind::ShiftCancelled,
    ];

    /// Its name in links and in the store.
    pub fn key(self) -> &'static str {
        match self {
            TemplateKind::Confirmation => "bekraeftelse",
            TemplateKind::StatusChanged => "status",
            TemplateKind::Reminder => "paamindelse",
            TemplateKind::ShiftMoved => "vagt-flyttet",
            TemplateKind::ShiftCancelled => "vagt-aflyst",
        }
    }

    /// The kind called `key`.
    pub fn parse(key: &str) -> Option<TemplateKind> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// What it is, in Danish and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            TemplateKind::Confirmation => {
                ("Bekræftelse af en tilmelding", "Confirmation of a signup")
            }
            TemplateKind::StatusChanged => {
                ("Ny status fra en koordinator", "A status a coordinator set")
            }
            TemplateKind::Reminder => ("Påmindelse før en vagt", "Reminder before a shift"),
            TemplateKind::ShiftMoved => ("En vagt er flyttet", "A shift moved"),
            TemplateKind::ShiftCancelled => ("En vagt er aflyst", "A shift was cancelled"),
        }
    }

    /// The placeholders it may use, each with what it is (Danish, English).
    pub fn placeholders(self) -> &'static [(&'static str, &'static str, &'static str)] {
        const NAME: (&str, &str, &str) = ("navn", "personens navn", "the person's name");
        const JOB: (&str, &str, &str) = ("opgave", "opgavens titel", "the job's title");
        const PLACE: (&str, &str, &str) = (
            "sted",
            "stedet og dets adresse",
            "the place and its address",
        );
        const WHEN: (&str, &str, &str) =
            ("hvornaar", "vagten, eller løbende", "the shift, or ongoing");
        const CONTACT: (&str, &str, &str) = ("kontakt", "kontaktperson", "contact person");
        const RECEIPT: (&str, &str, &str) =
            ("kvittering", "link til kvitteringen", "link to the receipt");
        match self {
            TemplateKind::Confirmation | TemplateKind::Reminder => {
                &[NAME, JOB, PLACE, WHEN, CONTACT, RECEIPT]
            }
            TemplateKind::StatusChanged => &[
                NAME,
                JOB,
                WHEN,
                (
                    "status_besked",
                    "hvad den nye status betyder",
                    "what the new status means",
                ),
            ],
            TemplateKind::ShiftMoved => &[
                NAME,
                JOB,
                PLACE,
                ("foer", "vagtens tidligere tid", "the shift's former time"),
                WHEN,
                CONTACT,
            ],
            TemplateKind::ShiftCancelled => &[NAME, JOB, WHEN, CONTACT],
        }
    }

    /// The text the server ships.
    pub fn default_template(self, lang: Lang) -> Template {
        match (self, lang) {
            (TemplateKind::Confirmation, Lang::Da) => Template::of(
                "Tak for din tilmelding: {opgave}",
                "Kære {navn}\n\nTak fordi du vil være frivillig. Vi har fået din tilmelding:\n\n\
                 Opgave: {opgave}\nSted: {sted}\nHvornår: {hvornaar}\nKontaktperson: {kontakt}\n\n\
                 En koordinator kontakter dig snarest.\n\
                 Din kvittering, hvor du også kan trække tilmeldingen tilbage: {kvittering}\n",
            ),
            (TemplateKind::Confirmation, Lang::En) => Template::of(
                "Thank you for signing up: {opgave}",
                "Dear {navn}\n\nThank you for volunteering. We have received your signup:\n\n\
                 Job: {opgave}\nPlace: {sted}\nWhen: {hvornaar}\nContact: {kontakt}\n\n\
                 A coordinator will be in touch soon.\n\
                 Your receipt, where you can also withdraw: {kvittering}\n",
            ),
            (TemplateKind::Reminder, Lang::Da) => Template::of(
                "Påmindelse om din vagt: {opgave}",
                "Kære {navn}\n\nHusk din vagt som frivillig:\n\n\
                 Opgave: {opgave}\nSted: {sted}\nHvornår: {hvornaar}\nKontaktperson: {kontakt}\n\n\
                 Kan du ikke komme alligevel, så sig det til kontaktpersonen.\n\
                 Du kan også trække tilmeldingen tilbage her: {kvittering}\n",
            ),
            (TemplateKind::Reminder, Lang::En) => Template::of(
                "Reminder of your shift: {opgave}",
                "Dear {navn}\n\nA reminder of your shift as a volunteer:\n\n\
                 Job: {opgave}\nPlace: {sted}\nWhen: {hvornaar}\nContact: {kontakt}\n\n\
                 If you cannot come after all, please tell the contact person.\n\
                 You can also withdraw here: {kvittering}\n",
            ),
            (TemplateKind::StatusChanged, Lang::Da) => Template::of(
                "Nyt om din tilmelding: {opgave}",
                "Opgave: {opgave}\nHvornår: {hvornaar}\n\n{status_besked}\n",
            ),
            (TemplateKind::StatusChanged, Lang::En) => Template::of(
                "News about your signup: {opgave}",
                "Job: {opgave}\nWhen: {hvornaar}\n\n{status_besked}\n",
            ),
            (TemplateKind::ShiftMoved, Lang::Da) => Template::of(
                "Din vagt er flyttet: {opgave}",
                "Din vagt er flyttet.\n\nOpgave: {opgave}\nFør: {foer}\nNu: {hvornaar}\n\
                 Sted: {sted}\n\nPasser det nye tidspunkt ikke, så sig det til kontaktpersonen \
                 ({kontakt}) eller træk tilmeldingen tilbage.\n",
            ),
            (TemplateKind::ShiftMoved, Lang::En) => Template::of(
                "Your shift has moved: {opgave}",
                "Your shift has moved.\n\nJob: {opgave}\nWas: {foer}\nNow: {hvornaar}\n\
                 Place: {sted}\n\nIf the new time does not suit you, tell the contact person \
                 ({kontakt}) or withdraw your signup.\n",
            ),
            (TemplateKind::ShiftCancelled, Lang::Da) => Template::of(
                "Vagt aflyst: {opgave}",
                "Vagten, du var tilmeldt, er desværre aflyst.\n\nOpgave: {opgave}\n\
                 Hvornår: {hvornaar}\n\nDin tilmelding til opgaven står stadig; en koordinator \
                 kontakter dig om en anden vagt.\n",
            ),
            (TemplateKind::ShiftCancelled, Lang::En) => Template::of(
                "Shift cancelled: {opgave}",
                "The shift you signed up for has unfortunately been cancelled.\n\nJob: {opgave}\n\
                 When: {hvornaar}\n\nYour signup for the job still stands; a coordinator will \
                 contact you about another shift.\n",
            ),
        }
    }

    /// Whether `t` may be saved for this kind: both parts written, the subject one line,
    /// not too long, and only this kind's placeholders in well-formed braces.
    pub fn check(self, t: &Template) -> Result<(), String> {
        if t.subject.trim().is_empty() || t.body.trim().is_empty() {
            return Err("Skriv både emne og tekst. / Write both a subject and a text.".into());
        }
        if t.subject.contains(['\r', '\n']) {
            return Err("Emnet skal være én linje. / The subject must be one line.".into());
        }
        if t.subject.chars().count() > MAX_SUBJECT || t.body.chars().count() > MAX_BODY {
            return Err(format!(
                "Højst {MAX_SUBJECT} tegn i emnet og {MAX_BODY} i teksten. / At most \
                 {MAX_SUBJECT} characters of subject and {MAX_BODY} of text."
            ));
        }
        let known: Vec<&str> = self.placeholders().iter().map(|p| p.0).collect();
        for text in [&t.subject, &t.body] {
            for name in placeholders_in(text)? {
                if !known.contains(&name) {
                    return Err(format!(
                        "Ukendt felt {{{name}}}; brug {} / Unknown field {{{name}}}; use {}",
                        fields(&known),
                        fields(&known)
                    ));
                }
            }
        }
        Ok(())
    }
}

fn fields(known: &[&str]) -> String {
    known
        .iter()
        .map(|k| format!("{{{k}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The placeholders of `text`; an error for a brace that opens or closes none.
fn placeholders_in(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("En } uden { før. / A } without a { before it.".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "En { uden } efter. / A { without a } after it.".to_owned())?;
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// Fill in `text` with `vars`, leaving out each line that holds a placeholder with nothing
/// to fill in.
pub fn render(text: &str, vars: &[(&str, String)]) -> String {
    let mut out = Vec::new();
    'lines: for line in text.split('\n') {
        let mut filled = line.to_owned();
        for (name, value) in vars {
            let p = format!("{{{name}}}");
            if filled.contains(&p) {
                if value.trim().is_empty() {
                    continue 'lines;
                }
                filled = filled.replace(&p, value);
            }
        }
        out.push(filled);
    }
    out.join("\n")
}

/// The templates in use: an admin's where they wrote one, else the defaults.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    custom: BTreeMap<(TemplateKind, &'static str), Template>,
}

impl Templates {
    /// From the store's rows: (kind key, language code, subject, body).
    pub fn from_rows(rows: impl IntoIterator<Item = (String, String, String, String)>) -> Self {
        let mut custom = BTreeMap::new();
        for (kind, lang, subject, body) in rows {
            let lang = match lang.as_str() {
                "da" => Lang::Da,
                "en" => Lang::En,
                _ => continue,
            };
            let Some(kind) = TemplateKind::parse(&kind) else {
                continue;
            };
            custom.insert((kind, lang.code()), Template { subject, body });
        }
        Templates { custom }
    }

    /// The template of `kind` in `lang`.
    pub fn get(&self, kind: TemplateKind, lang: Lang) -> Template {
        self.custom
            .get(&(kind, lang.code()))
            .cloned()
            .unwrap_or_else(|| kind.default_template(lang))
    }

    /// Whether an admin's version of `kind` in `lang` is in use.
    pub fn is_custom(&self, kind: TemplateKind, lang: Lang) -> bool {
        self.custom.contains_key(&(kind, lang.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_its_own_check() {
        for kind in TemplateKind::ALL {
            for lang in [Lang::Da, Lang::En] {
                let t = kind.default_template(lang);
                assert_eq!(kind.check(&t), Ok(()), "{kind:?} {lang:?}");
            }
        }
    }

    #[test]
    fn unknown_fields_and_stray_braces_are_refused_and_empty_lines_left_out() {
        let t = |s: &str, b: &str| Template::of(s, b);
        let k = TemplateKind::Confirmation;
        assert!(k.check(&t("Hej {opgave}", "{navn}")).is_ok());
        let refused = k.check(&t("Hej", "{cpr}")).expect_err("an unknown field");
        assert!(refused.contains("{cpr}"), "{refused}");
        assert!(k.check(&t("Hej", "{navn")).is_err());
        assert!(k.check(&t("Hej", "navn}")).is_err());
        assert!(k.check(&t("Hej\nnej", "x")).is_err());
        let vars = [("navn", "Ada".to_owned()), ("kontakt", String::new())];
        assert_eq!(
            render("Kære {navn}\nKontakt: {kontakt}\nTak", &vars),
            "Kære Ada\nTak"
        );
    }
}
