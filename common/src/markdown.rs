//! The small part of markdown a catalog description uses, as blocks a screen can draw:
//! headings, paragraphs and bullet lists, with `**bold**` and `_emphasis_` marks removed.

/// A block of a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MdBlock {
    /// A `#` heading.
    Heading(String),
    /// Running text; lines of one paragraph are joined with spaces.
    Paragraph(String),
    /// One `*`, `-` or `+` list item.
    Bullet(String),
}

/// Split a markdown description into blocks. Anything not understood stays as text, so
/// a coordinator's unusual markdown is shown, never dropped.
pub fn parse_markdown(md: &str) -> Vec<MdBlock> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<MdBlock>| {
        if !paragraph.is_empty() {
            blocks.push(MdBlock::Paragraph(plain(&paragraph.join(" "))));
            paragraph.clear();
        }
    };
    for line in md.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some(h) = t.strip_prefix('#') {
            flush(&mut paragraph, &mut blocks);
            blocks.push(MdBlock::Heading(plain(h.trim_start_matches('#').trim())));
        } else if let Some(item) = ["* ", "- ", "+ "].iter().find_map(|p| t.strip_prefix(p)) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(MdBlock::Bullet(plain(item.trim())));
        } else {
            paragraph.push(t);
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn plain(s: &str) -> String {
    s.replace("**", "").replace("__", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_and_bullets() {
        let md =
            "# Om jobbet\nHjælp **skolebørn**\nmed lektier.\n\n* Ingen erfaring\n- Kaffe\n\nTak!";
        assert_eq!(
            parse_markdown(md),
            vec![
                MdBlock::Heading("Om jobbet".into()),
                MdBlock::Paragraph("Hjælp skolebørn med lektier.".into()),
                MdBlock::Bullet("Ingen erfaring".into()),
                MdBlock::Bullet("Kaffe".into()),
                MdBlock::Paragraph("Tak!".into()),
            ]
        );
        assert!(parse_markdown("").is_empty());
    }
}
