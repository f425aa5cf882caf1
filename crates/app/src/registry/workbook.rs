//! Excel workbooks (.xlsx): the import template, the all-or-nothing import of companies, mines,
//! licences and permits with a row-by-row error list, and the export of lists.
//!
//! A workbook holds up to four sheets named 企业, 矿山, 矿业权 and 许可证 (others, such as the
//! template's 填表说明, are ignored); the first row of each holds the column headings of [`SHEETS`]
//! (a trailing `*` marks a required column and is optional). Rows are checked with the same functions
//! as the forms ([`super::input`]), then against the database and each other (a licence's mine may be a
//! mine of the same workbook). Nothing is written unless every row is right; then everything is written
//! in one transaction, each record with its audit row.

use super::input::{
    check_company, check_licence, check_mine, check_permit, CompanyInput, LicenceInput, MineInput,
    PermitInput,
};
use super::records::{insert_company, insert_licence, insert_mine, insert_permit, MineQuery, PermitQuery};
use crate::{App, AppError, Caller, Result};
use calamine::{Data, Reader, Xlsx};
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::permit::PermitKind;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{FieldErrors, Problem};
use orewatch_storage::{companies, licences, mines, permits};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Cursor;

/// One column of a sheet: its heading and the form field it feeds.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub heading: &'static str,
    pub field: &'static str,
    pub required: bool,
    pub hint: &'static str,
}

/// One importable sheet.
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub name: &'static str,
    pub columns: &'static [Column],
}

const fn col(heading: &'static str, field: &'static str, required: bool, hint: &'static str) -> Column {
    Column {
        heading,
        field,
        required,
        hint,
    }
}

pub const COMPANIES: Sheet = Sheet {
    name: "企业",
    columns: &[
        col(
            "统一社会信用代码",
            "credit_code",
            true,
            "18位，末位为校验位，如 91450481MACGA1K675",
        ),
        col("企业名称", "name", true, ""),
        col("法定代表人", "legal_rep", true, ""),
        col("地址", "address", false, ""),
        col("联系电话", "phone", false, ""),
    ],
};

pub const MINES: Sheet = Sheet {
    name: "矿山",
    columns: &[
        col(
            "矿山名称",
            "name",
            true,
            "全县唯一，矿业权、许可证工作表按此名称关联",
        ),
        col("乡镇", "township", true, ""),
        col("矿种", "mineral", true, ""),
        col("开采方式", "method", true, "露天 / 地下"),
        col("状态", "status", true, "筹建 / 生产 / 停产整顿 / 关闭"),
        col("企业信用代码", "company", true, "须已登记或在“企业”工作表中"),
        col("包片单位代码", "area_agency", false, "如 nr、em、ee"),
        col("督导员", "supervisor", false, ""),
    ],
};

pub const LICENCES: Sheet = Sheet {
    name: "矿业权",
    columns: &[
        col("证号", "licence_no", true, "23位新版证号或旧版证号"),
        col("类型", "kind", true, "采矿权 / 探矿权"),
        col("矿山名称", "mine", true, ""),
        col("矿业权人信用代码", "holder", true, ""),
        col("矿种", "mineral", true, ""),
        col("开采方式", "method", true, "露天 / 地下"),
        col("生产规模", "scale", false, "数字"),
        col("规模单位", "scale_unit", false, "万吨/年 / 万立方米/年"),
        col("面积（平方公里）", "declared_area_km2", true, "证载面积，4位小数"),
        col("有效期起", "valid_from", true, "2026-01-01"),
        col("有效期止", "valid_to", true, "2031-01-01"),
        col(
            "拐点坐标",
            "boundary",
            true,
            "每行一个拐点：点号, X, Y；多个矿段用“*”行或“矿段2”分隔，可写标高范围",
        ),
    ],
};

