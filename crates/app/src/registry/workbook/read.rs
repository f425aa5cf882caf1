//! A workbook's importable sheets as rows of text by field name, read within the upload limits.
//!
//! Before the workbook reader sees the file, the zip is checked: it must unpack, really, to less than
//! the limit, and its shared strings must declare a sane count (a `uniqueCount` of 2⁶⁴−1 made the reader
//! reserve, and panic). Sheets are then streamed cell by cell — never as a rows × columns grid sized by
//! the sheet's declared dimension (A1:XFD1048576 asked for 512 GiB) — keeping only the columns of the
//! template, at most `max_rows` rows, and cells of at most Excel's own 32,767 characters.

use super::import::RowError;
use super::{Sheet, SHEETS};
use crate::registry::limits::{check_positions, check_shared_strings, check_zip, UploadLimits};
use calamine::{DataRef, Reader, Xlsx};
use orewatch_domain::Problem;
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

/// Excel's own limit on the text of a cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Columns beyond this are never template columns and are not read.
const MAX_COLUMNS: u32 = 64;

/// A sheet's data rows as text cells by field name, with their Excel row numbers.
pub(super) struct SheetRows {
    pub sheet: Sheet,
    pub rows: Vec<(usize, HashMap<&'static str, String>)>,
}

fn file_error(problem: Problem) -> RowError {
    RowError {
        sheet: String::new(),
        row: 0,
        column: None,
        problem,
    }
}

fn unreadable(message: String) -> RowError {
    file_error(Problem::UnreadableWorkbook { message })
}

fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d
            .as_datetime()
            .map(|t| t.date().format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| d.as_f64().to_string()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.get(..10).unwrap_or(s).to_string(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// Normalises a date typed as `2026/3/1` or `2026.03.01` to ISO.
pub(super) fn iso_date(text: &str) -> String {
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            match (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) {
                (Ok(y), Ok(m), Ok(d)) => format!("{y:04}-{m:02}-{d:02}"),
                _ => text.to_string(),
            }
        }
        _ => text.to_string(),
    }
}

/// Whether the bytes are a zip at all (an .xlsx is one); an old .xls, a CSV or a WPS .et is not.
fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The importable sheets of a workbook; problems of the file, a sheet or its headings go to `errors`.
pub(super) fn read_sheets(bytes: &[u8], limits: &UploadLimits, errors: &mut Vec<RowError>) -> Vec<SheetRows> {
    if !looks_like_zip(bytes) {
        errors.push(file_error(Problem::NotXlsx));
        return Vec::new();
    }
    if let Err(message) = gate(bytes, limits) {
        errors.push(unreadable(message));
        return Vec::new();
    }
    // The checks above keep the reader within bounds; a fault in it must still not take the server
    // down, so one is turned into an error for this file.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut local = Vec::new();
        let sheets = read_checked(bytes, limits, &mut local);
        (sheets, local)
    }));
    match read {
        Ok((sheets, local)) => {
            errors.extend(local);
            sheets
        }
        Err(_) => {
            errors.push(unreadable("工作簿结构异常，无法读取".into()));
            Vec::new()
        }
    }
}

/// What a zip must pass before the workbook reader sees it: its real unpacked size, its shared-string
/// counts, its cell positions.
fn gate(bytes: &[u8], limits: &UploadLimits) -> Result<(), String> {
    check_zip(bytes, limits)?;
    check_shared_strings(bytes, limits)?;
    check_positions(bytes, limits)
}

fn read_checked(bytes: &[u8], limits: &UploadLimits, errors: &mut Vec<RowError>) -> Vec<SheetRows> {
    let mut workbook: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => {
            errors.push(unreadable(format!("不是有效的 .xlsx 文件（{e}）")));
            return Vec::new();
        }
    };
    let names = workbook.sheet_names();
    let mut out = Vec::new();
    for sheet in SHEETS {
        let Some(actual) = names.iter().find(|n| n.trim() == sheet.name).cloned() else {
            continue;
        };
        match read_sheet(&mut workbook, &actual, sheet, limits, errors) {
            Ok(Some(rows)) => out.push(rows),
            Ok(None) => {}
            Err(message) => errors.push(RowError {
                sheet: sheet.name.into(),
                row: 0,
                column: None,
                problem: Problem::UnreadableWorkbook { message },
            }),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(file_error(Problem::EmptyWorkbook));
    }
    out
}

