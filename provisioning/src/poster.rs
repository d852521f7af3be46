//! Printable posters and table cards with QR codes that open a job's signup page on the
//! portal. One layout, drawn as simple shapes, rendered to SVG and to PDF (written directly:
//! rectangles and text in the standard Helvetica fonts need no PDF library).

use frivillig_common::domain::{Catalog, Opportunity};
use qrcode::{Color, QrCode};

/// A4 in millimetres.
const PAGE_W: f64 = 210.0;
const PAGE_H: f64 = 297.0;
/// Glostrup-like blue and near-black: high contrast on white paper.
const BLUE: &str = "#00558c";
const INK: &str = "#1a1a1a";

/// A shape on a page; millimetres, origin top left.
enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        color: &'static str,
    },
    /// `y` is the baseline.
    Text {
        x: f64,
        y: f64,
        size_pt: f64,
        bold: bool,
        color: &'static str,
        text: String,
    },
}

/// A page to render.
pub struct Page {
    shapes: Vec<Shape>,
}

/// The portal page a job's QR code opens.
pub fn signup_url(public_url: &str, opportunity_id: &str) -> String {
    format!(
        "{}/frivilligjob/{opportunity_id}",
        public_url.trim_end_matches('/')
    )
}

fn qr_shapes(
    url: &str,
    x: f64,
    y: f64,
    size: f64,
    out: &mut Vec<Shape>,
) -> Result<(), qrcode::types::QrError> {
    let code = QrCode::new(url.as_bytes())?;
    let n = code.width();
    // A quiet zone of four modules on each side, as readers expect.
    let module = size / (n as f64 + 8.0);
    out.push(Shape::Rect {
        x,
        y,
        w: size,
        h: size,
        color: "#ffffff",
    });
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            let (cx, cy) = ((i % n) as f64, (i / n) as f64);
            out.push(Shape::Rect {
                x: x + (cx + 4.0) * module,
                y: y + (cy + 4.0) * module,
                w: module,
                h: module,
                color: INK,
            });
        }
    }
    Ok(())
}

/// Words into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The first paragraph of a markdown text, without markup.
fn teaser(markdown: &str) -> String {
    let para = markdown.split("\n\n").next().unwrap_or("");
    para.chars()
        .filter(|c| !matches!(c, '*' | '_' | '#' | '`'))
        .collect::<String>()
        .replace('\n', " ")
}

/// An A4 poster for one job.
pub fn poster(
    catalog: &Catalog,
    o: &Opportunity,
    public_url: &str,
) -> Result<Page, qrcode::types::QrError> {
    let mut s = Vec::new();
    let text = |x, y, size_pt, bold, color, text: &str| Shape::Text {
        x,
        y,
        size_pt,
        bold,
        color,
        text: text.to_owned(),
    };
    s.push(Shape::Rect {
        x: 0.0,
        y: 0.0,
        w: PAGE_W,
        h: 42.0,
        color: BLUE,
    });
    s.push(text(18.0, 22.0, 34.0, true, "#ffffff", "Bliv frivillig"));
    s.push(text(
        18.0,
        33.0,
        16.0,
        false,
        "#ffffff",
        "Become a volunteer",
    ));
    let mut y = 62.0;
    for line in wrap(&o.title, 26) {
        s.push(text(18.0, y, 30.0, true, INK, &line));
        y += 12.0;
    }
    s.push(text(18.0, y, 15.0, false, INK, &o.title_en));
    y += 12.0;
    for line in wrap(&teaser(&o.description_md), 60) {
        s.push(text(18.0, y, 14.0, false, INK, &line));
        y += 7.0;
    }
    if let Some(site) = catalog.sites.iter().find(|x| x.id == o.site_id) {
        y += 3.0;
        s.push(text(
            18.0,
            y,
            14.0,
            true,
            INK,
            &format!("{}, {}", site.name, site.address),
        ));
    }
    let qr = 100.0;
    let qy = PAGE_H - qr - 38.0;
    qr_shapes(
        &signup_url(public_url, &o.id),
        (PAGE_W - qr) / 2.0,
        qy,
        qr,
        &mut s,
    )?;
    s.push(text(
        40.0,
        qy + qr + 10.0,
        16.0,
        true,
        INK,
        "Scan koden og tilmeld dig / scan to sign up",
    ));
    s.push(text(
        40.0,
        qy + qr + 18.0,
        11.0,
        false,
        INK,
        &signup_url(public_url, &o.id),
    ));
    Ok(Page { shapes: s })
}

