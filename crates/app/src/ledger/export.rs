//! The ledger as a workbook: the findings the filter selects (every page), one row each, with names
//! instead of codes and typed cells (dates as dates, so Excel sorts and filters them).

use crate::ledger::findings::{self, LedgerFilter};
use crate::registry::workbook::export::{agency_names, write_workbook, Cell};
use crate::{App, Caller, Result};
use orewatch_domain::finding::is_overdue;
use orewatch_domain::task::local_date;

/// Findings exported at most (a county's five years are some 20,000).
const MAX_ROWS: i64 = 100_000;

pub async fn export(app: &App, caller: &Caller, filter: &LedgerFilter) -> Result<Vec<u8>> {
    let page = findings::ledger(app, caller, filter, MAX_ROWS, 0).await?;
    let agency = agency_names(app, caller).await?;
    let today = local_date(app.now());
    let rows = page
        .rows
        .iter()
        .map(|f| {
            let overdue = is_overdue(f.state, f.deadline_on, f.verify_due_on, today);
            vec![
                Cell::Number(f.id.0 as f64),
                f.mine_name.as_str().into(),
                f.township.as_str().into(),
                f.company_name.as_str().into(),
                f.category_zh.as_str().into(),
                f.description.as_str().into(),
                f.severity.label_zh().into(),
                agency(Some(&f.agency)).into(),
                f.source.label_zh().into(),
                f.source_ref.as_deref().unwrap_or("").into(),
                Cell::Date(f.found_on),
                Cell::Date(f.original_deadline_on),
                Cell::Date(f.deadline_on),
                f.state.label_zh().into(),
                if overdue { "逾期" } else { "" }.into(),
                if f.listed_at.is_some() { "挂牌督办" } else { "" }.into(),
                f.listed_deadline_on.into(),
                f.notice_no.as_deref().unwrap_or("").into(),
                f.evidence_at.map(local_date).into(),
                f.verify_due_on.into(),
                f.closed_at.map(local_date).into(),
                f.measures.as_deref().unwrap_or("").into(),
            ]
        })
        .collect();
    let headings = [
        "编号",
        "矿山",
        "乡镇",
        "企业",
        "问题类别",
        "问题描述",
        "严重程度",
        "责任单位",
        "来源",
        "来源文书",
        "发现日期",
        "原定整改期限",
        "整改期限",
        "状态",
        "逾期",
        "挂牌督办",
        "督办期限",
        "整改通知书编号",
        "申请销号日期",
        "复查期限",
        "销号日期",
        "一矿一策措施",
    ];
    write_workbook(&[("整改台账", headings.iter().map(|h| h.to_string()).collect(), rows)])
}
