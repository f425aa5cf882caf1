//! Field-level validation errors that a form can show next to the field.
//!
//! A [`Problem`] is language-neutral: the web layer turns it into text through the message catalogue
//! (key [`Problem::message_key`], arguments [`Problem::args`]); its `Display` is the Chinese text used by
//! the command line and logs.

use std::fmt;

/// What is wrong with one value. The list is derived from the enum (`Problem::iter()`), so the
/// catalogue test cannot miss a new problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::EnumIter)]
pub enum Problem {
    #[error("必填")]
    Required,
    #[error("不能超过{max}个字符")]
    TooLong { max: usize },
    #[error("不能少于{min}个字符")]
    TooShort { min: usize },
    #[error("只能使用小写字母、数字和 . _ -，并以字母开头")]
    BadUsername,
    #[error("密码须同时包含字母和数字")]
    WeakPassword,
    #[error("两次输入的密码不一致")]
    PasswordMismatch,
    #[error("当前密码不正确")]
    WrongCurrentPassword,
    #[error("已被占用")]
    Duplicate,
    #[error("不存在")]
    NotFound,
    #[error("取值无效")]
    Invalid,
    #[error("日期格式应为 YYYY-MM-DD")]
    BadDate,
    #[error("不能早于现任者的任职日期 {since}")]
    BeforeCurrentTerm { since: String },
    #[error("与现任相同，无需备案")]
    Unchanged,
    #[error("该角色必须选择所属单位")]
    AgencyRequired,
    #[error("该角色不属于任何成员单位")]
    AgencyNotAllowed,
    #[error("统一社会信用代码应为18位，实际为{found}位")]
    CreditCodeLength { found: usize },
    #[error("统一社会信用代码第{position}位“{found}”不是允许的字符（不含 I、O、S、V、Z）")]
    CreditCodeCharacter { position: usize, found: String },
    #[error("统一社会信用代码校验位错误，按前17位应为“{expected}”")]
    CreditCodeCheck { expected: String },
    #[error("许可证号格式不对：应为23位新版证号（C/T开头）或旧版证号")]
    BadLicenceNo,
    #[error("新版证号应以“{expected}”开头")]
    LicenceNoKind { expected: String },
    #[error("排污许可证编号应为统一社会信用代码 + 3位数字 + 1位字母")]
    BadPollutantPermitNo,
    #[error("应为正数")]
    BadNumber,
    #[error("截止日期不能早于起始日期")]
    DateOrder,
    #[error("{message}")]
    Boundary { message: String },
    #[error("该统一社会信用代码的企业尚未登记，请先登记企业")]
    CompanyNotRegistered,
    #[error("该名称的矿山尚未登记")]
    MineNotRegistered,
    #[error("与第{row}行重复")]
    DuplicateInFile { row: usize },
    #[error("缺少列“{column}”")]
    MissingColumn { column: String },
    #[error("无法识别的列“{column}”")]
    UnknownColumn { column: String },
    #[error("无法读取工作簿：{message}")]
    UnreadableWorkbook { message: String },
    #[error("工作簿中没有可导入的工作表（企业、矿山、矿业权、许可证）")]
    EmptyWorkbook,
    #[error("申请人或其控制人在联合惩戒名单中：{names}")]
    CreditListed { names: String },
    #[error("{message}")]
    Layer { message: String },
    #[error("含有不可见的控制字符（第{position}个字符），请删除后重新输入")]
    ControlCharacter { position: usize },
    #[error("没有这个名称的矿山；名称相近的有：{candidates}")]
    MineAmbiguous { candidates: String },
    #[error(
        "矿区范围距县域边界约{km}公里，可能是坐标输错了一位；请核对，确认无误后勾选“确认县域外的矿区”再提交"
    )]
    OutsideCounty { km: String },
    #[error("不在乡镇名录中（名录：{listed}）；如确有此乡镇，请先在名录中添加")]
    TownshipNotListed { listed: String },
    #[error(
        "已登记：{existing}。如要以本表内容更新已登记的记录，请勾选“按关键字段更新已登记的记录”后重新导入"
    )]
    AlreadyRegistered { existing: String },
    #[error(
        "不是 .xlsx 工作簿。请在 WPS 表格或 Excel 中打开，选择“另存为”→“Excel 工作簿（*.xlsx）”后再上传"
    )]
    NotXlsx,
    #[error("工作表超过{max}行，请分成几个工作簿导入")]
    TooManyRows { max: usize },
    #[error("已登记：{existing}")]
    DuplicateOf { existing: String },
    #[error("期限不能早于今天（{today}）")]
    DeadlineInPast { today: String },
    #[error("当前状态为“{state}”，不能{step}")]
    WrongState { state: String, step: String },
    #[error("已是“{state}”状态，未作改动（可能是重复提交或他人已处理）")]
    AlreadyDone { state: String },
    #[error("整改期限 {deadline} 已过，不能再申请延期")]
    ExtensionTooLate { deadline: String },
    #[error("延期后的期限须晚于现期限 {deadline}")]
    ExtensionNotLater { deadline: String },
    #[error("已有一项延期申请待审批")]
    ExtensionPending,
    #[error("该待办已不再分派给您，未作改动")]
    NoLongerAssigned,
    #[error("不在问题类别名录中")]
    CategoryNotListed,
    #[error("文件“{name}”超过 {max_mib} MiB")]
    FileTooLarge { name: String, max_mib: usize },
    #[error("文件“{name}”不是照片（JPEG、PNG、TIFF、HEIC）或 PDF 文档")]
    NotEvidence { name: String },
    #[error("已批准的计划不能修改；如需调整，请新建版本并说明原因，报县人民政府重新审批")]
    PlanFrozen,
    #[error("计划尚不完整：{gaps}")]
    PlanGaps { gaps: String },
    #[error("至少须有两名执法人员")]
    TooFewOfficers,
    #[error("{name}没有有效的执法证，不能参加检查")]
    NoEnforcementCard { name: String },
    #[error("{name}已申报与被检查企业存在利害关系，须回避")]
    OfficerRecused { name: String },
    #[error("第{seq}项尚未填写检查结果")]
    ItemUnanswered { seq: i64 },
    #[error("第{seq}项存在问题，请写明发现的具体问题")]
    ProblemWithoutNote { seq: i64 },
    #[error("请先填写检查地点、现场负责人、检查起止时间和检查情况")]
    SiteDetailsMissing,
    #[error("文件“{name}”不是照片（JPEG、PNG、TIFF、HEIC）")]
    NotAPhoto { name: String },
    #[error("您不是本次检查的执法人员，不能填写或签署本检查记录")]
    NotOnAct,
    #[error("检查日期为 {date}，检查当天起才能填写和签署检查记录")]
    BeforeInspectionDay { date: String },
    #[error("{agency}的执法人员名录中可抽取的人员只有 {found} 名（需要 {needed} 名，已除去需回避的人员）")]
    TooFewInspectors {
        agency: String,
        needed: usize,
        found: usize,
    },
    #[error("以下矿山尚未评定风险等级，不能抽取：{mines}")]
    MinesUngraded { mines: String },
    #[error("本次检查的执法人员由双随机抽取确定，不能更换")]
    DrawnOfficersFixed,
    #[error("抽查名单在检查当日（{date}）前仅监管办可见")]
    DrawListSecret { date: String },
    #[error("抽取比例应为 0 到 100 之间的整数")]
    RatioOutOfRange,
    #[error("按这些比例没有抽中任何矿山")]
    NothingDrawn,
    #[error("金额应为不小于 0 的数，以元为单位，最多两位小数（如 12000 或 12000.50）")]
    BadMoney,
    #[error("未配置{year}年的法定节假日安排，无法计算以工作日计的期限；请在 orewatch.toml 的 [holidays] 中按国务院办公厅当年的通知补充")]
    HolidaysUnknown { year: i32 },
    #[error("{year}年的节假日安排中出现了其他年份的日期 {date}")]
    HolidayOutsideYear { year: i32, date: String },
    #[error(
        "价格表中没有矿种“{mineral}”，无法估算价值；请在 orewatch.toml 的 [minerals] 中配置其密度和单价"
    )]
    MineralNotPriced { mineral: String },
    #[error("方量应为大于 0 的数（立方米）")]
    BadVolume,
    #[error("陈述申辩期至 {date} 届满；期满前只有当事人明确放弃或提出听证时才能记录")]
    DefencePeriodRunning { date: String },
    #[error("拟作出的处罚不属于听证范围（责令停产停业、吊销许可证或较大数额罚款、没收较大数额违法所得），当事人无权要求听证")]
    HearingNotAvailable,
    #[error("听证主持人须为非本案调查人员")]
    HostOnCase,
    #[error("处罚决定不得重于告知的拟处罚（{what}）；如需加重，应重新告知")]
    HeavierThanNotice { what: String },
    #[error("请至少选择一种处罚种类，或选择不予处罚")]
    NoPenalty,
    #[error("选择了罚款，请填写罚款金额")]
    FineMissing,
    #[error("未选择相应的处罚种类，不应填写金额")]
    FineWithoutKind,
    #[error("选择了没收违法所得，请填写金额")]
    GainsMissing,
    #[error("不予处罚不能与其他处罚种类同时选择")]
    NoneWithOthers,
    #[error("该矿山已有{kind}措施在执行，不能重复采取")]
    MeasureInForce { kind: String },
    #[error("{kind}须在责令停产整顿决定已送达并执行后才能采取（《安全生产法》）")]
    NeedsSuspension { kind: String },
    #[error("本案处罚决定未包含吊销采矿许可证，不能吊销")]
    RevocationNotDecided,
    #[error("该措施不在执行中，无需解除")]
    MeasureNotInForce,
    #[error("吊销采矿许可证不能解除")]
    NotLiftable,
    #[error("查封、扣押须列明物品清单")]
    ItemsRequired,
    #[error("须先解除依托停产整顿采取的{kinds}")]
    LiftDependentsFirst { kinds: String },
    #[error("已{what}过，不能再次{what}")]
    AlreadyAsked { what: String },
    #[error("日期不能晚于今天")]
    DateInFuture,
    #[error("会商决定须明确牵头落实单位")]
    DecisionOwnerRequired,
    #[error("完成期限不能早于会议日期 {date}")]
    DeadlineBeforeMeeting { date: String },
    #[error("会议纪要已印发，不能再修改出席情况、议题或决定")]
    MinutesIssued,
    #[error("会议纪要至少须有一项议题")]
    NoAgenda,
    #[error("尚未登记出席情况：{agencies}")]
    AttendanceUnrecorded { agencies: String },
    #[error("移送材料不全：缺{missing}")]
    PackageIncomplete { missing: String },
    #[error("该案已有移送在办理中（{existing}），不能重复报请")]
    ReferralOpen { existing: String },
    #[error("测量日期须晚于该矿山上一次测量（{previous}）")]
    SurveyNotAfter { previous: String },
    #[error("{message}")]
    SurveyFile { message: String },
    #[error("该文件已登记为本矿山 {flown_on} 的测量成果")]
    SurveyDuplicate { flown_on: String },
    #[error("上一次分析尚未停止，请稍后再试")]
    JobStillRunning,
    #[error("该问题没有后续测量的比对结果（需有后一期测量成果并完成对比分析）")]
    NoReflight,
    #[error("该问题不是由无人机测量发现的")]
    NotFromSurvey,
}