pub const PERMITS: Sheet = Sheet {
    name: "许可证",
    columns: &[
        col("证照类型", "kind", true, "安全生产许可证、排污许可证、环评批复、使用林地审核同意书、水土保持方案批复、取水许可证、用地批准、营业执照、爆破作业单位许可证"),
        col("编号", "permit_no", true, ""),
        col("持证企业信用代码", "holder", true, ""),
        col("矿山名称", "mine", true, ""),
        col("有效期起", "valid_from", true, ""),
        col("有效期止", "valid_to", true, ""),
        col("许可范围", "scope", false, ""),
        col("状态", "state", false, "有效 / 吊销 / 暂扣，空为有效"),
    ],
};

pub const SHEETS: [Sheet; 4] = [COMPANIES, MINES, LICENCES, PERMITS];

/// One problem of one cell (or row, or sheet).
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub sheet: String,
    /// 1-based Excel row (1 is the heading row); 0 when the problem is the whole file.
    pub row: usize,
    /// The column heading, when one column is at fault.
    pub column: Option<String>,
    pub problem: Problem,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportCounts {
    pub companies: usize,
    pub mines: usize,
    pub licences: usize,
    pub permits: usize,
    /// Licences whose declared area differs from the computed one by more than 0.5 %:
    /// (row, licence number, relative difference).
    pub area_warnings: Vec<(usize, String, f64)>,
}

/// The result of an import: everything written, or nothing and the list of problems.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Imported(ImportCounts),
    Refused(Vec<RowError>),
}

/// A sheet's data rows as text cells by field name, with their Excel row numbers.
struct SheetRows {
    sheet: Sheet,
    rows: Vec<(usize, HashMap<&'static str, String>)>,
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.date().format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| d.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Normalises a date typed as `2026/3/1` or `2026.03.01` to ISO.
fn iso_date(text: &str) -> String {
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

fn read_sheets(bytes: &[u8], errors: &mut Vec<RowError>) -> Vec<SheetRows> {
    let mut workbook: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => {
            errors.push(RowError {
                sheet: String::new(),
                row: 0,
                column: None,
                problem: Problem::UnreadableWorkbook {
                    message: format!("不是有效的 .xlsx 文件（{e}）"),
                },
            });
            return Vec::new();
        }
    };
    let names = workbook.sheet_names();
    let mut out = Vec::new();
    for sheet in SHEETS {
        if !names.iter().any(|n| n.trim() == sheet.name) {
            continue;
        }
        let Some(actual) = names.iter().find(|n| n.trim() == sheet.name).cloned() else {
            continue;
        };
        let range = match workbook.worksheet_range(&actual) {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    sheet: sheet.name.into(),
                    row: 0,
                    column: None,
                    problem: Problem::UnreadableWorkbook {
                        message: e.to_string(),
                    },
                });
                continue;
            }
        };
        let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
        let mut rows = range.rows();
        let Some(heading) = rows.next() else {
            out.push(SheetRows {
                sheet,
                rows: Vec::new(),
            });
            continue;
        };
        // Column index → field, by heading; a trailing * marks required columns in the template.
        let mut fields: Vec<Option<&'static str>> = Vec::new();
        let mut header_ok = true;
        for cell in heading {
            let text = cell_text(cell);
            let text = text.trim_end_matches(['*', '＊']).trim();
            if text.is_empty() {
                fields.push(None);
                continue;
            }
            match sheet.columns.iter().find(|c| c.heading == text) {
                Some(c) => fields.push(Some(c.field)),
                None => {
                    header_ok = false;
                    fields.push(None);
                    errors.push(RowError {
                        sheet: sheet.name.into(),
                        row: first_row + 1,
                        column: Some(text.to_string()),
                        problem: Problem::UnknownColumn {
                            column: text.to_string(),
                        },
                    });
                }
            }
        }
        for c in sheet.columns.iter().filter(|c| c.required) {
            if !fields.contains(&Some(c.field)) {
                header_ok = false;
                errors.push(RowError {
                    sheet: sheet.name.into(),
                    row: first_row + 1,
                    column: Some(c.heading.to_string()),
                    problem: Problem::MissingColumn {
                        column: c.heading.to_string(),
                    },
                });
            }
        }
        if !header_ok {
            continue;
        }
        let mut data = Vec::new();
        for (i, row) in rows.enumerate() {
            let excel_row = first_row + i + 2;
            let mut values: HashMap<&'static str, String> = HashMap::new();
            for (cell, field) in row.iter().zip(&fields) {
                if let Some(field) = field {
                    let mut text = cell_text(cell);
                    if field.starts_with("valid_") {
                        text = iso_date(&text);
                    }
                    values.insert(field, text);
                }
            }
            if values.values().all(String::is_empty) {
                continue;
            }
            data.push((excel_row, values));
        }
        out.push(SheetRows { sheet, rows: data });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError {
            sheet: String::new(),
            row: 0,
            column: None,
            problem: Problem::EmptyWorkbook,
        });
    }
    out
}

