//! The import template and the exported lists. Cells are typed — numbers as numbers, dates as dates
//! (so Excel sorts and filters them) — and agencies appear by name, not by code.

use super::{Sheet, COMPANIES, LICENCES, MINES, PERMITS, SHEETS};
use crate::registry::mines::MineQuery;
use crate::registry::permits::PermitQuery;
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::credit::CreditStatus;
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::permit::{PermitKind, PermitStatus};
use orewatch_domain::AgencyCode;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// One cell to write.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        s.to_string().into()
    }
}

impl From<Option<NaiveDate>> for Cell {
    fn from(d: Option<NaiveDate>) -> Self {
        d.map_or(Cell::Empty, Cell::Date)
    }
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Document {
        what: "工作簿",
        source: Box::new(e),
    }
}

/// A sheet to write: name, headings, rows.
pub(crate) type SheetData<'a> = (&'a str, Vec<String>, Vec<Vec<Cell>>);

pub(crate) fn write_workbook(sheets: &[SheetData<'_>]) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, headings, rows) in sheets {
        let ws = workbook.add_worksheet();
        ws.set_name(*name).map_err(xlsx_error)?;
        for (c, h) in headings.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| AppError::Invariant("too many columns".into()))?;
            ws.write_string_with_format(0, c, h, &bold).map_err(xlsx_error)?;
            ws.set_column_width(c, 18).map_err(xlsx_error)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| AppError::Invariant("too many rows".into()))?;
            for (c, value) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| AppError::Invariant("too many columns".into()))?;
                match value {
                    Cell::Text(t) => {
                        ws.write_string(r, c, t).map_err(xlsx_error)?;
                    }
                    Cell::Number(n) => {
                        ws.write_number(r, c, *n).map_err(xlsx_error)?;
                    }
                    Cell::Date(d) => {
                        let day = ExcelDateTime::parse_from_str(&d.to_string()).map_err(xlsx_error)?;
                        ws.write_datetime_with_format(r, c, &day, &date)
                            .map_err(xlsx_error)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn text_rows(rows: &[Vec<String>]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|r| r.iter().map(|v| Cell::from(v.as_str())).collect())
        .collect()
}

fn headings(s: &Sheet, mark_required: bool) -> Vec<String> {
    s.columns
        .iter()
        .map(|c| {
            if mark_required && c.required {
                format!("{}*", c.heading)
            } else {
                c.heading.to_string()
            }
        })
        .collect()
}

/// The import template: the four sheets with their headings (required ones marked `*`), and a sheet
/// explaining each column.
pub fn template(caller: &Caller) -> Result<Vec<u8>> {
    caller.require(
        orewatch_domain::policy::Action::EditRegistry,
        &orewatch_domain::policy::Resource::Installation,
    )?;
    let mut sheets: Vec<SheetData<'_>> = SHEETS
        .iter()
        .map(|s| (s.name, headings(s, true), Vec::new()))
        .collect();
    let mut notes: Vec<Vec<String>> = Vec::new();
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
    let choices = |label: &str, words: Vec<&str>| {
        vec![label.to_string(), String::new(), String::new(), words.join(" / ")]
    };
    notes.push(choices(
        "开采方式",
        MiningMethod::ALL.iter().map(|m| m.label_zh()).collect(),
    ));
    notes.push(choices(
        "矿山状态",
        MineStatus::ALL.iter().map(|m| m.label_zh()).collect(),
    ));
    notes.push(choices(
        "证照类型",
        PermitKind::ALL.iter().map(|k| k.label_zh()).collect(),
    ));
    sheets.push((
        "填表说明",
        vec!["工作表".into(), "列".into(), "必填".into(), "说明".into()],
        text_rows(&notes),
    ));
    write_workbook(&sheets)
}

/// Agency names by code, in the reader's language (Chinese in exports).
pub(crate) async fn agency_names(
    app: &App,
    caller: &Caller,
) -> Result<impl Fn(Option<&AgencyCode>) -> String> {
    let org = crate::organisation::view(app, caller).await?;
    let names: Vec<(AgencyCode, String)> = org
        .agencies
        .iter()
        .map(|a| (a.code.clone(), a.name_zh.clone()))
        .collect();
    Ok(move |code: Option<&AgencyCode>| match code {
        None => String::new(),
        Some(code) => names
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string()),
    })
}

