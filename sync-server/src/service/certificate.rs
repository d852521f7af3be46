//! The volunteer certificate (frivilligbevis): one A4 page as PDF with the person's name,
//! the jobs with their periods and hours, the hours per year, and the municipality's name
//! as the one who issues it. Written with `pdf-writer` (typst's PDF writer) in the
//! standard Helvetica fonts, which need nothing embedded and have the Danish letters.

use chrono::NaiveDate;
use frivillig_common::domain::Catalog;
use frivillig_common::text::{Lang, job_title, win_ansi};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::service::hours::{Summary, hours_text};

/// A4 in points.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 64.0;
/// The portal's blue.
const BLUE: (f32, f32, f32) = (0.0, 0.294, 0.529);

/// What the certificate says.
pub struct Certificate<'a> {
    /// Their language.
    pub lang: Lang,
    /// Their name.
    pub name: &'a str,
    /// Who issues it: the municipality, as its messages are signed.
    pub issuer: &'a str,
    /// The day it is issued.
    pub issued_on: NaiveDate,
}

/// One line of text to set.
struct Line {
    text: String,
    size: f32,
    bold: bool,
    gap: f32,
}

fn line(text: impl Into<String>, size: f32, bold: bool, gap: f32) -> Line {
    Line {
        text: text.into(),
        size,
        bold,
        gap,
    }
}

fn day(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Da => d.format("%-d.%-m.%Y").to_string(),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// The lines of the certificate, top to bottom.
fn lines(c: &Certificate<'_>, catalog: &Catalog, s: &Summary) -> Vec<Line> {
    let lang = c.lang;
    let mut out = vec![
        line(
            lang.pick("Frivilligbevis", "Volunteer certificate"),
            30.0,
            true,
            0.0,
        ),
        line(
            match lang {
                Lang::Da => format!("{} bekræfter hermed, at", c.issuer),
                Lang::En => format!("{} hereby confirms that", c.issuer),
            },
            13.0,
            false,
            40.0,
        ),
        line(c.name, 22.0, true, 30.0),
        line(
            lang.pick(
                "har gjort en frivillig indsats i Glostrup:",
                "has volunteered in Glostrup:",
            ),
            13.0,
            false,
            30.0,
        ),
    ];
    for (job, (first, last)) in &s.periods {
        let title = catalog
            .opportunity(job)
            .map_or(job.as_str(), |o| job_title(lang, o));
        let minutes: u32 = s
            .by_job
            .iter()
            .filter(|((_, j), _)| j == job)
            .map(|(_, m)| m)
            .sum();
        let period = if first == last {
            day(lang, *first)
        } else {
            format!("{} – {}", day(lang, *first), day(lang, *last))
        };
        out.push(line(format!("• {title}"), 13.0, true, 24.0));
        out.push(line(
            format!("   {period} · {}", hours_text(lang, minutes)),
            12.0,
            false,
            17.0,
        ));
    }
    for (year, minutes) in &s.by_year {
        let text = match lang {
            Lang::Da => format!("I alt i {year}: {}", hours_text(lang, *minutes)),
            Lang::En => format!("In total in {year}: {}", hours_text(lang, *minutes)),
        };
        out.push(line(text, 13.0, true, 24.0));
    }
    out.push(line(
        lang.pick(
            "Tak for din indsats for andre. Den gør en forskel.",
            "Thank you for what you do for others. It makes a difference.",
        ),
        13.0,
        false,
        40.0,
    ));
    out.push(line(c.issuer, 13.0, true, 60.0));
    out.push(line(
        match lang {
            Lang::Da => format!("Udstedt {}", day(lang, c.issued_on)),
            Lang::En => format!("Issued {}", day(lang, c.issued_on)),
        },
        11.0,
        false,
        17.0,
    ));
    out
}

/// The certificate as a one-page PDF.
pub fn certificate_pdf(c: &Certificate<'_>, catalog: &Catalog, s: &Summary) -> Vec<u8> {
    let (catalog_id, tree_id, page_id, content_id) =
        (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    let (regular_id, bold_id, info_id) = (Ref::new(5), Ref::new(6), Ref::new(7));
    let (regular, bold) = (Name(b"F1"), Name(b"F2"));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1))
        .parent(tree_id)
        .contents(content_id);
    page.resources()
        .fonts()
        .pair(regular, regular_id)
        .pair(bold, bold_id);
    drop(page);
    for (id, font) in [(regular_id, "Helvetica"), (bold_id, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(font.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info_id).title(TextStr(
        c.lang.pick("Frivilligbevis", "Volunteer certificate"),
    ));

    let mut content = Content::new();
    // A band of the municipality's blue across the top.
    content.set_fill_rgb(BLUE.0, BLUE.1, BLUE.2);
    content
        .rect(0.0, PAGE.1 - 24.0, PAGE.0, 24.0)
        .fill_nonzero();
    let mut y = PAGE.1 - 110.0;
    for (i, l) in lines(c, catalog, s).iter().enumerate() {
        y -= l.gap;
        let bytes = win_ansi(&l.text);
        if i == 0 {
            content.set_fill_rgb(BLUE.0, BLUE.1, BLUE.2);
        } else {
            content.set_fill_rgb(0.1, 0.1, 0.1);
        }
        content
            .begin_text()
            .set_font(if l.bold { bold } else { regular }, l.size)
            .next_line(MARGIN, y)
            .show(Str(&bytes))
            .end_text();
    }
    pdf.stream(content_id, &content.finish());
    pdf.finish()
}