impl Problem {
    /// Key of this problem in the message catalogue.
    pub fn message_key(&self) -> &'static str {
        match self {
            Problem::Required => "problem.required",
            Problem::TooLong { .. } => "problem.too_long",
            Problem::TooShort { .. } => "problem.too_short",
            Problem::BadUsername => "problem.bad_username",
            Problem::WeakPassword => "problem.weak_password",
            Problem::PasswordMismatch => "problem.password_mismatch",
            Problem::WrongCurrentPassword => "problem.wrong_current_password",
            Problem::Duplicate => "problem.duplicate",
            Problem::NotFound => "problem.not_found",
            Problem::Invalid => "problem.invalid",
            Problem::BadDate => "problem.bad_date",
            Problem::BeforeCurrentTerm { .. } => "problem.before_current_term",
            Problem::Unchanged => "problem.unchanged",
            Problem::AgencyRequired => "problem.agency_required",
            Problem::AgencyNotAllowed => "problem.agency_not_allowed",
            Problem::CreditCodeLength { .. } => "problem.credit_code_length",
            Problem::CreditCodeCharacter { .. } => "problem.credit_code_character",
            Problem::CreditCodeCheck { .. } => "problem.credit_code_check",
            Problem::BadLicenceNo => "problem.bad_licence_no",
            Problem::LicenceNoKind { .. } => "problem.licence_no_kind",
            Problem::BadPollutantPermitNo => "problem.bad_pollutant_permit_no",
            Problem::BadNumber => "problem.bad_number",
            Problem::DateOrder => "problem.date_order",
            Problem::Boundary { .. } => "problem.boundary",
            Problem::CompanyNotRegistered => "problem.company_not_registered",
            Problem::MineNotRegistered => "problem.mine_not_registered",
            Problem::DuplicateInFile { .. } => "problem.duplicate_in_file",
            Problem::MissingColumn { .. } => "problem.missing_column",
            Problem::UnknownColumn { .. } => "problem.unknown_column",
            Problem::UnreadableWorkbook { .. } => "problem.unreadable_workbook",
            Problem::EmptyWorkbook => "problem.empty_workbook",
            Problem::CreditListed { .. } => "problem.credit_listed",
            Problem::Layer { .. } => "problem.layer",
            Problem::ControlCharacter { .. } => "problem.control_character",
            Problem::MineAmbiguous { .. } => "problem.mine_ambiguous",
            Problem::OutsideCounty { .. } => "problem.outside_county",
            Problem::TownshipNotListed { .. } => "problem.township_not_listed",
            Problem::AlreadyRegistered { .. } => "problem.already_registered",
            Problem::NotXlsx => "problem.not_xlsx",
            Problem::TooManyRows { .. } => "problem.too_many_rows",
            Problem::DuplicateOf { .. } => "problem.duplicate_of",
            Problem::DeadlineInPast { .. } => "problem.deadline_in_past",
            Problem::WrongState { .. } => "problem.wrong_state",
            Problem::AlreadyDone { .. } => "problem.already_done",
            Problem::ExtensionTooLate { .. } => "problem.extension_too_late",
            Problem::ExtensionNotLater { .. } => "problem.extension_not_later",
            Problem::ExtensionPending => "problem.extension_pending",
            Problem::NoLongerAssigned => "problem.no_longer_assigned",
            Problem::CategoryNotListed => "problem.category_not_listed",
            Problem::FileTooLarge { .. } => "problem.file_too_large",
            Problem::NotEvidence { .. } => "problem.not_evidence",
            Problem::PlanFrozen => "problem.plan_frozen",
            Problem::PlanGaps { .. } => "problem.plan_gaps",
            Problem::TooFewOfficers => "problem.too_few_officers",
            Problem::NoEnforcementCard { .. } => "problem.no_enforcement_card",
            Problem::OfficerRecused { .. } => "problem.officer_recused",
            Problem::ItemUnanswered { .. } => "problem.item_unanswered",
            Problem::ProblemWithoutNote { .. } => "problem.problem_without_note",
            Problem::SiteDetailsMissing => "problem.site_details_missing",
            Problem::NotAPhoto { .. } => "problem.not_a_photo",
            Problem::NotOnAct => "problem.not_on_act",
            Problem::BeforeInspectionDay { .. } => "problem.before_inspection_day",
            Problem::TooFewInspectors { .. } => "problem.too_few_inspectors",
            Problem::MinesUngraded { .. } => "problem.mines_ungraded",
            Problem::DrawnOfficersFixed => "problem.drawn_officers_fixed",
            Problem::DrawListSecret { .. } => "problem.draw_list_secret",
            Problem::RatioOutOfRange => "problem.ratio_out_of_range",
            Problem::NothingDrawn => "problem.nothing_drawn",
            Problem::BadMoney => "problem.bad_money",
            Problem::HolidaysUnknown { .. } => "problem.holidays_unknown",
            Problem::HolidayOutsideYear { .. } => "problem.holiday_outside_year",
            Problem::MineralNotPriced { .. } => "problem.mineral_not_priced",
            Problem::BadVolume => "problem.bad_volume",
            Problem::DefencePeriodRunning { .. } => "problem.defence_period_running",
            Problem::HearingNotAvailable => "problem.hearing_not_available",
            Problem::HostOnCase => "problem.host_on_case",
            Problem::HeavierThanNotice { .. } => "problem.heavier_than_notice",
            Problem::NoPenalty => "problem.no_penalty",
            Problem::FineMissing => "problem.fine_missing",
            Problem::FineWithoutKind => "problem.fine_without_kind",
            Problem::GainsMissing => "problem.gains_missing",
            Problem::NoneWithOthers => "problem.none_with_others",
            Problem::MeasureInForce { .. } => "problem.measure_in_force",
            Problem::NeedsSuspension { .. } => "problem.needs_suspension",
            Problem::RevocationNotDecided => "problem.revocation_not_decided",
            Problem::MeasureNotInForce => "problem.measure_not_in_force",
            Problem::NotLiftable => "problem.not_liftable",
            Problem::ItemsRequired => "problem.items_required",
            Problem::LiftDependentsFirst { .. } => "problem.lift_dependents_first",
            Problem::AlreadyAsked { .. } => "problem.already_asked",
            Problem::DateInFuture => "problem.date_in_future",
            Problem::DecisionOwnerRequired => "problem.decision_owner_required",
            Problem::DeadlineBeforeMeeting { .. } => "problem.deadline_before_meeting",
            Problem::MinutesIssued => "problem.minutes_issued",
            Problem::NoAgenda => "problem.no_agenda",
            Problem::AttendanceUnrecorded { .. } => "problem.attendance_unrecorded",
            Problem::PackageIncomplete { .. } => "problem.package_incomplete",
            Problem::ReferralOpen { .. } => "problem.referral_open",
            Problem::SurveyNotAfter { .. } => "problem.survey_not_after",
            Problem::SurveyFile { .. } => "problem.survey_file",
            Problem::SurveyDuplicate { .. } => "problem.survey_duplicate",
            Problem::JobStillRunning => "problem.job_still_running",
            Problem::NoReflight => "problem.no_reflight",
            Problem::NotFromSurvey => "problem.not_from_survey",
        }
    }

    /// Named arguments for the catalogue text (`{max}`, `{min}`, `{since}`).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Problem::TooLong { max } => vec![("max", max.to_string())],
            Problem::TooShort { min } => vec![("min", min.to_string())],
            Problem::BeforeCurrentTerm { since } => vec![("since", since.clone())],
            Problem::CreditCodeLength { found } => vec![("found", found.to_string())],
            Problem::CreditCodeCharacter { position, found } => {
                vec![("position", position.to_string()), ("found", found.clone())]
            }
            Problem::CreditCodeCheck { expected } | Problem::LicenceNoKind { expected } => {
                vec![("expected", expected.clone())]
            }
            Problem::Boundary { message }
            | Problem::UnreadableWorkbook { message }
            | Problem::Layer { message } => {
                vec![("message", message.clone())]
            }
            Problem::DuplicateInFile { row } => vec![("row", row.to_string())],
            Problem::ControlCharacter { position } => vec![("position", position.to_string())],
            Problem::MineAmbiguous { candidates } => vec![("candidates", candidates.clone())],
            Problem::OutsideCounty { km } => vec![("km", km.clone())],
            Problem::TownshipNotListed { listed } => vec![("listed", listed.clone())],
            Problem::AlreadyRegistered { existing } | Problem::DuplicateOf { existing } => {
                vec![("existing", existing.clone())]
            }
            Problem::TooManyRows { max } => vec![("max", max.to_string())],
            Problem::DeadlineInPast { today } => vec![("today", today.clone())],
            Problem::WrongState { state, step } => vec![("state", state.clone()), ("step", step.clone())],
            Problem::AlreadyDone { state } => vec![("state", state.clone())],
            Problem::AlreadyAsked { what } => vec![("what", what.clone())],
            Problem::DeadlineBeforeMeeting { date } => vec![("date", date.clone())],
            Problem::AttendanceUnrecorded { agencies } => vec![("agencies", agencies.clone())],
            Problem::PackageIncomplete { missing } => vec![("missing", missing.clone())],
            Problem::ReferralOpen { existing } => vec![("existing", existing.clone())],
            Problem::SurveyNotAfter { previous } => vec![("previous", previous.clone())],
            Problem::SurveyFile { message } => vec![("message", message.clone())],
            Problem::SurveyDuplicate { flown_on } => vec![("flown_on", flown_on.clone())],
            Problem::FileTooLarge { name, max_mib } => {
                vec![("name", name.clone()), ("max_mib", max_mib.to_string())]
            }
            Problem::NotEvidence { name }
            | Problem::NotAPhoto { name }
            | Problem::NoEnforcementCard { name }
            | Problem::OfficerRecused { name } => vec![("name", name.clone())],
            Problem::PlanGaps { gaps } => vec![("gaps", gaps.clone())],
            Problem::BeforeInspectionDay { date } | Problem::DrawListSecret { date } => {
                vec![("date", date.clone())]
            }
            Problem::MinesUngraded { mines } => vec![("mines", mines.clone())],
            Problem::HolidaysUnknown { year } => vec![("year", year.to_string())],
            Problem::HolidayOutsideYear { year, date } => {
                vec![("year", year.to_string()), ("date", date.clone())]
            }
            Problem::MineralNotPriced { mineral } => vec![("mineral", mineral.clone())],
            Problem::DefencePeriodRunning { date } => vec![("date", date.clone())],
            Problem::HeavierThanNotice { what } => vec![("what", what.clone())],
            Problem::MeasureInForce { kind } | Problem::NeedsSuspension { kind } => {
                vec![("kind", kind.clone())]
            }
            Problem::LiftDependentsFirst { kinds } => vec![("kinds", kinds.clone())],
            Problem::TooFewInspectors {
                agency,
                needed,
                found,
            } => vec![
                ("agency", agency.clone()),
                ("needed", needed.to_string()),
                ("found", found.to_string()),
            ],
            Problem::ItemUnanswered { seq } | Problem::ProblemWithoutNote { seq } => {
                vec![("seq", seq.to_string())]
            }
            Problem::ExtensionTooLate { deadline } | Problem::ExtensionNotLater { deadline } => {
                vec![("deadline", deadline.clone())]
            }
            Problem::CreditListed { names } => vec![("names", names.clone())],
            Problem::MissingColumn { column } | Problem::UnknownColumn { column } => {
                vec![("column", column.clone())]
            }
            _ => Vec::new(),
        }
    }
}