/// One sheet's rows, or `None` when its headings are wrong (the problems are in `errors`).
fn read_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    sheet: Sheet,
    limits: &UploadLimits,
    errors: &mut Vec<RowError>,
) -> Result<Option<SheetRows>, String> {
    let mut reader = workbook.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
    // Row → (column → text), only the template's first columns.
    let mut cells: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut too_long: Vec<(u32, u32)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if !cells.contains_key(&row) && cells.len() > limits.max_rows {
            errors.push(RowError {
                sheet: sheet.name.into(),
                row: 0,
                column: None,
                problem: Problem::TooManyRows { max: limits.max_rows },
            });
            return Ok(None);
        }
        if text.chars().count() > MAX_CELL_CHARS {
            too_long.push((row, column));
            continue;
        }
        cells.entry(row).or_default().insert(column, text);
    }
    let Some((&heading_row, headings)) = cells.iter().next() else {
        return Ok(Some(SheetRows {
            sheet,
            rows: Vec::new(),
        }));
    };
    let heading_excel_row = heading_row as usize + 1;
    // Column → field, by heading; a trailing * marks required columns in the template.
    let mut fields: HashMap<u32, &'static str> = HashMap::new();
    let mut header_ok = true;
    for (&column, text) in headings {
        let text = text.trim_end_matches(['*', '＊']).trim();
        match sheet.columns.iter().find(|c| c.heading == text) {
            Some(c) => {
                fields.insert(column, c.field);
            }
            None => {
                header_ok = false;
                errors.push(RowError {
                    sheet: sheet.name.into(),
                    row: heading_excel_row,
                    column: Some(text.to_string()),
                    problem: Problem::UnknownColumn {
                        column: text.to_string(),
                    },
                });
            }
        }
    }
    for c in sheet.columns.iter().filter(|c| c.required) {
        if !fields.values().any(|f| *f == c.field) {
            header_ok = false;
            errors.push(RowError {
                sheet: sheet.name.into(),
                row: heading_excel_row,
                column: Some(c.heading.to_string()),
                problem: Problem::MissingColumn {
                    column: c.heading.to_string(),
                },
            });
        }
    }
    for (row, column) in too_long {
        errors.push(RowError {
            sheet: sheet.name.into(),
            row: row as usize + 1,
            column: fields.get(&column).and_then(|f| sheet.heading_of(f)),
            problem: Problem::TooLong { max: MAX_CELL_CHARS },
        });
    }
    if !header_ok {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for (&row, values) in cells.iter().skip(1) {
        let mut by_field: HashMap<&'static str, String> = HashMap::new();
        for (column, text) in values {
            if let Some(field) = fields.get(column) {
                let text = if field.starts_with("valid_") {
                    iso_date(text)
                } else {
                    text.clone()
                };
                by_field.insert(field, text);
            }
        }
        if by_field.values().all(String::is_empty) {
            continue;
        }
        rows.push((row as usize + 1, by_field));
    }
    Ok(Some(SheetRows { sheet, rows }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_typed_with_slashes_or_dots_become_iso() {
        assert_eq!(iso_date("2026/3/1"), "2026-03-01");
        assert_eq!(iso_date("2026.03.01"), "2026-03-01");
        assert_eq!(iso_date("2026-03-01"), "2026-03-01");
        assert_eq!(iso_date("明年"), "明年");
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_told_how_to_save_one() {
        let mut errors = Vec::new();
        read_sheets(b"name,code\n", &UploadLimits::default(), &mut errors);
        assert_eq!(errors.first().map(|e| &e.problem), Some(&Problem::NotXlsx));
        // An old .xls (an OLE compound file) likewise.
        let mut errors = Vec::new();
        read_sheets(
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            &UploadLimits::default(),
            &mut errors,
        );
        assert_eq!(errors.first().map(|e| &e.problem), Some(&Problem::NotXlsx));
    }
}

/// The workbook reader against mangled workbooks (the fuzz target of `scripts/fuzz.sh`, which runs it
/// 10,000 times under a 4 GiB address-space limit): a real workbook whose zip bytes, or whose sheet,
/// shared-strings or workbook XML, are flipped, cut, spliced or given extreme values. The reader must
/// return rows or errors — never panic (the server's catch is not used here) and never allocate its way
/// out of the limit.
#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::registry::sample;
    use crate::registry::workbook::build;
    use orewatch_testkit::zips::{entries, zip_of};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// A small real workbook (every sheet, a few rows), built once.
    fn seed() -> &'static [u8] {
        static SEED: OnceLock<Vec<u8>> = OnceLock::new();
        SEED.get_or_init(|| {
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
            let s = sample::generate(3, 2, today);
            build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap_or_default()
        })
    }

    /// Values that broke readers before: a sheet dimension of every cell, counts near 2⁶⁴, huge and
    /// negative row numbers, deep nesting, NULs.
    const NASTY: &[&str] = &[
        "A1:XFD1048576",
        "18446744073709551615",
        "-1",
        "4294967296",
        "1048577",
        "<c r=\"XFD1048576\"><v>1</v></c>",
        "<si><t>",
        "\u{0}",
        "&#0;",
        "<![CDATA[",
        "<row r=\"99999999999\">",
        "NaN",
        "1e308",
    ];

    #[derive(Debug, Clone)]
    enum Mangle {
        /// Flip bytes of the zip itself.
        ZipBytes(Vec<(usize, u8)>),
        /// Cut the zip short.
        Truncate(usize),
        /// Change one entry's XML: replace a run of bytes with a nasty value, flip bytes, or cut it.
        Xml {
            entry: usize,
            at: usize,
            len: usize,
            nasty: usize,
            flips: Vec<(usize, u8)>,
            cut: bool,
        },
    }

    fn mangle() -> impl Strategy<Value = Mangle> {
        prop_oneof![
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..20).prop_map(Mangle::ZipBytes),
            any::<usize>().prop_map(Mangle::Truncate),
            (
                any::<usize>(),
                any::<usize>(),
                0_usize..64,
                any::<usize>(),
                prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
                any::<bool>()
            )
                .prop_map(|(entry, at, len, nasty, flips, cut)| Mangle::Xml {
                    entry,
                    at,
                    len,
                    nasty,
                    flips,
                    cut
                }),
        ]
    }

    fn apply(m: &Mangle) -> Vec<u8> {
        let seed = seed();
        match m {
            Mangle::ZipBytes(flips) => {
                let mut bytes = seed.to_vec();
                for (at, b) in flips {
                    let i = at % bytes.len();
                    if let Some(x) = bytes.get_mut(i) {
                        *x ^= b | 1;
                    }
                }
                bytes
            }
            Mangle::Truncate(at) => seed.get(..at % seed.len()).unwrap_or_default().to_vec(),
            Mangle::Xml {
                entry,
                at,
                len,
                nasty,
                flips,
                cut,
            } => {
                let mut all = entries(seed);
                let n = all.len();
                if let Some((_, data)) = all.get_mut(entry % n) {
                    let at = at % data.len().max(1);
                    let end = (at + len).min(data.len());
                    let value = NASTY.get(nasty % NASTY.len()).copied().unwrap_or_default();
                    data.splice(at..end, value.bytes());
                    for (i, b) in flips {
                        let i = i % data.len().max(1);
                        if let Some(x) = data.get_mut(i) {
                            *x ^= b | 1;
                        }
                    }
                    if *cut {
                        data.truncate(at);
                    }
                }
                zip_of(&all)
            }
        }
    }

    proptest! {
        #[test]
        fn a_mangled_workbook_is_read_or_refused_never_a_panic(m in mangle()) {
            let bytes = apply(&m);
            let limits = UploadLimits::default();
            let mut errors = Vec::new();
            // The same gate as `read_sheets`, without its catch: a panic fails the case.
            if looks_like_zip(&bytes) && gate(&bytes, &limits).is_ok() {
                let sheets = read_checked(&bytes, &limits, &mut errors);
                for sheet in &sheets {
                    prop_assert!(sheet.rows.len() <= limits.max_rows);
                }
            }
        }
    }
}