fn heading_of(sheet: &Sheet, field: &str) -> Option<String> {
    sheet
        .columns
        .iter()
        .find(|c| c.field == field)
        .map(|c| c.heading.to_string())
}

fn push_field_errors(errors: &mut Vec<RowError>, sheet: &Sheet, row: usize, fe: FieldErrors) {
    for e in fe.0 {
        errors.push(RowError {
            sheet: sheet.name.into(),
            row,
            column: heading_of(sheet, e.field),
            problem: e.problem,
        });
    }
}

/// Why a row's key (credit code, mine name, licence or permit number) cannot be added: it is registered
/// already, or an earlier row of the workbook has it.
fn repeat_of<K: Eq + std::hash::Hash>(
    registered: bool,
    earlier: &HashMap<K, usize>,
    key: &K,
) -> Option<Problem> {
    if registered {
        return Some(Problem::Duplicate);
    }
    earlier.get(key).map(|&row| Problem::DuplicateInFile { row })
}

/// What is wrong with a row's mine: none named, or one neither registered nor in the workbook.
fn mine_reference(mine: &str, known: impl Fn(&str) -> bool) -> Option<Problem> {
    if mine.is_empty() {
        Some(Problem::Required)
    } else if !known(mine) {
        Some(Problem::MineNotRegistered)
    } else {
        None
    }
}