/// A problem with a named form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The form field's name, as in the HTML form (`username`, `display_name`).
    pub field: &'static str,
    pub problem: Problem,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.field, self.problem)
    }
}

/// All the problems of one submitted form. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: &'static str, problem: Problem) {
        self.0.push(FieldError { field, problem });
    }

    /// Records the error of a parse result and returns its value, if any.
    pub fn take<T>(&mut self, field: &'static str, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.push(field, problem);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.problem)
    }

    pub fn single(field: &'static str, problem: Problem) -> Self {
        Self(vec![FieldError { field, problem }])
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("；"))
    }
}

impl std::error::Error for FieldErrors {}

/// Refuses control characters other than tab and line breaks: a NUL cannot be stored on PostgreSQL
/// (and would make data differ between the backends), and none of them belongs in a record.
pub fn no_control_characters(raw: &str) -> Result<(), Problem> {
    match raw
        .chars()
        .position(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        Some(i) => Err(Problem::ControlCharacter { position: i + 1 }),
        None => Ok(()),
    }
}

/// Trims `raw` and checks it is present, free of control characters and at most `max` characters (not
/// bytes) long.
pub fn required_text(raw: &str, max: usize) -> Result<String, Problem> {
    no_control_characters(raw)?;
    let value = raw.trim();
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if value.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    Ok(value.to_string())
}

