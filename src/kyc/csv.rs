//! CSV writing shared by every export (queue, audit log): RFC 4180 quoting with CRLF line ends,
//! and formula-leading cells neutralised so spreadsheets do not run them (CSV injection).

/// Appends one cell: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`; a cell holding a
/// comma, quote, CR or LF is quoted with its quotes doubled.
pub fn push_cell(out: &mut String, raw: &str) {
    let guarded;
    let cell = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{raw}");
        guarded.as_str()
    } else {
        raw
    };
    if cell.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

/// Appends one row and its CRLF.
pub fn push_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell.as_ref());
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        let mut out = String::new();
        push_row(
            &mut out,
            &[
                "plain",
                "a,b",
                "say \"hi\"",
                "=SUM(A1)",
                "-1",
                "line\nbreak",
            ],
        );
        assert_eq!(
            out,
            "plain,\"a,b\",\"say \"\"hi\"\"\",'=SUM(A1),'-1,\"line\nbreak\"\r\n"
        );
    }
}
