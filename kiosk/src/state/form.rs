//! The signup form as data: its text fields and what the visitor has typed into them.

use frivillig_common::domain::{FormField, FormProblem, SignupForm};

use super::keyboard::KeyboardLayout;

/// A text field of the signup form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Name.
    Name,
    /// Phone.
    Phone,
    /// E-mail.
    Email,
    /// Note to the coordinator.
    Note,
}

impl TextField {
    /// The fields in the order the "next" key walks them.
    pub const ORDER: [TextField; 4] = [
        TextField::Name,
        TextField::Phone,
        TextField::Email,
        TextField::Note,
    ];

    /// The keyboard that suits the field.
    pub fn layout(self) -> KeyboardLayout {
        match self {
            TextField::Phone => KeyboardLayout::Phone,
            TextField::Email => KeyboardLayout::Email,
            TextField::Name | TextField::Note => KeyboardLayout::Letters,
        }
    }

    /// The longest text the field takes (as validation allows, plus a little so that the
    /// visitor sees the "too long" message rather than a key that does nothing).
    pub fn max_chars(self) -> usize {
        match self {
            TextField::Name => 110,
            TextField::Phone => 20,
            TextField::Email => 254,
            TextField::Note => 510,
        }
    }

    /// The domain's name for the field, for tying validation messages to it.
    pub fn form_field(self) -> FormField {
        match self {
            TextField::Name => FormField::Name,
            TextField::Phone => FormField::Phone,
            TextField::Email => FormField::Email,
            TextField::Note => FormField::Note,
        }
    }
}

/// What the visitor is filling in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormState {
    /// The typed values.
    pub form: SignupForm,
    /// The field the keyboard types into; `None` hides the keyboard.
    pub focus: Option<TextField>,
    /// Upper case for the next letter.
    pub shift: bool,
    /// Problems found at the last "send".
    pub problems: Vec<FormProblem>,
    /// The full consent text is open.
    pub consent_open: bool,
    /// The job has a minimum age: the age checkbox is shown and required.
    pub needs_age: bool,
    /// Saving is under way; the send button is disabled so a double tap saves once.
    pub saving: bool,
    /// Saving failed; the message is shown and the form is kept.
    pub save_error: Option<String>,
}

impl FormState {
    /// The text of a field.
    pub fn text(&self, field: TextField) -> &str {
        match field {
            TextField::Name => &self.form.name,
            TextField::Phone => &self.form.phone,
            TextField::Email => &self.form.email,
            TextField::Note => &self.form.note,
        }
    }

    /// The text of a field, to change.
    pub fn text_mut(&mut self, field: TextField) -> &mut String {
        match field {
            TextField::Name => &mut self.form.name,
            TextField::Phone => &mut self.form.phone,
            TextField::Email => &mut self.form.email,
            TextField::Note => &mut self.form.note,
        }
    }

    /// The problems that belong to a field.
    pub fn problems_for(&self, field: FormField) -> impl Iterator<Item = FormProblem> + '_ {
        self.problems
            .iter()
            .copied()
            .filter(move |p| p.field() == field)
    }
}