/// Imports a workbook, all or nothing.
pub async fn import(app: &App, caller: &Caller, bytes: &[u8], file_name: &str) -> Result<ImportOutcome> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let mut errors = Vec::new();
    let sheets = read_sheets(bytes, &mut errors);
    let get = |rows: &HashMap<&'static str, String>, f: &str| rows.get(f).cloned().unwrap_or_default();
    let by_name = |name: &str| sheets.iter().find(|s| s.sheet.name == name);

    // What is already registered, in one read each.
    let mut conn = app.db.conn().await?;
    let known_companies: HashMap<String, i64> = companies::all_codes(&mut conn)
        .await?
        .into_iter()
        .map(|(id, code, _)| (code, id))
        .collect();
    let known_mines: HashMap<String, i64> = mines::all_names(&mut conn)
        .await?
        .into_iter()
        .map(|(id, name)| (name, id))
        .collect();
    let known_licences: std::collections::HashSet<String> =
        licences::all_numbers(&mut conn).await?.into_iter().collect();
    let known_permits: std::collections::HashSet<(String, String)> =
        permits::all_keys(&mut conn).await?.into_iter().collect();
    drop(conn);

    let dup = |errors: &mut Vec<RowError>, sheet: &Sheet, row: usize, field: &str, problem: Problem| {
        errors.push(RowError {
            sheet: sheet.name.into(),
            row,
            column: heading_of(sheet, field),
            problem,
        })
    };

    // Keys (credit codes, mine names) of rows refused here: rows that refer to them are not reported
    // again, so the list names the rows to fix and nothing else.
    let mut refused_companies: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut refused_mines: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut new_companies = Vec::new();
    let mut company_rows: HashMap<String, usize> = HashMap::new();
    if let Some(s) = by_name(COMPANIES.name) {
        for (row, v) in &s.rows {
            let (a, b, c, d, e) = (
                get(v, "credit_code"),
                get(v, "name"),
                get(v, "legal_rep"),
                get(v, "address"),
                get(v, "phone"),
            );
            match check_company(&CompanyInput {
                credit_code: &a,
                name: &b,
                legal_rep: &c,
                address: &d,
                phone: &e,
            }) {
                Ok(checked) => {
                    let code = checked.credit_code.as_str().to_string();
                    if let Some(p) = repeat_of(known_companies.contains_key(&code), &company_rows, &code) {
                        dup(&mut errors, &s.sheet, *row, "credit_code", p);
                    } else {
                        company_rows.insert(code, *row);
                        new_companies.push(checked);
                    }
                }
                Err(fe) => {
                    refused_companies.insert(a.trim().to_ascii_uppercase());
                    push_field_errors(&mut errors, &s.sheet, *row, fe)
                }
            }
        }
    }
    let company_known = |code: &str| {
        known_companies.contains_key(code)
            || company_rows.contains_key(code)
            || refused_companies.contains(code)
    };

    let mut new_mines = Vec::new();
    let mut mine_rows: HashMap<String, usize> = HashMap::new();
    if let Some(s) = by_name(MINES.name) {
        for (row, v) in &s.rows {
            let [name, township, mineral, method, status, company, area_agency, supervisor] = [
                "name",
                "township",
                "mineral",
                "method",
                "status",
                "company",
                "area_agency",
                "supervisor",
            ]
            .map(|k| get(v, k));
            let input = MineInput {
                name: &name,
                township: &township,
                mineral: &mineral,
                method: &method,
                status: &status,
                company: &company,
                area_agency: &area_agency,
                supervisor: &supervisor,
            };
            match check_mine(&input) {
                Ok(checked) => {
                    let mut ok = true;
                    if !company_known(checked.company.as_str()) {
                        dup(
                            &mut errors,
                            &s.sheet,
                            *row,
                            "company",
                            Problem::CompanyNotRegistered,
                        );
                        ok = false;
                    }
                    if let Some(agency) = &checked.area_agency {
                        if orewatch_domain::agency::STANDARD_AGENCIES
                            .iter()
                            .all(|a| a.code != agency.as_str())
                        {
                            dup(&mut errors, &s.sheet, *row, "area_agency", Problem::NotFound);
                            ok = false;
                        }
                    }
                    if let Some(p) =
                        repeat_of(known_mines.contains_key(&checked.name), &mine_rows, &checked.name)
                    {
                        dup(&mut errors, &s.sheet, *row, "name", p);
                    } else if ok {
                        mine_rows.insert(checked.name.clone(), *row);
                        new_mines.push(checked);
                    } else {
                        refused_mines.insert(checked.name.clone());
                    }
                }
                Err(fe) => {
                    refused_mines.insert(name.trim().to_string());
                    push_field_errors(&mut errors, &s.sheet, *row, fe)
                }
            }
        }
    }
    let mine_known = |name: &str| {
        known_mines.contains_key(name) || mine_rows.contains_key(name) || refused_mines.contains(name)
    };

    let mut new_licences = Vec::new();
    let mut licence_rows: HashMap<String, usize> = HashMap::new();
    if let Some(s) = by_name(LICENCES.name) {
        for (row, v) in &s.rows {
            let [kind, licence_no, holder, mineral, method, scale, scale_unit, area, from, to, boundary, mine] =
                [
                    "kind",
                    "licence_no",
                    "holder",
                    "mineral",
                    "method",
                    "scale",
                    "scale_unit",
                    "declared_area_km2",
                    "valid_from",
                    "valid_to",
                    "boundary",
                    "mine",
                ]
                .map(|k| get(v, k));
            let input = LicenceInput {
                kind: &kind,
                licence_no: &licence_no,
                holder: &holder,
                mineral: &mineral,
                method: &method,
                scale: &scale,
                scale_unit: &scale_unit,
                declared_area_km2: &area,
                valid_from: &from,
                valid_to: &to,
                boundary: &boundary,
                override_reason: "",
            };
            let mine = mine.trim().to_string();
            let mut ok = true;
            if let Some(p) = mine_reference(&mine, mine_known) {
                dup(&mut errors, &s.sheet, *row, "mine", p);
                ok = false;
            }
            match check_licence(&input) {
                Ok(checked) => {
                    if !company_known(checked.holder.as_str()) {
                        dup(
                            &mut errors,
                            &s.sheet,
                            *row,
                            "holder",
                            Problem::CompanyNotRegistered,
                        );
                        ok = false;
                    }
                    let no = checked.licence_no.as_str().to_string();
                    if let Some(p) = repeat_of(known_licences.contains(&no), &licence_rows, &no) {
                        dup(&mut errors, &s.sheet, *row, "licence_no", p);
                    } else if ok {
                        licence_rows.insert(no, *row);
                        new_licences.push((*row, mine, checked));
                    }
                }
                Err(fe) => push_field_errors(&mut errors, &s.sheet, *row, fe),
            }
        }
    }

    let mut new_permits = Vec::new();
    let mut permit_rows: HashMap<(String, String), usize> = HashMap::new();
    if let Some(s) = by_name(PERMITS.name) {
        for (row, v) in &s.rows {
            let [kind, permit_no, holder, from, to, scope, state, mine] = [
                "kind",
                "permit_no",
                "holder",
                "valid_from",
                "valid_to",
                "scope",
                "state",
                "mine",
            ]
            .map(|k| get(v, k));
            let input = PermitInput {
                kind: &kind,
                permit_no: &permit_no,
                holder: &holder,
                valid_from: &from,
                valid_to: &to,
                scope: &scope,
                state: &state,
                override_reason: "",
            };
            let mine = mine.trim().to_string();
            let mut ok = true;
            if let Some(p) = mine_reference(&mine, mine_known) {
                dup(&mut errors, &s.sheet, *row, "mine", p);
                ok = false;
            }
            match check_permit(&input) {
                Ok(checked) => {
                    if !company_known(checked.holder.as_str()) {
                        dup(
                            &mut errors,
                            &s.sheet,
                            *row,
                            "holder",
                            Problem::CompanyNotRegistered,
                        );
                        ok = false;
                    }
                    let key = (checked.kind.as_str().to_string(), checked.permit_no.clone());
                    if let Some(p) = repeat_of(known_permits.contains(&key), &permit_rows, &key) {
                        dup(&mut errors, &s.sheet, *row, "permit_no", p);
                    } else if ok {
                        permit_rows.insert(key, *row);
                        new_permits.push((*row, mine, checked));
                    }
                }
                Err(fe) => push_field_errors(&mut errors, &s.sheet, *row, fe),
            }
        }
    }

    // Granting to a listed holder needs a written reason, which a spreadsheet cannot give: such rows
    // are refused here and go through the form.
    let today = crate::dashboard::china_today(app.now());
    let mut conn = app.db.conn().await?;
    let mut listed: HashMap<i64, String> = HashMap::new();
    let holder_rows = new_licences
        .iter()
        .map(|(row, _, l)| (&LICENCES, *row, l.holder.as_str().to_string()))
        .chain(
            new_permits
                .iter()
                .map(|(row, _, p)| (&PERMITS, *row, p.holder.as_str().to_string())),
        );
    for (sheet, row, code) in holder_rows {
        let Some(&company_id) = known_companies.get(&code) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = listed.entry(company_id) {
            let found = super::credit::credit_hits(&mut conn, company_id, today).await?;
            slot.insert(super::credit::hit_names(&found));
        }
        if let Some(names) = listed.get(&company_id).filter(|n| !n.is_empty()) {
            dup(
                &mut errors,
                sheet,
                row,
                "holder",
                Problem::CreditListed { names: names.clone() },
            );
        }
    }
    drop(conn);

    if !errors.is_empty() {
        let order = |name: &str| SHEETS.iter().position(|s| s.name == name).unwrap_or(0);
        errors.sort_by_key(|e| (order(&e.sheet), e.row));
        return Ok(ImportOutcome::Refused(errors));
    }

    let digest = hex::encode(Sha256::digest(bytes));
    let note = format!(
        "导入 {file_name}（SHA-256 {}）",
        digest.get(..16).unwrap_or(&digest)
    );
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let mut company_ids = known_companies.clone();
    let mut counts = ImportCounts::default();
    // A row that fails now (another user registered the same number meanwhile) refuses the lot.
    let refuse = |sheet: &Sheet, row: usize, e: AppError| -> Result<ImportOutcome> {
        match e {
            AppError::Invalid(fe) => {
                let mut errors = Vec::new();
                push_field_errors(&mut errors, sheet, row, fe);
                Ok(ImportOutcome::Refused(errors))
            }
            other => Err(other),
        }
    };
    for c in &new_companies {
        let row = company_rows.get(c.credit_code.as_str()).copied().unwrap_or(0);
        match insert_company(&mut tx, caller, c, now, Some(&note)).await {
            Ok(id) => {
                company_ids.insert(c.credit_code.as_str().to_string(), id);
                counts.companies += 1;
            }
            Err(e) => return refuse(&COMPANIES, row, e),
        }
    }
    let company_id = |code: &str| company_ids.get(code).copied().unwrap_or(0);
    let mut mine_ids = known_mines.clone();
    for m in &new_mines {
        let row = mine_rows.get(&m.name).copied().unwrap_or(0);
        match insert_mine(
            &mut tx,
            caller,
            m,
            company_id(m.company.as_str()),
            now,
            Some(&note),
        )
        .await
        {
            Ok(id) => {
                mine_ids.insert(m.name.clone(), id);
                counts.mines += 1;
            }
            Err(e) => return refuse(&MINES, row, e),
        }
    }
    let mine_id = |name: &str| mine_ids.get(name).copied().unwrap_or(0);
    for (row, mine, l) in &new_licences {
        match insert_licence(
            &mut tx,
            caller,
            l,
            mine_id(mine),
            company_id(l.holder.as_str()),
            now,
            Some(&note),
        )
        .await
        {
            Ok(_) => {
                counts.licences += 1;
                if let Some(r) = l.area_mismatch {
                    counts
                        .area_warnings
                        .push((*row, l.licence_no.as_str().to_string(), r));
                }
            }
            Err(e) => return refuse(&LICENCES, *row, e),
        }
    }
    for (row, mine, p) in &new_permits {
        match insert_permit(
            &mut tx,
            caller,
            p,
            mine_id(mine),
            company_id(p.holder.as_str()),
            now,
            Some(&note),
        )
        .await
        {
            Ok(_) => counts.permits += 1,
            Err(e) => return refuse(&PERMITS, *row, e),
        }
    }
    tx.commit().await?;
    Ok(ImportOutcome::Imported(counts))
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A workbook with the given sheets: bold headings, then the rows.
/// A sheet to write: name, headings, rows of text.
type SheetData<'a> = (&'a str, Vec<String>, Vec<Vec<String>>);

