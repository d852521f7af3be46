//! The people tests and benchmarks sign up: a fixed visitor per kiosk and number, and
//! realistic Danish names, phones and addresses.

use frivillig_common::domain::{PersonalData, SignupForm};

/// A valid form for visitor number `i` of kiosk `kiosk`, with distinctive personal data.
pub fn visitor_form(kiosk: &str, i: usize) -> SignupForm {
    SignupForm {
        name: format!("Åse Frivillig-{kiosk}-{i}"),
        phone: format!("{:08}", 20_000_000 + i),
        email: format!("aase.{kiosk}.{i}@example.dk"),
        age_confirmed: true,
        note: String::new(),
        consent_given: true,
        lang: frivillig_common::text::Lang::Da,
    }
}

/// First names common in Denmark, for [`realistic_visitor`] and the benchmarks.
pub const FIRST_NAMES: &[&str] = &[
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Susanne", "Lene", "Camilla", "Ida", "Emma",
    "Sofie", "Freja", "Karen", "Inge", "Birgit", "Bente", "Åse", "Maja", "Peter", "Jens", "Lars",
    "Michael", "Henrik", "Søren", "Thomas", "Niels", "Rasmus", "Jesper", "Morten", "Ole", "Hans",
    "Anders", "Mads", "Frederik", "Mikkel", "Jørgen", "Poul", "Ahmed", "Fatima", "Mohammad",
    "Zeynep", "Ali", "Noah", "Oliver", "William", "Karl", "Aksel", "Lærke",
];

/// Surnames common in Denmark, for [`realistic_visitor`] and the benchmarks.
pub const SURNAMES: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Karlsen",
    "Yilmaz",
    "Hussein",
    "Frederiksen",
    "Lund",
    "Holm",
    "Schmidt",
    "Eriksen",
    "Kristiansen",
    "Simonsen",
    "Clausen",
    "Svendsen",
    "Andreasen",
    "Iversen",
    "Østergaard",
    "Jeppesen",
    "Vestergaard",
    "Nissen",
    "Lauridsen",
    "Kjær",
    "Dahl",
    "Bach",
];

/// Where Danes' private e-mail lives, most common first (the first ones drawn more often).
const MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "hotmail.com",
    "outlook.dk",
    "live.dk",
    "yahoo.dk",
    "icloud.com",
    "mail.dk",
    "hotmail.dk",
    "jubii.dk",
    "youmail.dk",
    "stofanet.dk",
    "privat.dk",
];

/// Notes a visitor might leave the coordinator.
const NOTES: &[&str] = &[
    "Kan kun om aftenen",
    "Har erfaring fra spejderne",
    "Vil gerne være sammen med min nabo",
    "Kan ikke løfte tungt",
    "Taler også arabisk",
    "Har bil og kan køre",
    "Først efter sommerferien",
];

/// A valid form with personal data drawn the way real visitors' differs: Danish names,
/// e-mail in one of a few common shapes at common providers, random phone numbers, some
/// without phone or e-mail, a few with a note. The benchmarks' bytes-on-the-wire floor is
/// the JSON+zstd size of the same signups, so formulaic data ([`visitor_form`], which only
/// a counter tells apart) would make the clear-text floor unrealistically small: real names
/// do not compress to a few bytes.
pub fn realistic_visitor(rng: &mut impl rand::Rng) -> SignupForm {
    let pick = |rng: &mut dyn rand::RngCore, list: &[&'static str]| -> &'static str {
        // Skewed towards the front: common names and providers are common.
        let a = rng.next_u32() as usize % list.len();
        let b = rng.next_u32() as usize % list.len();
        list[a.min(b)]
    };
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, SURNAMES);
    let middle = if rng.gen_bool(0.3) {
        Some(pick(rng, SURNAMES))
    } else {
        None
    };
    let name = match middle {
        Some(m) => format!("{first} {m} {last}"),
        None => format!("{first} {last}"),
    };
    let ascii = |s: &str| {
        s.to_lowercase()
            .replace('æ', "ae")
            .replace('ø', "oe")
            .replace('å', "aa")
    };
    let (f, l) = (ascii(first), ascii(last));
    let local = match rng.gen_range(0..5) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}{l}{}", rng.gen_range(1..100)),
        2 => format!(
            "{}{}{}",
            &f[..1],
            &l[..l.len().min(4)],
            rng.gen_range(1950..2010)
        ),
        3 => format!("{f}_{}", rng.gen_range(1..1000)),
        _ => format!("{f}{}", &l[..1]),
    };
    let domain = pick(rng, MAIL_DOMAINS);
    let (phone, email) = match rng.gen_range(0..10) {
        0 => (String::new(), format!("{local}@{domain}")),
        1 => (
            format!("{}", rng.gen_range(20_000_000..99_999_999u32)),
            String::new(),
        ),
        _ => (
            format!("{}", rng.gen_range(20_000_000..99_999_999u32)),
            format!("{local}@{domain}"),
        ),
    };
    let note = if rng.gen_bool(0.1) {
        NOTES[rng.gen_range(0..NOTES.len())].to_owned()
    } else {
        String::new()
    };
    SignupForm {
        name,
        phone,
        email,
        age_confirmed: true,
        note,
        consent_given: true,
        lang: frivillig_common::text::Lang::Da,
    }
}

/// The personal data a hand-written kiosk seals: `name`, a Glostrup phone number, consent
/// to the age rule, nothing else.
pub fn sealed_person(name: &str) -> PersonalData {
    PersonalData {
        name: name.into(),
        phone: Some("43000000".into()),
        email: None,
        age_confirmed: true,
        note: None,
        lang: None,
        receipt_token: None,
    }
}