/// A time on the inspection day or a date and time ("2026-03-12 09:30" or "09:30"), kept as typed
/// after checking it.
pub fn optional_time(raw: &str) -> Result<Option<String>, Problem> {
    let raw = raw.trim().replace('T', " ");
    if raw.is_empty() {
        return Ok(None);
    }
    if chrono::NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M").is_ok()
        || chrono::NaiveTime::parse_from_str(&raw, "%H:%M").is_ok()
    {
        Ok(Some(raw))
    } else {
        Err(Problem::BadDate)
    }
}

/// Like [`required_text`] but an empty value is `None`.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, Problem> {
    no_control_characters(raw)?;
    if raw.trim().is_empty() {
        return Ok(None);
    }
    required_text(raw, max).map(Some)
}

/// The name an uploaded file is kept under: the last part of what the browser sent (some send a whole
/// Windows path), at most 120 characters, never empty.
pub fn upload_name(raw: &str) -> Result<String, Problem> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last.chars().take(120).collect();
    required_text(&name, 120)
}

/// Parses an amount of money typed in yuan (`12000`, `12,000.5`, `12000.50`) into fen, exactly: the
/// digits are read as a decimal, never through a float. More than two decimals, a sign, or more than a
/// trillion yuan is refused.
pub fn money_fen(raw: &str) -> Result<i64, Problem> {
    no_control_characters(raw)?;
    let cleaned: String = raw.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
    if cleaned.is_empty() {
        return Err(Problem::Required);
    }
    let (whole, frac) = match cleaned.split_once('.') {
        Some((whole, frac)) => (whole, Some(frac)),
        None => (cleaned.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let frac_ok = frac.is_none_or(|f| digits(f) && f.len() <= 2);
    let frac = frac.unwrap_or("");
    if !digits(whole) || !frac_ok || whole.len() > 12 {
        return Err(Problem::BadMoney);
    }
    let yuan: i64 = whole.parse().map_err(|_| Problem::BadMoney)?;
    let fen: i64 = format!("{frac:0<2}").parse().map_err(|_| Problem::BadMoney)?;
    Ok(yuan * 100 + fen)
}

/// Like [`money_fen`] but an empty value is `None`.
pub fn optional_money_fen(raw: &str) -> Result<Option<i64>, Problem> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    money_fen(raw).map(Some)
}

/// Fen shown as yuan with two decimals and thousands separators (`1,234,567.80`).
/// A date as documents write it (GB/T 9704: Arabic numerals, "2026年4月13日").
pub fn chinese_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// Fen as a form would take it back: plain yuan without separators (`90000`, `12000.50`).
pub fn yuan_plain(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

/// Parses an ISO date (`2026-03-01`).
pub fn date(raw: &str) -> Result<chrono::NaiveDate, Problem> {
    no_control_characters(raw)?;
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| Problem::BadDate)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_time_is_a_time_of_the_day_or_a_date_and_time() {
        assert_eq!(optional_time(" 09:30 "), Ok(Some("09:30".into())));
        assert_eq!(
            optional_time("2026-03-12T09:30"),
            Ok(Some("2026-03-12 09:30".into()))
        );
        assert_eq!(optional_time(""), Ok(None));
        assert_eq!(optional_time("9点半"), Err(Problem::BadDate));
        assert_eq!(optional_time("25:00"), Err(Problem::BadDate));
    }

    use super::*;

    #[test]
    fn text_length_counts_characters_not_bytes() {
        assert_eq!(required_text("矿产资源", 4), Ok("矿产资源".to_string()));
        assert_eq!(required_text("矿产资源监", 4), Err(Problem::TooLong { max: 4 }));
    }

    #[test]
    fn blank_text_is_required() {
        assert_eq!(required_text("   ", 10), Err(Problem::Required));
        assert_eq!(optional_text("  ", 10), Ok(None));
    }

    #[test]
    fn a_nul_or_other_control_character_is_refused_with_its_position() {
        assert_eq!(
            required_text("鹿寨\0镇", 10),
            Err(Problem::ControlCharacter { position: 3 })
        );
        assert_eq!(
            optional_text("a\u{1b}", 10),
            Err(Problem::ControlCharacter { position: 2 })
        );
        assert!(required_text("第一行\n第二行\t", 20).is_ok());
    }

    #[test]
    fn an_uploaded_name_keeps_only_its_last_part() {
        assert_eq!(upload_name(r"C:\照片\整改后.jpg"), Ok("整改后.jpg".to_string()));
        assert_eq!(upload_name("a/b/报告.pdf"), Ok("报告.pdf".to_string()));
        assert_eq!(upload_name("dir/"), Err(Problem::Required));
    }

    #[test]
    fn money_is_read_as_a_decimal_into_fen_and_anything_else_is_refused() {
        assert_eq!(money_fen("12000"), Ok(1_200_000));
        assert_eq!(money_fen(" 12,000.5 "), Ok(1_200_050));
        assert_eq!(money_fen("0.07"), Ok(7));
        // 0.29 × 100 is 28.999… as a float: read as digits it is 29 fen.
        assert_eq!(money_fen("0.29"), Ok(29));
        for bad in ["-5", "1.234", "1e5", "12元", ".5", "5.", "1234567890123"] {
            assert_eq!(money_fen(bad), Err(Problem::BadMoney), "{bad}");
        }
        assert_eq!(money_fen(""), Err(Problem::Required));
        assert_eq!(optional_money_fen(" "), Ok(None));
        assert_eq!(yuan_text(123_456_780), "1,234,567.80");
        assert_eq!(yuan_text(5), "0.05");
        assert_eq!(yuan_plain(9_000_000), "90000");
        assert_eq!(money_fen(&yuan_plain(1_200_050)), Ok(1_200_050));
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(date("2026-02-30").is_err());
        assert_eq!(date("2026/02/01"), Err(Problem::BadDate));
        assert!(date("2026-02-28").is_ok());
    }
}