fn write_workbook(sheets: &[SheetData<'_>]) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for (name, headings, rows) in sheets {
        let ws = workbook.add_worksheet();
        ws.set_name(*name).map_err(xlsx_error)?;
        for (c, h) in headings.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| AppError::Internal("too many columns".into()))?;
            ws.write_string_with_format(0, c, h, &bold).map_err(xlsx_error)?;
            ws.set_column_width(c, 18).map_err(xlsx_error)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| AppError::Internal("too many rows".into()))?;
            for (c, value) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| AppError::Internal("too many columns".into()))?;
                ws.write_string(r, c, value).map_err(xlsx_error)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// The import template: the four sheets with their headings (required ones marked `*`), and a sheet
/// explaining each column.
pub fn template() -> Result<Vec<u8>> {
    let mut sheets: Vec<SheetData<'_>> = SHEETS
        .iter()
        .map(|s| {
            let headings = s
                .columns
                .iter()
                .map(|c| {
                    if c.required {
                        format!("{}*", c.heading)
                    } else {
                        c.heading.to_string()
                    }
                })
                .collect();
            (s.name, headings, Vec::new())
        })
        .collect();
    let mut notes = Vec::new();
    for s in SHEETS {
        for c in s.columns {
            notes.push(vec![
                s.name.to_string(),
                c.heading.to_string(),
                if c.required { "必填" } else { "选填" }.to_string(),
                c.hint.to_string(),
            ]);
        }
    }
    notes.push(vec![
        "开采方式".into(),
        String::new(),
        String::new(),
        MiningMethod::ALL
            .iter()
            .map(|m| m.label_zh())
            .collect::<Vec<_>>()
            .join(" / "),
    ]);
    notes.push(vec![
        "矿山状态".into(),
        String::new(),
        String::new(),
        MineStatus::ALL
            .iter()
            .map(|m| m.label_zh())
            .collect::<Vec<_>>()
            .join(" / "),
    ]);
    notes.push(vec![
        "证照类型".into(),
        String::new(),
        String::new(),
        PermitKind::ALL
            .iter()
            .map(|k| k.label_zh())
            .collect::<Vec<_>>()
            .join(" / "),
    ]);
    sheets.push((
        "填表说明",
        vec!["工作表".into(), "列".into(), "必填".into(), "说明".into()],
        notes,
    ));
    write_workbook(&sheets)
}