/// The mine list (all pages) as a workbook.
pub async fn export_mines(app: &App, caller: &Caller, query: &MineQuery) -> Result<Vec<u8>> {
    let mut q = query.clone();
    q.limit = i64::MAX;
    q.offset = 0;
    let list = crate::registry::mines::list(app, caller, &q).await?;
    let agency = agency_names(app, caller).await?;
    let rows = list
        .page
        .rows
        .iter()
        .map(|r| {
            let m = &r.mine;
            vec![
                m.name.as_str().into(),
                m.township.as_str().into(),
                m.mineral.as_str().into(),
                m.method.label_zh().into(),
                m.status.label_zh().into(),
                m.company_name.as_str().into(),
                r.licence_no.clone().unwrap_or_default().into(),
                r.licence_valid_to.into(),
                r.next_permit_expiry.into(),
                Cell::Number(r.permit_count as f64),
                agency(m.area_agency.as_ref()).into(),
                m.supervisor.clone().unwrap_or_default().into(),
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
    write_workbook(&[(MINES.name, headings.iter().map(|h| h.to_string()).collect(), rows)])
}

fn status_zh(s: PermitStatus) -> &'static str {
    match s {
        PermitStatus::Valid => "有效",
        PermitStatus::NotYetValid => "未生效",
        PermitStatus::Expires90 => "90天内到期",
        PermitStatus::Expires60 => "60天内到期",
        PermitStatus::Expires30 => "30天内到期",
        PermitStatus::Expired => "已过期",
        PermitStatus::Suspended => "暂扣",
        PermitStatus::Revoked => "吊销",
    }
}

/// The permit list (all pages) as a workbook.
pub async fn export_permits(app: &App, caller: &Caller, query: &PermitQuery) -> Result<Vec<u8>> {
    let mut q = query.clone();
    q.limit = 1_000_000;
    q.offset = 0;
    let (page, _) = crate::registry::permits::list(app, caller, &q).await?;
    let agency = agency_names(app, caller).await?;
    let rows = page
        .rows
        .iter()
        .map(|(p, status)| {
            vec![
                p.kind.label_zh().into(),
                p.permit_no.as_str().into(),
                agency(Some(&p.agency)).into(),
                p.holder_name.as_str().into(),
                p.mine_name.as_str().into(),
                Cell::Date(p.valid_from),
                Cell::Date(p.valid_to),
                status_zh(*status).into(),
                p.scope.clone().unwrap_or_default().into(),
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
    write_workbook(&[(
        PERMITS.name,
        headings.iter().map(|h| h.to_string()).collect(),
        rows,
    )])
}

/// The company list (all pages, or those matching `text`) as a workbook, in the import sheet's
/// columns (so an export can be corrected and imported again, updating by credit code).
pub async fn export_companies(app: &App, caller: &Caller, text: Option<&str>) -> Result<Vec<u8>> {
    let q = crate::registry::companies::CompanyQuery {
        text: text.map(str::to_string),
        limit: 1_000_000,
        ..Default::default()
    };
    let list = crate::registry::companies::list(app, caller, &q).await?;
    let rows = list
        .page
        .rows
        .iter()
        .map(|c| {
            vec![
                c.credit_code.as_str().into(),
                c.name.as_str().into(),
                c.legal_rep.as_str().into(),
                c.address.clone().unwrap_or_default().into(),
                c.phone.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    write_workbook(&[(COMPANIES.name, headings(&COMPANIES, false), rows)])
}

/// The credit list as a workbook.
pub async fn export_credit(app: &App, caller: &Caller) -> Result<Vec<u8>> {
    let entries = crate::registry::credit::list(app, caller).await?;
    let agency = agency_names(app, caller).await?;
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                e.subject_name.as_str().into(),
                if e.company_id.is_some() {
                    "企业"
                } else {
                    "个人"
                }
                .into(),
                e.reason.as_str().into(),
                agency(Some(&e.source)).into(),
                Cell::Date(e.from_on),
                e.to_on.into(),
                match e.status {
                    CreditStatus::Active => "在列",
                    CreditStatus::Lifted => "已移出",
                }
                .into(),
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

/// A workbook of the given rows under the four sheets' headings (the demo, the tests and the benchmark
/// load the sample county through it).
pub fn build(
    companies: &[Vec<String>],
    mines: &[Vec<String>],
    licences: &[Vec<String>],
    permits: &[Vec<String>],
) -> Result<Vec<u8>> {
    write_workbook(&[
        (COMPANIES.name, headings(&COMPANIES, false), text_rows(companies)),
        (MINES.name, headings(&MINES, false), text_rows(mines)),
        (LICENCES.name, headings(&LICENCES, false), text_rows(licences)),
        (PERMITS.name, headings(&PERMITS, false), text_rows(permits)),
    ])
}
