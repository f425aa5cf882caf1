//! What an upload may unpack to. A 6.5 KB workbook claiming a sheet of A1:XFD1048576, a 1 MB workbook
//! holding a 1 GiB sheet, a `uniqueCount` of 2⁶⁴−1 in the shared strings, a 0.5 MB Shapefile zip that
//! expands to gigabytes: each is refused here, before anything is allocated for it, with a Chinese
//! message, instead of taking the server down.

use std::io::{Cursor, Read};

/// The bounds on what one upload may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// All files of a zip (a workbook is one), unpacked, together.
    pub max_unpacked_bytes: u64,
    /// Files inside one zip.
    pub max_entries: usize,
    /// Rows of one sheet.
    pub max_rows: usize,
    /// Shared strings a workbook may declare.
    pub max_shared_strings: u64,
    /// Vertices of one layer.
    pub max_layer_vertices: usize,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 256 * 1024 * 1024,
            max_entries: 2_000,
            max_rows: 200_000,
            max_shared_strings: 5_000_000,
            max_layer_vertices: 2_000_000,
        }
    }
}

impl UploadLimits {
    pub fn layers(&self) -> orewatch_spatial::layers::LayerLimits {
        orewatch_spatial::layers::LayerLimits {
            max_unpacked_bytes: self.max_unpacked_bytes,
            max_vertices: self.max_layer_vertices,
        }
    }
}

/// Checks that a zip holds at most `max_entries` files that unpack, really (not as declared), to at most
/// `max_unpacked_bytes` together. Reads each file once through a counting cap, nothing kept.
pub fn check_zip(bytes: &[u8], limits: &UploadLimits) -> Result<(), String> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| "不是有效的 zip 压缩包".to_string())?;
    if archive.len() > limits.max_entries {
        return Err(format!("压缩包内文件超过 {} 个", limits.max_entries));
    }
    let mib = limits.max_unpacked_bytes / (1024 * 1024);
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| format!("压缩包第{}个文件无法读取：{e}", i + 1))?;
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("第{}个文件", i + 1));
        let declared = file.size();
        if total.saturating_add(declared) > limits.max_unpacked_bytes {
            return Err(format!("解压后超过 {mib} MiB（{name}），已拒绝"));
        }
        let budget = limits.max_unpacked_bytes - total;
        let mut capped = file.take(budget + 1);
        let mut sink = [0_u8; 64 * 1024];
        let mut read: u64 = 0;
        loop {
            let n = capped
                .read(&mut sink)
                .map_err(|e| format!("{name} 无法解压：{e}"))?;
            if n == 0 {
                break;
            }
            read += n as u64;
        }
        if read > budget {
            return Err(format!("解压后超过 {mib} MiB（{name}），已拒绝"));
        }
        total += read;
    }
    Ok(())
}

/// Checks the counts a workbook's shared strings declare before the workbook reader reserves memory for
/// them.
pub fn check_shared_strings(bytes: &[u8], limits: &UploadLimits) -> Result<(), String> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let name = (0..archive.len()).find_map(|i| {
        let file = archive.by_index(i).ok()?;
        let n: String = file.name().ok()?.into_owned();
        n.to_ascii_lowercase().ends_with("sharedstrings.xml").then_some(n)
    });
    let Some(name) = name else { return Ok(()) };
    let Ok(file) = archive.by_name(&name) else {
        return Ok(());
    };
    // The counts are attributes of the first element; 4 KiB holds them.
    let mut head = Vec::new();
    file.take(4096)
        .read_to_end(&mut head)
        .map_err(|e| format!("{name} 无法解压：{e}"))?;
    let text = String::from_utf8_lossy(&head);
    for attribute in ["uniqueCount=\"", "count=\""] {
        let mut rest = text.as_ref();
        while let Some(i) = rest.find(attribute) {
            rest = &rest[i + attribute.len()..];
            let digits: String = rest.chars().take_while(|c| *c != '"').collect();
            let too_many = digits
                .trim()
                .parse::<u64>()
                .map_or(true, |n| n > limits.max_shared_strings);
            if too_many {
                return Err(format!(
                    "工作簿声明的共享字符串数量（{}）超过上限 {}，文件可能已损坏",
                    digits.chars().take(24).collect::<String>(),
                    limits.max_shared_strings
                ));
            }
        }
    }
    Ok(())
}

/// Excel's last row and column: a cell beyond them was not written by a spreadsheet program.
const MAX_EXCEL_ROW: u64 = 1_048_576;
const MAX_EXCEL_COLUMN: u64 = 16_384;