/// The mine list (all pages) as a workbook.
pub async fn export_mines(app: &App, caller: &Caller, query: &MineQuery) -> Result<Vec<u8>> {
    let mut q = query.clone();
    q.limit = 100_000;
    q.offset = 0;
    let page = super::records::list_mines(app, caller, &q).await?;
    let rows = page
        .rows
        .iter()
        .map(|r| {
            let m = &r.mine;
            vec![
                m.name.clone(),
                m.township.clone(),
                m.mineral.clone(),
                MiningMethod::parse(&m.method)
                    .map(|x| x.label_zh())
                    .unwrap_or(&m.method)
                    .to_string(),
                MineStatus::parse(&m.status)
                    .map(|x| x.label_zh())
                    .unwrap_or(&m.status)
                    .to_string(),
                m.company_name.clone(),
                r.licence_no.clone().unwrap_or_default(),
                r.licence_valid_to.map(|d| d.to_string()).unwrap_or_default(),
                r.next_permit_expiry.map(|d| d.to_string()).unwrap_or_default(),
                r.permit_count.to_string(),
                m.area_agency_code.clone().unwrap_or_default(),
                m.supervisor.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let headings = [
        "矿山名称",
        "乡镇",
        "矿种",
        "开采方式",
        "状态",
        "企业",
        "采矿许可证号",
        "采矿证有效期止",
        "最近到期许可证",
        "许可证数",
        "包片单位",
        "督导员",
    ];
    write_workbook(&[("矿山", headings.iter().map(|h| h.to_string()).collect(), rows)])
}

/// The permit list (all pages) as a workbook.
pub async fn export_permits(app: &App, caller: &Caller, query: &PermitQuery) -> Result<Vec<u8>> {
    let mut q = query.clone();
    q.limit = 1_000_000;
    q.offset = 0;
    let (page, _) = super::records::list_permits(app, caller, &q).await?;
    let rows = page
        .rows
        .iter()
        .map(|(p, status)| {
            vec![
                PermitKind::parse(&p.kind)
                    .map(|k| k.label_zh())
                    .unwrap_or(&p.kind)
                    .to_string(),
                p.permit_no.clone(),
                p.agency_code.clone(),
                p.holder_name.clone(),
                p.mine_name.clone(),
                p.valid_from.to_string(),
                p.valid_to.to_string(),
                status_zh(*status).to_string(),
                p.scope.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let headings = [
        "证照类型",
        "编号",
        "发证单位",
        "持证企业",
        "矿山",
        "有效期起",
        "有效期止",
        "状态",
        "许可范围",
    ];
    write_workbook(&[("许可证", headings.iter().map(|h| h.to_string()).collect(), rows)])
}

/// The company list (all pages, or those matching `text`) as a workbook.
pub async fn export_companies(app: &App, caller: &Caller, text: Option<&str>) -> Result<Vec<u8>> {
    let page = super::records::list_companies(app, caller, text, 1_000_000, 0).await?;
    let rows = page
        .rows
        .iter()
        .map(|c| {
            vec![
                c.credit_code.clone(),
                c.name.clone(),
                c.legal_rep.clone(),
                c.address.clone().unwrap_or_default(),
                c.phone.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let headings = COMPANIES.columns.iter().map(|c| c.heading.to_string()).collect();
    // The same columns as the import sheet, so an export can be corrected and imported elsewhere.
    write_workbook(&[(COMPANIES.name, headings, rows)])
}

/// The credit list as a workbook.
pub async fn export_credit(app: &App, caller: &Caller) -> Result<Vec<u8>> {
    let entries = super::credit::list(app, caller).await?;
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                e.subject_name.clone(),
                if e.company_id.is_some() {
                    "企业"
                } else {
                    "个人"
                }
                .to_string(),
                e.reason.clone(),
                e.source_agency_code.clone(),
                e.from_on.to_string(),
                e.to_on.map(|d| d.to_string()).unwrap_or_default(),
                if e.status == "active" {
                    "在列"
                } else {
                    "已移出"
                }
                .to_string(),
            ]
        })
        .collect();
    let headings = ["对象", "类别", "事由", "认定单位", "起始日期", "截止日期", "状态"];
    write_workbook(&[(
        "联合惩戒名单",
        headings.iter().map(|h| h.to_string()).collect(),
        rows,
    )])
}

fn status_zh(s: orewatch_domain::permit::PermitStatus) -> &'static str {
    use orewatch_domain::permit::PermitStatus::*;
    match s {
        Valid => "有效",
        Expires90 => "90天内到期",
        Expires60 => "60天内到期",
        Expires30 => "30天内到期",
        Expired => "已过期",
        Suspended => "暂扣",
        Revoked => "吊销",
    }
}

/// A workbook of the given rows under the four sheets' headings (the demo, the tests and the benchmark
/// load the sample county through it).
pub fn build(
    companies: &[Vec<String>],
    mines: &[Vec<String>],
    licences: &[Vec<String>],
    permits: &[Vec<String>],
) -> Result<Vec<u8>> {
    let headings = |s: &Sheet| {
        s.columns
            .iter()
            .map(|c| c.heading.to_string())
            .collect::<Vec<_>>()
    };
    write_workbook(&[
        (COMPANIES.name, headings(&COMPANIES), companies.to_vec()),
        (MINES.name, headings(&MINES), mines.to_vec()),
        (LICENCES.name, headings(&LICENCES), licences.to_vec()),
        (PERMITS.name, headings(&PERMITS), permits.to_vec()),
    ])
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
    fn the_template_reads_back_with_no_rows_and_no_problems() {
        let bytes = template().unwrap();
        let mut errors = Vec::new();
        let sheets = read_sheets(&bytes, &mut errors);
        assert_eq!(errors, vec![]);
        assert_eq!(sheets.len(), 4);
        assert!(sheets.iter().all(|s| s.rows.is_empty()));
    }

    #[test]
    fn a_sheet_with_a_missing_and_an_unknown_column_names_both() {
        let bytes = write_workbook(&[(
            "企业",
            vec!["统一社会信用代码".into(), "企业名".into(), "法定代表人".into()],
            vec![],
        )])
        .unwrap();
        let mut errors = Vec::new();
        read_sheets(&bytes, &mut errors);
        let problems: Vec<Problem> = errors.into_iter().map(|e| e.problem).collect();
        assert_eq!(
            problems,
            vec![
                Problem::UnknownColumn {
                    column: "企业名".into()
                },
                Problem::MissingColumn {
                    column: "企业名称".into()
                }
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_refused_with_a_reason() {
        let mut errors = Vec::new();
        read_sheets(b"name,code\n", &mut errors);
        assert!(matches!(
            errors.first().map(|e| &e.problem),
            Some(Problem::UnreadableWorkbook { .. })
        ));
    }
}
