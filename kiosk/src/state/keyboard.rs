//! The on-screen keyboard as data: which keys a layout has, and what a key does to a field.
//! egui 0.37 has no on-screen keyboard, and a kiosk often has no physical one.

/// Which set of keys is shown. The layout follows the focused field: digits for a phone
/// number, `@` and `.` for an e-mail address, Danish letters for names and notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyboardLayout {
    /// Danish letters with æ, ø, å.
    Letters,
    /// Letters, digits and the signs an e-mail address needs.
    Email,
    /// Letters, digits and the signs a web address needs (`:`, `/`).
    Address,
    /// A phone keypad.
    Phone,
}

/// One key of the on-screen keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Types a character (upper case when shift is on).
    Char(char),
    /// Types a fixed piece of text, such as `.dk`.
    Text(&'static str),
    /// Deletes the last character.
    Backspace,
    /// Types a space.
    Space,
    /// Upper case for the next letter.
    Shift,
    /// Moves to the next field.
    Next,
    /// Hides the keyboard.
    Done,
}

const LETTER_ROWS: [&str; 4] = ["1234567890", "qwertyuiopå", "asdfghjklæø", "zxcvbnm"];

/// The rows of keys for a layout. `shifted` turns letters to upper case.
pub fn keyboard_rows(layout: KeyboardLayout, shifted: bool) -> Vec<Vec<Key>> {
    let chars = |s: &str| -> Vec<Key> {
        s.chars()
            .map(|c| {
                if shifted {
                    Key::Char(c.to_uppercase().next().unwrap_or(c))
                } else {
                    Key::Char(c)
                }
            })
            .collect()
    };
    // Letters and e-mail share the top three rows; they differ in the row with z and in
    // the bottom row. Addresses are lower case, so the e-mail layout has no shift.
    let (mut z_row, bottom) = match layout {
        KeyboardLayout::Letters => (
            vec![Key::Shift],
            vec![
                Key::Char(','),
                Key::Space,
                Key::Char('.'),
                Key::Next,
                Key::Done,
            ],
        ),
        KeyboardLayout::Address => (
            Vec::new(),
            vec![
                Key::Char(':'),
                Key::Char('/'),
                Key::Char('.'),
                Key::Text(".dk"),
                Key::Next,
                Key::Done,
            ],
        ),
        KeyboardLayout::Email => (
            Vec::new(),
            vec![
                Key::Char('@'),
                Key::Char('.'),
                Key::Text(".dk"),
                Key::Text(".com"),
                Key::Next,
                Key::Done,
            ],
        ),
        KeyboardLayout::Phone => {
            return vec![
                chars("123"),
                chars("456"),
                chars("789"),
                vec![Key::Char('+'), Key::Char('0'), Key::Backspace],
                vec![Key::Next, Key::Done],
            ];
        }
    };
    z_row.extend(chars(LETTER_ROWS[3]));
    if layout != KeyboardLayout::Letters {
        z_row.push(Key::Char('_'));
    }
    z_row.extend([Key::Char('-'), Key::Backspace]);
    vec![
        chars(LETTER_ROWS[0]),
        chars(LETTER_ROWS[1]),
        chars(LETTER_ROWS[2]),
        z_row,
        bottom,
    ]
}

impl Key {
    /// What the key shows, also its accessible label. Keys that type a character are
    /// labelled with that character so a screen reader and a test find them alike.
    pub fn label(&self, danish: bool) -> String {
        match self {
            Key::Char(c) => c.to_string(),
            Key::Text(t) => (*t).to_owned(),
            Key::Backspace => if danish { "Slet" } else { "Delete" }.to_owned(),
            Key::Space => if danish { "Mellemrum" } else { "Space" }.to_owned(),
            Key::Shift => if danish {
                "Store bogstaver"
            } else {
                "Capitals"
            }
            .to_owned(),
            Key::Next => if danish { "Næste felt" } else { "Next field" }.to_owned(),
            Key::Done => if danish {
                "Skjul tastatur"
            } else {
                "Hide keyboard"
            }
            .to_owned(),
        }
    }

    /// How many ordinary key widths this key takes.
    pub fn width(&self) -> f32 {
        match self {
            Key::Char(_) => 1.0,
            Key::Space => 4.0,
            Key::Text(_) | Key::Backspace => 1.6,
            Key::Shift => 2.2,
            Key::Next | Key::Done => 2.2,
        }
    }
}

/// Apply a typing key to a field's text, keeping it within `max_chars`. Returns whether
/// the text changed. Shift, Next and Done are handled by the form, not here.
pub fn apply_key(text: &mut String, key: &Key, max_chars: usize) -> bool {
    let room = max_chars.saturating_sub(text.chars().count());
    match key {
        Key::Char(c) if room >= 1 => {
            text.push(*c);
            true
        }
        Key::Text(t) if room >= t.chars().count() => {
            text.push_str(t);
            true
        }
        Key::Space if room >= 1 && !text.is_empty() && !text.ends_with(' ') => {
            text.push(' ');
            true
        }
        Key::Backspace => text.pop().is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_have_the_danish_vowels_and_shift_makes_capitals() {
        let rows = keyboard_rows(KeyboardLayout::Letters, false);
        for c in ['æ', 'ø', 'å'] {
            assert!(rows.iter().flatten().any(|k| *k == Key::Char(c)), "{c}");
        }
        let shifted = keyboard_rows(KeyboardLayout::Letters, true);
        for c in ['Æ', 'Ø', 'Å', 'Q'] {
            assert!(shifted.iter().flatten().any(|k| *k == Key::Char(c)), "{c}");
        }
    }

    #[test]
    fn email_has_at_and_dot_and_phone_has_digits_only() {
        let email: Vec<Key> = keyboard_rows(KeyboardLayout::Email, false).concat();
        assert!(email.contains(&Key::Char('@')) && email.contains(&Key::Char('.')));
        let phone: Vec<Key> = keyboard_rows(KeyboardLayout::Phone, false).concat();
        assert!(phone.iter().all(|k| match k {
            Key::Char(c) => c.is_ascii_digit() || *c == '+',
            _ => true,
        }));
        assert_eq!(
            phone.iter().filter(|k| matches!(k, Key::Char(_))).count(),
            11
        );
    }

    #[test]
    fn typing_respects_the_limit_and_spaces_are_not_doubled() {
        let mut s = String::new();
        assert!(!apply_key(&mut s, &Key::Space, 5), "no leading space");
        for c in "Ærø".chars() {
            assert!(apply_key(&mut s, &Key::Char(c), 5));
        }
        assert!(apply_key(&mut s, &Key::Space, 5));
        assert!(!apply_key(&mut s, &Key::Space, 5));
        assert!(apply_key(&mut s, &Key::Char('x'), 5));
        assert!(!apply_key(&mut s, &Key::Char('y'), 5), "full");
        assert!(!apply_key(&mut s, &Key::Text(".dk"), 5));
        assert!(apply_key(&mut s, &Key::Backspace, 5));
        assert_eq!(s, "Ærø ");
        let mut empty = String::new();
        assert!(!apply_key(&mut empty, &Key::Backspace, 5));
    }
}
