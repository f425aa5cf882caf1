//! Penalty cases for the demo: natural resources' cases of out-of-bounds and unlicensed mining found by
//! monitoring, one in every state — closed after a hearing, executing with the payment overdue,
//! waiting for a decision past its 90 days, under legal review, waiting for a hearing, notified with
//! the defence period running, and just filed.
//!
//! Around them the rest of enforcement's year: the measures on three cases, referrals of suspected
//! crimes (one concluded, one in reconsideration, one awaiting the head), the 应移未移 flags the sweep
//! raises (one left open), the procuratorate's opinions, and two consultations with their decisions.
//!
//! They are played on the ledger's clock, through the same use cases as real users: the natural
//! resources head files and decides, two carded officers investigate, the bureau's legal officer
//! hosts hearings and reviews. Every name and figure is invented; the prices are the demo's own.

use crate::enforcement::cases::{self, FileInput, NoticeInput, PenaltyInput};
use crate::inspections::register::{self, CardInput};
use crate::ledger::findings::{self, FindingInput};
use crate::{accounts, App, AppError, Caller, Result};
use chrono::{DateTime, Duration, Utc};
use orewatch_domain::penalty::{CaseRules, MineralPrice};
use orewatch_domain::referral::RefStep;
use orewatch_domain::task::local_date;

/// One demo case: where, why, what was proposed and decided, and when each step happens (days before
/// the demo's end; `None` = not yet).
struct Spec {
    mine: usize,
    category: &'static str,
    cause: &'static str,
    volume: Option<&'static str>,
    major: bool,
    proposed: (&'static [&'static str], &'static str),
    hearing: bool,
    decided: (&'static [&'static str], &'static str),
    filed: i64,
    notify: Option<i64>,
    defence: Option<i64>,
    heard: Option<i64>,
    review: Option<i64>,
    decide: Option<i64>,
    close: Option<i64>,
}

const SPECS: &[Spec] = &[
    // Closed: a heavy fine proposed, a hearing asked for and held, reviewed, decided lighter, paid.
    Spec {
        mine: 3,
        category: "out_of_bounds",
        cause: "越出采矿许可证载明的矿区范围开采",
        volume: Some("1850"),
        major: false,
        proposed: (&["fine", "confiscate_ore"], "180000"),
        hearing: true,
        decided: (&["fine", "confiscate_ore"], "150000"),
        filed: 210,
        notify: Some(200),
        defence: Some(198),
        heard: Some(185),
        review: Some(180),
        decide: Some(176),
        close: Some(150),
    },
    // Executing, its payment overdue: a light fine, the defence waived, decided without a review.
    Spec {
        mine: 6,
        category: "out_of_bounds",
        cause: "越界开采（少量）",
        volume: Some("120"),
        major: false,
        proposed: (&["fine"], "20000"),
        hearing: false,
        decided: (&["fine"], "20000"),
        filed: 70,
        notify: Some(62),
        defence: Some(61),
        heard: None,
        review: None,
        decide: Some(55),
        close: None,
    },
    // Waiting for the decision, its 90 days passed: marked major, reviewed, not decided.
    Spec {
        mine: 9,
        category: "unlicensed",
        cause: "采矿许可证过期后继续开采",
        volume: Some("3200"),
        major: true,
        proposed: (&["fine", "confiscate_ore"], "90000"),
        hearing: false,
        decided: (&[], ""),
        filed: 100,
        notify: Some(94),
        defence: Some(84),
        heard: None,
        review: Some(80),
        decide: None,
        close: None,
    },
    // Under legal review: suspension proposed (heavy), no hearing asked for.
    Spec {
        mine: 12,
        category: "out_of_bounds",
        cause: "越界开采，拒不停止",
        volume: Some("2600"),
        major: false,
        proposed: (&["fine", "suspension"], "160000"),
        hearing: false,
        decided: (&[], ""),
        filed: 34,
        notify: Some(27),
        defence: Some(14),
        heard: None,
        review: None,
        decide: None,
        close: None,
    },
    // Waiting for the hearing the party asked for.
    Spec {
        mine: 15,
        category: "out_of_bounds",
        cause: "越出矿区范围开采",
        volume: Some("1400"),
        major: false,
        proposed: (&["fine", "confiscate_ore"], "120000"),
        hearing: true,
        decided: (&[], ""),
        filed: 21,
        notify: Some(15),
        defence: Some(13),
        heard: None,
        review: None,
        decide: None,
        close: None,
    },
    // Notified: the defence period is running.
    Spec {
        mine: 18,
        category: "out_of_bounds",
        cause: "越界开采",
        volume: Some("640"),
        major: false,
        proposed: (&["fine"], "60000"),
        hearing: false,
        decided: (&[], ""),
        filed: 8,
        notify: Some(2),
        defence: None,
        heard: None,
        review: None,
        decide: None,
        close: None,
    },
    // Just filed, its value estimated over the criminal threshold.
    Spec {
        mine: 21,
        category: "unlicensed",
        cause: "无证开采",
        volume: Some("4100"),
        major: true,
        proposed: (&[], ""),
        hearing: false,
        decided: (&[], ""),
        filed: 3,
        notify: None,
        defence: None,
        heard: None,
        review: None,
        decide: None,
        close: None,
    },
];