/// A sheet of eight table cards (two columns, four rows), one per job, to cut out.
pub fn table_cards(
    jobs: &[&Opportunity],
    public_url: &str,
) -> Result<Page, qrcode::types::QrError> {
    let mut s = Vec::new();
    let (cw, ch) = (PAGE_W / 2.0, PAGE_H / 4.0);
    for (i, o) in jobs.iter().take(8).enumerate() {
        let (x, y) = ((i % 2) as f64 * cw, (i / 2) as f64 * ch);
        // Cutting lines.
        s.push(Shape::Rect {
            x,
            y,
            w: cw,
            h: 0.2,
            color: "#999999",
        });
        s.push(Shape::Rect {
            x,
            y,
            w: 0.2,
            h: ch,
            color: "#999999",
        });
        s.push(Shape::Text {
            x: x + 6.0,
            y: y + 11.0,
            size_pt: 14.0,
            bold: true,
            color: BLUE,
            text: "Bliv frivillig".into(),
        });
        let mut ty = y + 20.0;
        for line in wrap(&o.title, 22).into_iter().take(4) {
            s.push(Shape::Text {
                x: x + 6.0,
                y: ty,
                size_pt: 11.0,
                bold: true,
                color: INK,
                text: line,
            });
            ty += 5.5;
        }
        qr_shapes(
            &signup_url(public_url, &o.id),
            x + cw - 50.0,
            y + 12.0,
            46.0,
            &mut s,
        )?;
    }
    Ok(Page { shapes: s })
}

fn xml_escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page as SVG (A4, millimetres).
pub fn to_svg(page: &Page) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" shape-rendering=\"crispEdges\" width=\"{PAGE_W}mm\" height=\"{PAGE_H}mm\" viewBox=\"0 0 {PAGE_W} {PAGE_H}\">\n<rect width=\"{PAGE_W}\" height=\"{PAGE_H}\" fill=\"#ffffff\"/>\n"
    );
    for shape in &page.shapes {
        match shape {
            Shape::Rect { x, y, w, h, color } => out.push_str(&format!(
                "<rect x=\"{x:.3}\" y=\"{y:.3}\" width=\"{w:.3}\" height=\"{h:.3}\" fill=\"{color}\"/>\n"
            )),
            Shape::Text { x, y, size_pt, bold, color, text } => out.push_str(&format!(
                "<text x=\"{x:.2}\" y=\"{y:.2}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"{:.2}\" font-weight=\"{}\" fill=\"{color}\">{}</text>\n",
                size_pt * 0.3528,
                if *bold { "bold" } else { "normal" },
                xml_escape(text)
            )),
        }
    }
    out.push_str("</svg>\n");
    out
}

fn rgb(color: &str) -> (f64, f64, f64) {
    let c = |i: usize| {
        u8::from_str_radix(color.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0
    };
    (c(1), c(3), c(5))
}

/// Text as a PDF string in WinAnsiEncoding (which has æ, ø, å); other characters become '?'.
fn pdf_string(t: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for b in frivillig_common::text::win_ansi(t) {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// The page as a one-page PDF (A4).
pub fn to_pdf(page: &Page) -> Vec<u8> {
    let pt = |mm: f64| mm * 72.0 / 25.4;
    let mut content: Vec<u8> = Vec::new();
    for shape in &page.shapes {
        match shape {
            Shape::Rect { x, y, w, h, color } => {
                let (r, g, b) = rgb(color);
                content.extend(
                    format!(
                        "{r:.3} {g:.3} {b:.3} rg {:.3} {:.3} {:.3} {:.3} re f\n",
                        pt(*x),
                        pt(PAGE_H - y - h),
                        pt(*w),
                        pt(*h)
                    )
                    .as_bytes(),
                );
            }
            Shape::Text {
                x,
                y,
                size_pt,
                bold,
                color,
                text,
            } => {
                let (r, g, b) = rgb(color);
                content.extend(
                    format!(
                        "BT {r:.3} {g:.3} {b:.3} rg /{} {size_pt:.1} Tf {:.2} {:.2} Td ",
                        if *bold { "F2" } else { "F1" },
                        pt(*x),
                        pt(PAGE_H - y)
                    )
                    .as_bytes(),
                );
                content.extend(pdf_string(text));
                content.extend(b" Tj ET\n");
            }
        }
    }
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
            pt(PAGE_W),
            pt(PAGE_H)
        )
        .into_bytes(),
        [format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(), content, b"\nendstream".to_vec()].concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_vec(),
    ];
    let mut out = b"%PDF-1.4\n%\xe6\xf8\xe5\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(obj);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_and_pdf_strings_escape() {
        assert_eq!(
            wrap("Gåtur og kaffe med en beboer", 12),
            vec!["Gåtur og", "kaffe med en", "beboer"]
        );
        assert_eq!(
            pdf_string("(æ)"),
            vec![b'(', b'\\', b'(', 0xE6, b'\\', b')', b')']
        );
        assert_eq!(teaser("**Hej** du\n\nmere"), "Hej du");
    }
}
