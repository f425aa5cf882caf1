//! A year of the rectification ledger for the demo: the findings of four quarterly joint inspections
//! (60 in all), each followed as people would follow it — closed on time, closed late after climbing
//! to the head and the office, returned once, extended, listed for supervision, and, for the latest,
//! still pending, rectifying, applied or under review.
//!
//! Everything goes through the use cases with a clock that moves from a year ago to now, and the
//! sweep runs before every step, so the tasks, escalations and audit trail are what a real year would
//! leave. Every name and problem is invented.

use crate::ledger::findings::{self, EvidenceFile, FindingInput};
use crate::{accounts, tasks, App, AppError, Caller, ManualClock, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use orewatch_domain::task::local_date;
use orewatch_domain::FindingId;
use orewatch_storage::findings::LedgerFilter;

/// What happens to a demo finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    OnTime,
    Late,
    Returned,
    Extended,
    Listed,
    Rectifying,
    Applied,
    Reviewing,
    Pending,
}

/// The fates, cycled through the findings of a quarter.
const FATES: [Fate; 10] = [
    Fate::OnTime,
    Fate::OnTime,
    Fate::Late,
    Fate::Returned,
    Fate::Extended,
    Fate::Listed,
    Fate::Rectifying,
    Fate::Applied,
    Fate::Reviewing,
    Fate::Pending,
];

/// A problem an agency finds: agency, category, description, legal basis, measures.
type Problem = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PROBLEMS: &[Problem] = &[
    (
        "nr",
        "out_of_bounds",
        "东侧采场越出矿区范围约0.3公顷",
        "《矿产资源法》第四十条",
        "立即停止越界开采，越界区域复绿",
    ),
    (
        "em",
        "mine_systems",
        "采场未设置安全平台，台阶坡面角超过设计值",
        "《金属非金属矿山安全规程》",
        "按设计削坡，设置安全平台和警示标志",
    ),
    (
        "ps",
        "explosives",
        "民用爆炸物品库台账与实际库存不符",
        "《民用爆炸物品安全管理条例》第四十一条",
        "重新盘点，落实双人双锁和出入库登记",
    ),
    (
        "ee",
        "dust",
        "破碎车间未密闭，厂界颗粒物超标",
        "《大气污染防治法》第四十八条",
        "破碎筛分车间全封闭，增设喷淋",
    ),
    (
        "tr",
        "overloading",
        "运矿车辆出场未过磅，存在超载装载",
        "《公路安全保护条例》第四十条",
        "出场口安装称重设备，建立装载台账",
    ),
    (
        "wa",
        "erosion",
        "排土场未修建拦挡和截排水设施",
        "《水土保持法》第三十八条",
        "修建挡土墙和截排水沟",
    ),
    (
        "fo",
        "forest",
        "矿区外擅自占用林地堆放废石约2亩",
        "《森林法》第七十三条",
        "清运废石，恢复植被",
    ),
    (
        "nr",
        "reclamation",
        "已采区未按方案开展复垦",
        "《土地复垦条例》第十四条",
        "按年度计划完成已采区复垦",
    ),
    (
        "tx",
        "tax",
        "资源税申报销量与过磅记录不一致",
        "《资源税法》",
        "补充申报并缴纳税款",
    ),
    (
        "mr",
        "illegal_trade",
        "向无证加工点销售毛料",
        "《矿产资源法》",
        "停止向无证主体销售，建立销售台账",
    ),
    (
        "nr",
        "one_wall",
        "西侧形成高陡边坡“一面墙”",
        "《矿山地质环境保护规定》",
        "一矿一策：分台阶削坡治理",
    ),
    (
        "em",
        "safety_facilities",
        "爆破警戒范围内未设置警示标志",
        "《爆破安全规程》",
        "设置警戒线和警示标志",
    ),
    (
        "ee",
        "wastewater",
        "洗砂废水未经沉淀直排",
        "《水污染防治法》",
        "建设三级沉淀池，废水循环利用",
    ),
    (
        "dr",
        "plan_deviation",
        "实际产能超出项目核准规模",
        "《企业投资项目核准和备案管理条例》",
        "按核准规模组织生产",
    ),
    (
        "pw",
        "other",
        "采场临时用电线路私拉乱接",
        "《电力设施保护条例》",
        "规范敷设线路，安装漏电保护",
    ),
];

/// The `i`-th item, counting round the list.
fn nth<T: Copy>(items: &[T], i: usize) -> Option<T> {
    items.iter().copied().cycle().nth(i % items.len().max(1))
}