/// A step of the cases' year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The second natural-resources officer's enforcement card.
    Card,
    Record(usize),
    File(usize),
    Notify(usize),
    Defence(usize),
    Hear(usize),
    Review(usize),
    Decide(usize),
    Close(usize),
    /// The head takes a measure on case `.0`.
    Take(usize, &'static str),
    /// The supplier confirms the case's measure of that kind.
    Confirm(usize, &'static str),
    /// The head lifts it.
    Lift(usize, &'static str),
    /// The team reports case `.0` for referral to public security.
    Report(usize),
    /// A step of case `.0`'s referral.
    Refer(usize, RefStep),
    /// The head disposes of the open 应移未移 flags of case `.0`.
    Dispose(usize),
    /// The bureau records procuratorate opinion `.0` of [`OPINIONS`].
    Opinion(usize),
    /// The head answers it.
    Answer(usize),
    /// The office convenes consultation `.0` of [`MEETINGS`], records its attendance, agenda and
    /// decisions, and issues its minutes.
    Meeting(usize),
    /// The owner of decision `.1` of consultation `.0` reports it done.
    DecisionDone(usize, usize),
}

/// One demo consultation: kind, title, place, the agenda (title, the case index it is about), the
/// decisions (text, owner, days after the meeting it is due), and the absent agency.
struct MeetingSpec {
    kind: &'static str,
    title: &'static str,
    held: i64,
    items: &'static [(&'static str, Option<usize>)],
    decisions: &'static [(&'static str, &'static str, i64)],
    absent: &'static str,
}

/// The demo's consultations: the annual joint meeting early in the year (one decision still open long
/// past its deadline, on the leaders' desks), and an emergency consultation on the mine that mined on
/// after being suspended (the power cut decided there and done; the explosives check overdue).
const MEETINGS: &[MeetingSpec] = &[
    MeetingSpec {
        kind: "annual",
        title: "2026年度矿产资源开发保护联合监管联席会议",
        held: 230,
        items: &[
            ("通报上年度联合监管工作情况和本年度检查计划", None),
            ("研究越界开采案件查处和行刑衔接工作", None),
        ],
        decisions: &[
            ("对全县露天矿山开展一次联合执法检查", "ps", 40),
            ("梳理涉矿企业用电情况，建立停产整顿矿山供电台账", "pw", 30),
            ("完成“一面墙”高陡边坡矿山治理方案审查", "nr", 60),
        ],
        absent: "tx",
    },
    MeetingSpec {
        kind: "emergency",
        title: "越界开采拒不停止问题紧急会商",
        held: 19,
        items: &[("某矿业公司停产整顿期间继续开采", Some(3))],
        decisions: &[
            ("对该矿山依法停止供电", "pw", 2),
            ("核查该矿山民用爆炸物品购买和使用情况", "ps", 7),
        ],
        absent: "",
    },
];