/// Checks every cell and row position (`r="XFD1048576"`) of a workbook's sheets is within Excel's grid.
/// The reader adds a position's digits up in 32 bits: `A99999999999` overflowed (a panic in a debug
/// build, a silently wrapped row — another row's cell — in a release build).
pub fn check_positions(bytes: &[u8], limits: &UploadLimits) -> Result<(), String> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    for i in 0..archive.len() {
        let Ok(file) = archive.by_index(i) else { continue };
        let name: String = file.name().map(|n| n.into_owned()).unwrap_or_default();
        if !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            continue;
        }
        // `check_zip` bounded what the sheets unpack to; read through the same cap.
        let mut text = Vec::new();
        file.take(limits.max_unpacked_bytes)
            .read_to_end(&mut text)
            .map_err(|e| format!("{name} 无法解压：{e}"))?;
        let mut rest = text.as_slice();
        while let Some(at) = find(rest, b" r=\"") {
            rest = rest.get(at + 4..).unwrap_or_default();
            let value: Vec<u8> = rest
                .iter()
                .take_while(|b| **b != b'"')
                .take(32)
                .copied()
                .collect();
            let letters: Vec<u8> = value
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .copied()
                .collect();
            let digits = value.get(letters.len()..).unwrap_or_default();
            let column = letters.iter().try_fold(0_u64, |n, b| {
                n.checked_mul(26)?
                    .checked_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
            });
            let row = std::str::from_utf8(digits)
                .ok()
                .and_then(|d| d.parse::<u64>().ok());
            let beyond = letters.len() > 3
                || column.is_none_or(|c| c > MAX_EXCEL_COLUMN)
                || (!digits.is_empty() && row.is_none_or(|r| r == 0 || r > MAX_EXCEL_ROW));
            if beyond {
                let shown: String = String::from_utf8_lossy(&value).chars().take(24).collect();
                return Err(format!(
                    "{name} 中的单元格位置“{shown}”超出 Excel 的范围（{MAX_EXCEL_ROW} 行、XFD 列），文件可能已损坏"
                ));
            }
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orewatch_testkit::zips::zip_of;

    #[test]
    fn a_small_zip_that_expands_past_the_limit_is_refused() {
        let big = vec![b'a'; 4 * 1024 * 1024];
        let bytes = zip_of(&[("xl/worksheets/sheet1.xml", &big)]);
        assert!(bytes.len() < 64 * 1024, "compressed to {}", bytes.len());
        let limits = UploadLimits {
            max_unpacked_bytes: 1024 * 1024,
            ..UploadLimits::default()
        };
        let err = check_zip(&bytes, &limits).unwrap_err();
        assert!(err.contains("1 MiB"), "{err}");
        assert!(check_zip(&bytes, &UploadLimits::default()).is_ok());
    }

    #[test]
    fn an_absurd_shared_string_count_is_refused_before_reading() {
        let sst = br#"<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="18446744073709551615"><si><t>a</t></si></sst>"#;
        let bytes = zip_of(&[("xl/sharedStrings.xml", sst)]);
        let err = check_shared_strings(&bytes, &UploadLimits::default()).unwrap_err();
        assert!(err.contains("共享字符串"), "{err}");
        let fine = br#"<sst count="2" uniqueCount="2"><si><t>a</t></si></sst>"#;
        assert!(check_shared_strings(
            &zip_of(&[("xl/sharedStrings.xml", fine)]),
            &UploadLimits::default()
        )
        .is_ok());
    }

    #[test]
    fn a_cell_position_beyond_excels_grid_is_refused() {
        let limits = UploadLimits::default();
        let sheet = |r: &str| {
            format!(
                r#"<worksheet><sheetData><row r="1"><c r="{r}"><v>1</v></c></row></sheetData></worksheet>"#
            )
        };
        let ok = zip_of(&[("xl/worksheets/sheet1.xml", sheet("XFD1048576").as_bytes())]);
        assert_eq!(check_positions(&ok, &limits), Ok(()));
        for bad in ["A99999999999", "A1048577", "XFE1", "AAAA1", "A0"] {
            let zip = zip_of(&[("xl/worksheets/sheet1.xml", sheet(bad).as_bytes())]);
            let err = check_positions(&zip, &limits).unwrap_err();
            assert!(
                err.contains(bad) && err.contains("超出 Excel 的范围"),
                "{bad}: {err}"
            );
        }
    }
}