/// A minimal one-page PDF (ASCII text), standing in for a scanned rectification report.
pub(super) fn demo_pdf(title: &str) -> Vec<u8> {
    let content = format!("BT /F1 14 Tf 72 760 Td ({title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// One step of the year.
#[derive(Debug, Clone, Copy)]
enum Act {
    Record,
    Notice,
    Evidence,
    StartReview,
    Pass,
    Return,
    RequestExtension(NaiveDate),
    GrantExtension,
    List(NaiveDate),
    /// A step of the year's plan and joint inspections (the findings come out of them).
    Inspections(super::inspections::Step),
    /// A step of the penalty cases.
    Cases(super::cases::Step),
}

async fn caller(app: &App, username: &str) -> Result<Caller> {
    let account = accounts::find_by_username(app, &Caller::system(), username)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(accounts::caller_of(&account))
}

/// Loads the year when no finding is recorded yet. `past` runs on `clock`, which stands a year before
/// `end`; returns whether it loaded.
pub(crate) async fn load_if_empty(past: &App, clock: &ManualClock, end: DateTime<Utc>) -> Result<bool> {
    let office = caller(past, "office").await?;
    let existing = findings::ledger(
        past,
        &office,
        &LedgerFilter {
            include_closed: true,
            ..Default::default()
        },
        1,
        0,
    )
    .await?;
    if existing.total > 0 {
        return Ok(false);
    }
    let mut conn = past.db.conn().await?;
    let mines = orewatch_storage::mines::all_names(&mut conn).await?;
    drop(conn);
    if mines.is_empty() {
        return Ok(false);
    }
    let start = past.now();
    // Each quarter's joint inspection, 20 days into the quarter: scheduled ten days before, approved
    // by the heads three days before, held on the day just before its findings are recorded.
    use super::inspections::Step;
    let found_at = |quarter: i64| start + Duration::days(20 + 91 * quarter);
    let dates: Vec<NaiveDate> = (0..4)
        .map(|q| local_date(found_at(q) - Duration::minutes(1)))
        .collect();
    let plan_year = chrono::Datelike::year(&local_date(start + Duration::days(45)));
    let mut plan: Vec<(DateTime<Utc>, usize, Act)> = vec![
        (start + Duration::hours(1), 0, Act::Inspections(Step::Cards)),
        (start + Duration::days(1), 0, Act::Inspections(Step::DraftPlan)),
        (start + Duration::days(2), 0, Act::Inspections(Step::SubmitPlan)),
        (start + Duration::days(4), 0, Act::Inspections(Step::ReturnPlan)),
        (start + Duration::days(5), 0, Act::Inspections(Step::RevisePlan)),
        (start + Duration::days(7), 0, Act::Inspections(Step::ApprovePlan)),
    ];
    // 双随机: the mines graded after the plan; one draw in the summer, held and signed on its day, and
    // one drawn just before today for next week, whose list only the office sees yet.
    let summer = start + Duration::days(150);
    let summer_day = local_date(summer + Duration::days(10));
    let next_week = local_date(end) + Duration::days(6);
    plan.extend([
        (start + Duration::days(8), 0, Act::Inspections(Step::Grades)),
        (summer, 0, Act::Inspections(Step::Draw(summer_day))),
        (
            summer + Duration::days(10),
            0,
            Act::Inspections(Step::ApproveDrawn),
        ),
        (
            summer + Duration::days(10) + Duration::hours(2),
            0,
            Act::Inspections(Step::InspectDrawn),
        ),
        (
            end - Duration::hours(2),
            0,
            Act::Inspections(Step::Draw(next_week)),
        ),
    ]);
    for q in 0..4_usize {
        let at = found_at(i64::try_from(q).unwrap_or(0));
        plan.push((at - Duration::days(10), q, Act::Inspections(Step::Schedule(q))));
        plan.push((at - Duration::days(3), q, Act::Inspections(Step::Approve(q))));
        plan.push((at - Duration::minutes(1), q, Act::Inspections(Step::Inspect(q))));
    }
    for (at, i, step) in super::cases::plan(end) {
        plan.push((at, i, Act::Cases(step)));
    }
    let mine_names: Vec<String> = mines.iter().map(|(_, name)| name.clone()).collect();
    let mut cases = super::cases::State::new();
    let mut inspections = super::inspections::State::new(past, &dates).await?;
    let mut deadlines = Vec::new();
    for quarter in 0..4_i64 {
        let found = found_at(quarter);
        for k in 0..15_usize {
            let i = usize::try_from(quarter).unwrap_or(0) * 15 + k;
            let day = |d: i64, hour: i64| found + Duration::days(d) + Duration::hours(hour);
            let term = nth(&[30_i64, 45, 60, 90], k).unwrap_or(30);
            let mut fate = nth(&FATES, k).unwrap_or(Fate::OnTime);
            // Earlier quarters are mostly settled; one finding each stays open and overdue.
            if quarter < 3 {
                fate = match (fate, k) {
                    (Fate::Pending | Fate::Applied | Fate::Reviewing, _) => Fate::OnTime,
                    (Fate::Rectifying, _) if quarter > 0 => Fate::Late,
                    (f, _) => f,
                };
            }
            let deadline = local_date(found) + Duration::days(term);
            deadlines.push(deadline);
            plan.push((day(0, 0), i, Act::Record));
            if fate == Fate::Pending {
                continue;
            }
            plan.push((day(1, 1), i, Act::Notice));
            let evidence_day = match fate {
                Fate::OnTime => term - 5,
                // Recent enough to be waiting for verification now.
                Fate::Applied | Fate::Reviewing => 20,
                Fate::Late => term + 9,
                Fate::Returned => term - 12,
                Fate::Extended => term + 25,
                Fate::Listed | Fate::Rectifying | Fate::Pending => i64::MAX,
            };
            match fate {
                Fate::Extended => {
                    plan.push((
                        day(term - 6, 2),
                        i,
                        Act::RequestExtension(deadline + Duration::days(30)),
                    ));
                    plan.push((day(term - 5, 3), i, Act::GrantExtension));
                }
                Fate::Listed => plan.push((day(term + 8, 2), i, Act::List(deadline + Duration::days(45)))),
                _ => {}
            }
            if evidence_day == i64::MAX {
                continue;
            }
            plan.push((day(evidence_day, 2), i, Act::Evidence));
            if fate == Fate::Applied {
                continue;
            }
            plan.push((day(evidence_day + 2, 1), i, Act::StartReview));
            if fate == Fate::Reviewing {
                continue;
            }
            if fate == Fate::Returned {
                plan.push((day(evidence_day + 3, 2), i, Act::Return));
                plan.push((day(evidence_day + 8, 2), i, Act::Evidence));
                plan.push((day(evidence_day + 9, 1), i, Act::StartReview));
                plan.push((day(evidence_day + 10, 2), i, Act::Pass));
            } else {
                plan.push((day(evidence_day + 3, 2), i, Act::Pass));
            }
        }
    }
    plan.retain(|(at, _, _)| *at < end);
    plan.sort_by_key(|(at, i, _)| (*at, *i));

    let mut ids: Vec<Option<FindingId>> = vec![None; deadlines.len()];
    for (at, i, act) in plan {
        clock.set(at);
        tasks::sweep(past, "demo", Duration::minutes(5)).await?;
        if let Act::Inspections(step) = act {
            inspections.run(past, step, &dates, plan_year).await?;
            continue;
        }
        if let Act::Cases(step) = act {
            cases.run(past, step, &mine_names).await?;
            continue;
        }
        let Some((agency, category, description, basis, measures)) = nth(PROBLEMS, i) else {
            continue;
        };
        let officer = caller(past, &format!("{agency}_officer")).await?;
        let head = caller(past, &format!("{agency}_head")).await?;
        let id = ids.get(i).copied().flatten();
        match (act, id) {
            (Act::Record, _) => {
                let quarter = i / 15 + 1;
                let Some(mine) = mines
                    .iter()
                    .map(|(_, name)| name.as_str())
                    .cycle()
                    .nth((i * 7) % mines.len())
                else {
                    continue;
                };
                let deadline = deadlines.get(i).copied().unwrap_or_else(|| local_date(at));
                let source_ref = inspections
                    .titles
                    .get(quarter - 1)
                    .cloned()
                    .unwrap_or_else(|| format!("第{quarter}季度联合检查"));
                let new = findings::record(
                    past,
                    &office,
                    &FindingInput {
                        mine,
                        source: "joint_inspection",
                        source_ref: &source_ref,
                        category,
                        description,
                        legal_basis: basis,
                        severity: nth(&["general", "serious", "general", "major"], i).unwrap_or("general"),
                        agency,
                        measures,
                        found_on: "",
                        deadline_on: &deadline.to_string(),
                    },
                )
                .await?;
                if let Some(slot) = ids.get_mut(i) {
                    *slot = Some(new);
                }
            }
            (_, None) | (Act::Inspections(_) | Act::Cases(_), _) => {}
            (Act::Notice, Some(id)) => {
                findings::issue_notice(past, &officer, id).await?;
            }
            (Act::Evidence, Some(id)) => {
                let pdf = demo_pdf(&format!("Rectification report, finding {id}"));
                let files = [EvidenceFile {
                    name: "整改报告.pdf",
                    bytes: &pdf,
                }];
                findings::apply_for_closure(past, &officer, id, "已按整改通知完成整改，附整改报告", &files)
                    .await?;
            }
            (Act::StartReview, Some(id)) => findings::start_review(past, &head, id).await?,
            (Act::Pass, Some(id)) => {
                findings::conclude_review(past, &head, id, true, "经现场复查，问题已整改到位，同意销号")
                    .await?
            }
            (Act::Return, Some(id)) => {
                findings::conclude_review(past, &head, id, false, "现场复查发现整改不彻底，退回继续整改")
                    .await?
            }
            (Act::RequestExtension(until), Some(id)) => {
                findings::request_extension(
                    past,
                    &officer,
                    id,
                    &until.to_string(),
                    "雨季施工受阻，设备未能按期进场",
                )
                .await?;
            }
            (Act::GrantExtension, Some(id)) => {
                findings::decide_extension(past, &office, id, true, "理由属实，同意延期").await?
            }
            (Act::List(until), Some(id)) => {
                findings::list_for_supervision(past, &office, id, &until.to_string(), "逾期未整改，挂牌督办")
                    .await?;
            }
        }
    }
    clock.set(end);
    tasks::sweep(past, "demo", Duration::minutes(5)).await?;
    tasks::release(past, "demo").await?;
    Ok(true)
}