/// When each demo decision is reported done (meeting, decision, days before the end); the others stay
/// open.
const DECISIONS_DONE: &[(usize, usize, i64)] = &[(0, 0, 195), (0, 1, 205), (1, 0, 17)];

/// The demo's referrals, days before the end: the closed case, flagged for its value and its fine,
/// referred late and concluded; the case under review referred at once, refused by the police and in
/// reconsideration (its clock running out with public security); the newest case reported and waiting
/// for the head. The case waiting for its decision past 90 days is never referred: its flag stays
/// open in the leaders' inbox.
const REFERRALS: &[(i64, Step)] = &[
    (173, Step::Report(0)),
    (172, Step::Refer(0, RefStep::Approve)),
    (172, Step::Refer(0, RefStep::Transfer)),
    (171, Step::Refer(0, RefStep::Acknowledge)),
    (170, Step::Refer(0, RefStep::File)),
    (170, Step::Dispose(0)),
    (168, Step::Refer(0, RefStep::HandOver)),
    (120, Step::Refer(0, RefStep::Feedback)),
    (33, Step::Report(3)),
    (32, Step::Refer(3, RefStep::Approve)),
    (32, Step::Refer(3, RefStep::Transfer)),
    (31, Step::Refer(3, RefStep::Acknowledge)),
    (29, Step::Refer(3, RefStep::Decline)),
    (28, Step::Refer(3, RefStep::Reconsider)),
    (1, Step::Report(6)),
    (125, Step::Opinion(0)),
    (101, Step::Answer(0)),
    (12, Step::Opinion(1)),
];

/// The procuratorate's opinions (invented): number, summary.
const OPINIONS: &[(&str, &str)] = &[
    (
        "鹿检行意〔2026〕2号",
        "对某石场越界开采一案作出不起诉决定，建议对其违法开采行为依法给予行政处罚并没收违法所得（演示）",
    ),
    (
        "鹿检行意〔2026〕9号",
        "建议对辖区采石场无证开采问题开展专项排查，依法查处并书面回复（演示）",
    ),
];

/// The demo's measures: on the closed case an order to stop, lifted when it closed; on the case under
/// review (mining on after being told to stop) a suspension and a power cut the power company confirmed;
/// on the newest case (unlicensed mining) the equipment sealed.
const MEASURES: &[(usize, i64, Step)] = &[
    (0, 206, Step::Take(0, "stop_order")),
    (0, 151, Step::Lift(0, "stop_order")),
    (3, 20, Step::Take(3, "suspension")),
    (3, 18, Step::Take(3, "power_cut")),
    (3, 17, Step::Confirm(3, "power_cut")),
    (6, 2, Step::Take(6, "seal")),
];

/// The steps and their moments, for the ledger's timeline.
pub(crate) fn plan(end: DateTime<Utc>) -> Vec<(DateTime<Utc>, usize, Step)> {
    let at = |days: i64, hour: i64| end - Duration::days(days) + Duration::hours(hour);
    let mut out = vec![(at(220, 0), 0, Step::Card)];
    for (i, s) in SPECS.iter().enumerate() {
        out.push((at(s.filed + 1, 0), i, Step::Record(i)));
        out.push((at(s.filed, 0), i, Step::File(i)));
        let later = [
            (s.notify, Step::Notify(i)),
            (s.defence, Step::Defence(i)),
            (s.heard, Step::Hear(i)),
            (s.review, Step::Review(i)),
            (s.decide, Step::Decide(i)),
            (s.close, Step::Close(i)),
        ];
        for (days, step) in later {
            if let Some(d) = days {
                out.push((at(d, 1), i, step));
            }
        }
    }
    for (i, days, step) in MEASURES {
        out.push((at(*days, 3), *i, *step));
    }
    for (n, m) in MEETINGS.iter().enumerate() {
        out.push((at(m.held, 6), 0, Step::Meeting(n)));
    }
    for (n, d, days) in DECISIONS_DONE {
        out.push((at(*days, 7), 0, Step::DecisionDone(*n, *d)));
    }
    for (n, (days, step)) in (0_i64..).zip(REFERRALS) {
        let i = match step {
            Step::Report(i) | Step::Refer(i, _) | Step::Dispose(i) => *i,
            _ => 0,
        };
        out.push((at(*days, 4) + Duration::minutes(n), i, *step));
    }
    out
}

