//! Signups as CSV for Danish Excel: UTF-8 with a byte-order mark (else Excel reads it as
//! Windows-1252), semicolons (the Danish list separator), CRLF line ends, every cell in
//! quotes, and cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
//! first) prefixed with `'`, so a name typed at a kiosk cannot become a formula on a
//! coordinator's PC. Quoting every cell is what keeps that true when the file is opened
//! with another separator: `Anna,=cmd|…` split at the comma would start a cell with `=`.

/// A CSV document of `header` and `rows`.
pub fn csv<I, R>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut out = String::from("\u{feff}");
    csv_line(&mut out, header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        csv_line(&mut out, row);
    }
    out
}

fn csv_line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            cell
        };
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn danish_excel_reads_it_as_written() {
        let out = csv(
            &["Navn", "Telefon"],
            [
                cells(&["Åse Ørsted", "+45 20 30 40 50"]),
                cells(&["Bo", ""]),
            ],
        );
        assert_eq!(
            out,
            "\u{feff}\"Navn\";\"Telefon\"\r\n\"Åse Ørsted\";\"'+45 20 30 40 50\"\r\n\"Bo\";\"\"\r\n"
        );
    }

    #[test]
    fn separators_quotes_and_line_breaks_are_quoted() {
        let out = csv(
            &["a"],
            [cells(&["x;y", "say \"hi\"", "two\nlines", "plain"])],
        );
        assert_eq!(out.lines().nth(1), Some("\"x;y\";\"say \"\"hi\"\"\";\"two"));
        assert!(out.ends_with("lines\";\"plain\"\r\n"));
    }

    #[test]
    fn a_cell_stays_one_cell_under_a_comma_separator() {
        let out = csv(&["Navn"], [cells(&["Anna,=cmd|' /C calc'!A0"])]);
        assert_eq!(
            out.split("\r\n").nth(1),
            Some("\"Anna,=cmd|' /C calc'!A0\"")
        );
    }

    #[test]
    fn formulas_are_defused() {
        for (typed, written) in [
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "\"'+1\""),
            ("-1", "\"'-1\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\tx\""),
            ("a=b", "\"a=b\""),
        ] {
            let out = csv(&["h"], [cells(&[typed])]);
            assert_eq!(out.split("\r\n").nth(1), Some(written), "{typed:?}");
        }
    }
}