/// The demo's price table (invented figures), used when the configuration has none.
pub(crate) fn demo_prices(rules: &mut CaseRules) {
    if !rules.prices.0.is_empty() {
        return;
    }
    for (mineral, density_t_m3, price_fen_t) in [
        ("建筑用灰岩", 2.70, 4_500),
        ("水泥用灰岩", 2.70, 3_800),
        ("建筑用白云岩", 2.80, 4_200),
        ("砖瓦用页岩", 2.40, 2_500),
        ("高岭土", 2.20, 18_000),
        ("锰矿", 3.50, 60_000),
    ] {
        rules.prices.0.insert(
            mineral.to_string(),
            MineralPrice {
                density_t_m3,
                price_fen_t,
            },
        );
    }
}

/// The demo's working-day calendar: the configured one, plus weekends only for any year it lacks
/// between `from` and `to` (so the demo loads on any date; a real installation refuses such periods
/// until the year's holidays are configured).
pub(crate) fn demo_calendar(rules: &mut CaseRules, from: DateTime<Utc>, to: DateTime<Utc>) {
    use chrono::Datelike;
    let known = rules.calendar.years();
    for year in local_date(from).year()..=local_date(to).year() + 1 {
        if !known.contains(&year) {
            let _ = rules
                .calendar
                .set_year(year, orewatch_domain::calendar::YearArrangement::default());
        }
    }
}

async fn caller(app: &App, username: &str) -> Result<Caller> {
    let account = accounts::find_by_username(app, &Caller::system(), username)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(accounts::caller_of(&account))
}

/// What the steps keep between them.
#[derive(Debug, Default)]
pub(crate) struct State {
    findings: Vec<Option<orewatch_domain::FindingId>>,
    cases: Vec<Option<orewatch_domain::CaseId>>,
    measures: std::collections::HashMap<(usize, &'static str), orewatch_domain::MeasureId>,
    referrals: std::collections::HashMap<usize, orewatch_domain::ReferralId>,
    opinions: Vec<Option<orewatch_domain::OpinionId>>,
    decisions: std::collections::HashMap<(usize, usize), orewatch_domain::DecisionId>,
}

impl State {
    pub(crate) fn new() -> Self {
        Self {
            findings: vec![None; SPECS.len()],
            cases: vec![None; SPECS.len()],
            measures: std::collections::HashMap::new(),
            referrals: std::collections::HashMap::new(),
            opinions: vec![None; OPINIONS.len()],
            decisions: std::collections::HashMap::new(),
        }
    }

    pub(crate) async fn run(&mut self, app: &App, step: Step, mines: &[String]) -> Result<()> {
        let office = caller(app, "office").await?;
        let head = caller(app, "nr_head").await?;
        let officer = caller(app, "nr_officer").await?;
        let legal = caller(app, "nr_legal").await?;
        let id_of = |c: &Caller| c.account_id().map(|a| a.0.to_string()).unwrap_or_default();
        let spec = |i: usize| SPECS.get(i).ok_or(AppError::NotFound);
        let case = |cases: &[Option<orewatch_domain::CaseId>], i: usize| {
            cases.get(i).copied().flatten().ok_or(AppError::NotFound)
        };
        match step {
            Step::Card => {
                let second = caller(app, "nr_officer2").await?;
                let until = (local_date(app.now()) + Duration::days(3 * 365)).to_string();
                register::register_card(
                    app,
                    &office,
                    &CardInput {
                        account: &id_of(&second),
                        card_no: "45022509001",
                        valid_until: &until,
                        recusals: "",
                    },
                )
                .await?;
            }
            Step::Record(i) => {
                let s = spec(i)?;
                let mine = mines.get(s.mine % mines.len().max(1)).ok_or(AppError::NotFound)?;
                // Restoring the site takes long: the rectification runs alongside the case.
                let deadline = (local_date(app.now()) + Duration::days(300)).to_string();
                let id = findings::record(
                    app,
                    &office,
                    &FindingInput {
                        mine,
                        source: "monitoring",
                        source_ref: "无人机季度监测",
                        category: s.category,
                        description: s.cause,
                        legal_basis: "《矿产资源法》",
                        severity: "major",
                        agency: "nr",
                        measures: "立即停止违法开采，依法立案查处",
                        found_on: "",
                        deadline_on: &deadline,
                    },
                )
                .await?;
                if let Some(slot) = self.findings.get_mut(i) {
                    *slot = Some(id);
                }
            }
            Step::File(i) => {
                let s = spec(i)?;
                let finding = self
                    .findings
                    .get(i)
                    .copied()
                    .flatten()
                    .ok_or(AppError::NotFound)?;
                let mine = mines.get(s.mine % mines.len().max(1)).ok_or(AppError::NotFound)?;
                let second = caller(app, "nr_officer2").await?;
                let (a, b) = (id_of(&officer), id_of(&second));
                let finding = finding.to_string();
                let id = cases::file(
                    app,
                    &head,
                    &FileInput {
                        mine,
                        findings: vec![&finding],
                        cause: s.cause,
                        major: if s.major { "1" } else { "" },
                        officers: vec![&a, &b],
                    },
                )
                .await?;
                if let Some(volume) = s.volume {
                    cases::estimate(app, &officer, id, volume, "无人机航测 DEM 对比（演示）").await?;
                }
                if let Some(slot) = self.cases.get_mut(i) {
                    *slot = Some(id);
                }
            }
            Step::Notify(i) => {
                let s = spec(i)?;
                let input = NoticeInput {
                    facts: "经无人机航测和现场核查，该公司在采矿许可证载明的范围以外开采矿产资源（演示）",
                    evidence: "现场检查笔录、无人机航测报告、现场照片、询问笔录",
                    legal_basis: "违反《矿产资源法》第四十条；依据《矿产资源法实施细则》第四十二条",
                    penalty: PenaltyInput {
                        kinds: s.proposed.0.to_vec(),
                        fine: s.proposed.1,
                        gains: "",
                    },
                    served_on: "",
                };
                cases::notify(app, &officer, case(&self.cases, i)?, &input).await?;
            }
            Step::Defence(i) => {
                let s = spec(i)?;
                let statement = if s.hearing {
                    "当事人对越界面积和方量有异议"
                } else {
                    ""
                };
                // A defence recorded early is one the party waived in writing.
                let view = cases::show(app, &officer, case(&self.cases, i)?).await?;
                let early = view
                    .case
                    .defence_ends_on
                    .is_some_and(|d| local_date(app.now()) <= d);
                let waived = if early && !s.hearing { "1" } else { "" };
                cases::record_defence(
                    app,
                    &officer,
                    case(&self.cases, i)?,
                    statement,
                    waived,
                    if s.hearing { "1" } else { "" },
                )
                .await?;
            }
            Step::Hear(i) => {
                let today = local_date(app.now()).to_string();
                cases::record_hearing(
                    app,
                    &officer,
                    case(&self.cases, i)?,
                    &today,
                    &id_of(&legal),
                    "当事人到场陈述；办案人员出示航测报告和现场照片；当事人对越界方量无新证据",
                )
                .await?;
            }
            Step::Review(i) => {
                cases::review(
                    app,
                    &legal,
                    case(&self.cases, i)?,
                    true,
                    "事实清楚，证据确凿，适用依据正确，程序合法，处罚适当",
                )
                .await?;
            }
            Step::Decide(i) => {
                let s = spec(i)?;
                // The first case's value is appraised before its decision.
                if i == 0 {
                    let pdf = super::ledger::demo_pdf("Appraisal of ore mined outside the licence (demo)");
                    let files = [crate::ledger::findings::EvidenceFile {
                        name: "矿产资源价值鉴定报告.pdf",
                        bytes: &pdf,
                    }];
                    cases::appraisal(
                        app,
                        &officer,
                        case(&self.cases, i)?,
                        "268000",
                        "市自然资源局价格认定（演示）",
                        &files,
                    )
                    .await?;
                }
                cases::decide(
                    app,
                    &head,
                    case(&self.cases, i)?,
                    &PenaltyInput {
                        kinds: s.decided.0.to_vec(),
                        fine: s.decided.1,
                        gains: "",
                    },
                )
                .await?;
            }
            Step::Take(i, kind) => {
                let input = crate::enforcement::measures::TakeInput {
                    kind,
                    basis: "经查，该公司越出采矿许可证载明的矿区范围开采，经责令停止后仍继续开采（演示）",
                    items: if kind == "seal" {
                        "挖掘机2台（三一SY365H）、装载机1台、自卸车3辆，就地封存于矿区停车场"
                    } else {
                        ""
                    },
                    emergency: "",
                };
                let id =
                    crate::enforcement::measures::take(app, &head, case(&self.cases, i)?, &input).await?;
                self.measures.insert((i, kind), id);
            }
            Step::Confirm(i, kind) => {
                let id = *self.measures.get(&(i, kind)).ok_or(AppError::NotFound)?;
                let supplier = match kind {
                    "power_cut" => "pw_officer",
                    _ => "ps_officer",
                };
                crate::enforcement::measures::confirm(app, &caller(app, supplier).await?, id).await?;
            }
            Step::Lift(i, kind) => {
                let id = *self.measures.get(&(i, kind)).ok_or(AppError::NotFound)?;
                crate::enforcement::measures::lift(
                    app,
                    &head,
                    id,
                    "企业已停止违法行为并完成整改，经复查合格",
                )
                .await?;
            }
            Step::Report(i) => {
                let mine = case(&self.cases, i)?;
                let view = cases::show(app, &officer, mine).await?;
                let value = view
                    .case
                    .appraised_fen
                    .or(view.case.estimate.as_ref().map(|e| e.value_fen))
                    .map(orewatch_domain::field::yuan_text)
                    .unwrap_or_default();
                let report = format!(
                    "经调查，{}{}，涉案矿产品价值 {value} 元，达到非法采矿罪立案追诉标准，依照《行政执法机关移送涉嫌犯罪案件的规定》报请移送（演示）",
                    view.case.company_name, view.case.cause
                );
                let id = crate::enforcement::referrals::report(
                    app,
                    &officer,
                    mine,
                    &crate::enforcement::referrals::ReportInput {
                        receiver: "ps",
                        suspected: "非法采矿罪",
                        report: &report,
                        ..Default::default()
                    },
                )
                .await?;
                self.referrals.insert(i, id);
            }
            Step::Refer(i, step) => {
                let id = *self.referrals.get(&i).ok_or(AppError::NotFound)?;
                let police = caller(app, "ps_officer").await?;
                let (who, note) = match step {
                    RefStep::Approve => (&head, "同意移送"),
                    RefStep::Acknowledge => (&police, "已签收移送材料"),
                    RefStep::File => (&police, ""),
                    RefStep::Decline => (&police, "现有证据不足以证明开采方量，不予立案（演示）"),
                    RefStep::Reconsider => (&officer, "已补充无人机航测报告和价格认定意见，提请复议"),
                    RefStep::HandOver => (&officer, "挖掘机2台及相关案卷材料已移交"),
                    RefStep::Feedback => (&police, "已侦查终结，移送检察院审查起诉（演示）"),
                    _ => (&officer, ""),
                };
                let input = crate::enforcement::referrals::StepInput {
                    note,
                    police_case_no: if step == RefStep::File {
                        "鹿公（治）立字〔2026〕41号"
                    } else {
                        ""
                    },
                    items: "挖掘机2台、装载机1台（已查封）；违法开采的矿石约 600 吨（已扣押）",
                    no_appraisal_reason: if i == 0 {
                        ""
                    } else {
                        "价格认定已委托，意见出具后补送"
                    },
                    files: Vec::new(),
                };
                crate::enforcement::referrals::step(app, who, id, step, &input).await?;
            }
            Step::Dispose(i) => {
                let flags = crate::enforcement::flags::list(app, &head, Some(case(&self.cases, i)?)).await?;
                for f in flags.iter().filter(|f| f.disposed_at.is_none()) {
                    crate::enforcement::flags::dispose(
                        app,
                        &head,
                        f.id,
                        "经局务会研究，本案已补充移送县公安局并由公安机关立案；对未及时移送的承办人员作出书面检查（演示）",
                    )
                    .await?;
                }
            }
            Step::Opinion(n) => {
                let (doc_no, summary) = OPINIONS.get(n).ok_or(AppError::NotFound)?;
                let received = local_date(app.now()).to_string();
                let id = crate::enforcement::opinions::record(
                    app,
                    &officer,
                    &crate::enforcement::opinions::OpinionInput {
                        doc_no,
                        from_body: "鹿寨县人民检察院",
                        received_on: &received,
                        summary,
                        mine: mines.first().map(String::as_str).unwrap_or_default(),
                        case: "",
                    },
                )
                .await?;
                if let Some(slot) = self.opinions.get_mut(n) {
                    *slot = Some(id);
                }
            }
            Step::Answer(n) => {
                let id = self
                    .opinions
                    .get(n)
                    .copied()
                    .flatten()
                    .ok_or(AppError::NotFound)?;
                crate::enforcement::opinions::answer(
                    app,
                    &head,
                    id,
                    "已立案查处并作出行政处罚决定，罚没款已缴入国库（演示）",
                )
                .await?;
            }
            Step::Meeting(n) => {
                let m = MEETINGS.get(n).ok_or(AppError::NotFound)?;
                let today = local_date(app.now());
                let invited = ["nr", "ps", "em", "pw", "ee", "fo", "tx"];
                let id = crate::meetings::convene(
                    app,
                    &office,
                    &crate::meetings::ConveneInput {
                        kind: m.kind,
                        title: m.title,
                        held_on: &today.to_string(),
                        place: "县自然资源局三楼会议室",
                        chair: "县矿产资源开发保护联合监管指挥部副指挥长",
                        agencies: invited.to_vec(),
                    },
                )
                .await?;
                for code in invited {
                    let presence = if code == m.absent { "excused" } else { "present" };
                    crate::meetings::record_attendance(app, &office, id, code, presence, "").await?;
                }
                for (title, case_index) in m.items {
                    let case_id = case_index
                        .and_then(|i| self.cases.get(i).copied().flatten())
                        .map(|c| c.to_string())
                        .unwrap_or_default();
                    crate::meetings::add_item(
                        app,
                        &office,
                        id,
                        &crate::meetings::ItemInput {
                            title,
                            discussion: "各成员单位逐一发言，提出意见建议（演示）",
                            case: &case_id,
                            ..Default::default()
                        },
                    )
                    .await?;
                }
                for (seq, (text, owner, days)) in m.decisions.iter().enumerate() {
                    let due = (today + Duration::days(*days)).to_string();
                    let d = crate::meetings::add_decision(app, &office, id, text, owner, &due).await?;
                    self.decisions.insert((n, seq), d);
                }
                crate::meetings::issue(
                    app,
                    &office,
                    id,
                    "会议听取了县自然资源局关于矿产资源开发保护联合监管工作情况的汇报，各成员单位结合职责作了发言。会议认为，要严格落实联合监管机制，依法从严查处越界开采等违法行为，做好行政执法与刑事司法衔接。会议议定事项如下。",
                )
                .await?;
            }
            Step::DecisionDone(n, seq) => {
                let id = *self.decisions.get(&(n, seq)).ok_or(AppError::NotFound)?;
                let owner = MEETINGS
                    .get(n)
                    .and_then(|m| m.decisions.get(seq))
                    .map(|d| d.1)
                    .ok_or(AppError::NotFound)?;
                let who = caller(app, &format!("{owner}_officer")).await?;
                crate::meetings::complete_decision(app, &who, id, "已按会议要求落实，情况已报监管办（演示）")
                    .await?;
            }
            Step::Close(i) => {
                let s = spec(i)?;
                cases::close(
                    app,
                    &head,
                    case(&self.cases, i)?,
                    "罚款已缴入国库，违法所得矿产品已没收处置",
                    s.decided.1,
                )
                .await?;
            }
        }
        Ok(())
    }
}
