//! 行刑衔接 — referring a suspected crime out of a penalty case, step by step (WORKFLOW.md §5, State
//! Council Order 310).
//!
//! The case team reports; the head — never one of the team — approves or refuses with reasons within 3
//! days; the team transfers within 24 hours with the five documents, packed once into a zip with its
//! SHA-256 index and kept on the referral; the receiving body acknowledges, decides whether to file
//! within 3 days; after a refusal the agency asks for reconsideration or supervision within 3 days (or
//! accepts); items are handed over within 3 days of filing; the result comes back.
//!
//! The steps, their clocks, who takes them and the referral number are `domain::referral::ReferralFlow`'s
//! and go through the kernel (`crate::workflow::step`); this module reads the input, builds the
//! transfer's package and prints the letter.

use crate::enforcement::cases::Case;
use crate::enforcement::package::{self, PackageFile};
use crate::evidence::{EvidenceFile, Stored};
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::field::{optional_text, required_text, yuan_text};
use orewatch_domain::inspection::{check_officers, Officer};
use orewatch_domain::penalty::{CaseFlow, CaseStep};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::referral::flow::in_progress;
use orewatch_domain::referral::{
    Document, Package, Receiver, RefStep, ReferralCommand, ReferralFlow, Transfer,
};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::Workflow;
use orewatch_domain::{AgencyCode, AttachmentId, CaseId, FieldErrors, Problem, RecordType, ReferralId};
use orewatch_storage::files::{self, Attachment};
use orewatch_storage::referrals::{self, NewReferral};
pub use orewatch_storage::referrals::{RefEvent, Referral};
use orewatch_storage::tasks::TaskRow;
use orewatch_storage::{agencies, cases, Conn};

/// The policy's view of a referral.
pub fn resource(referral: &Referral) -> Resource {
    ReferralFlow::resource(referral)
}

/// Raw input of a referral report.
#[derive(Debug, Clone, Default)]
pub struct ReportInput<'a> {
    /// `domain::referral::Receiver` code.
    pub receiver: &'a str,
    /// The member agency, for `agency`.
    pub receiver_agency: &'a str,
    /// The outside body's full name (e.g. 某某县人民检察院); a member agency's is its own.
    pub receiver_name: &'a str,
    /// 涉嫌罪名.
    pub suspected: &'a str,
    /// The report: the facts, the evidence, why they meet the criminal standard.
    pub report: &'a str,
}

/// 报请移送: the case team writes the referral report (the case's team of at least two officers signs
/// it); the head's 3-day decision clock starts. One referral of a case is in progress at a time.
pub async fn report(
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    input: &ReportInput<'_>,
) -> Result<ReferralId> {
    let mut e = FieldErrors::new();
    let receiver = e.take("receiver", Receiver::parse(input.receiver));
    let suspected = e.take("suspected", required_text(input.suspected, 100));
    let report = e.take("report", required_text(input.report, 5000));
    let outside_name = e.take("receiver_name", optional_text(input.receiver_name, 100));
    let mut tx = app.write(caller).await?;
    let case = crate::workflow::allowed::<CaseFlow>(&mut tx, app, caller, case_id, CaseStep::Refer).await?;
    let (Some(receiver), Some(suspected), Some(report), Some(outside_name)) =
        (receiver, suspected, report, outside_name)
    else {
        return Err(AppError::Invalid(e));
    };
    // The receiving body: a member agency answers in the platform under its own name; an outside
    // body is named in full.
    let member = receiver
        .member(Some(input.receiver_agency))
        .map_err(|p| AppError::invalid("receiver_agency", p))?;
    let (receiver_agency, receiver_name) = match member {
        Some(code) => {
            let code = AgencyCode::parse(&code).map_err(|p| AppError::invalid("receiver_agency", p))?;
            if code == case.agency {
                return Err(AppError::invalid("receiver_agency", Problem::Invalid));
            }
            let agency = agencies::find(&mut tx, &code)
                .await?
                .ok_or_else(|| AppError::invalid("receiver_agency", Problem::NotFound))?;
            (Some(code), agency.name_zh)
        }
        None => match outside_name {
            Some(name) => (None, name),
            None => return Err(AppError::invalid("receiver_name", Problem::Required)),
        },
    };
    // Order 310 Art. 5: a team of at least two officers writes the report.
    let team: Vec<Officer> = case
        .team
        .iter()
        .map(|o| Officer {
            account: o.account_id,
            name: o.name.clone(),
            card_no: Some(o.card_no.clone()).filter(|c| !c.is_empty()),
            recused: false,
        })
        .collect();
    check_officers(&team).map_err(|p| AppError::invalid("team", p))?;
    if let Some(open) = in_progress(&referrals::of_case(&mut tx, case_id).await?) {
        return Err(AppError::invalid(
            "receiver",
            Problem::ReferralOpen {
                existing: format!("{}，{}", open.receiver_name, open.state.label_zh()),
            },
        ));
    }
    let team_names = case
        .team
        .iter()
        .map(|o| o.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let id = referrals::insert(
        &mut tx,
        &NewReferral {
            case_id,
            agency: &case.agency,
            receiver,
            receiver_agency: receiver_agency.as_ref(),
            receiver_name: &receiver_name,
            suspected: &suspected,
            report: &report,
            team_names: &team_names,
            reported_by_label: &caller.display_name,
        },
    )
    .await?;
    crate::workflow::created::<ReferralFlow>(&mut tx, app, caller, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether the caller may report a referral of the case now: the case's rules allow it and no other
/// referral of it is in progress.
pub async fn may_report(app: &App, caller: &Caller, case: &Case) -> Result<bool> {
    if !crate::workflow::may_take::<CaseFlow>(app, caller, case, CaseStep::Refer) {
        return Ok(false);
    }
    let mut conn = app.db.conn().await?;
    Ok(in_progress(&referrals::of_case(&mut conn, case.id).await?).is_none())
}

/// Raw input of a step.
#[derive(Debug, Clone, Default)]
pub struct StepInput<'a> {
    /// The reasons, the explanation or the result, for the steps that need one; a note otherwise.
    pub note: &'a str,
    /// The receiver's case number when it files (立案决定书文号).
    pub police_case_no: &'a str,
    /// The items list of the transfer (or "无" when there are none).
    pub items: &'a str,
    /// Why there is no appraisal report, when the case has none attached.
    pub no_appraisal_reason: &'a str,
    /// The scan of an outside body's receipt.
    pub files: Vec<EvidenceFile<'a>>,
}

/// Takes one step of a referral: the policy and the referral's rules first, then the input; a
/// transfer builds and stores its package, which the step attaches.
pub async fn step(
    app: &App,
    caller: &Caller,
    id: ReferralId,
    step: RefStep,
    input: &StepInput<'_>,
) -> Result<()> {
    let mut e = FieldErrors::new();
    let note = if step.needs_text() {
        e.take("note", required_text(input.note, 2000))
    } else {
        e.take("note", optional_text(input.note, 2000))
            .map(|n| n.unwrap_or_default())
    };
    let police_case_no = e.take("police_case_no", optional_text(input.police_case_no, 60));
    let items = e.take("items", optional_text(input.items, 4000));
    let no_appraisal = e.take(
        "no_appraisal_reason",
        optional_text(input.no_appraisal_reason, 500),
    );
    // Files are stored before the row (a failed write leaves an unreferenced file, never a row
    // without its file).
    let mut files = crate::evidence::store(app, &input.files).await?;
    let mut conn = app.db.conn().await?;
    let referral = crate::workflow::allowed::<ReferralFlow>(&mut conn, app, caller, id, step).await?;
    let (Some(note), Some(police_case_no), Some(items), Some(no_appraisal)) =
        (note, police_case_no, items, no_appraisal)
    else {
        return Err(AppError::Invalid(e));
    };
    let mut command = ReferralCommand {
        scans: files.len(),
        police_case_no,
        ..ReferralCommand::new(step, note)
    };
    if step == RefStep::Transfer {
        let case = cases::find(&mut conn, referral.case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let attached = files::of_record(&mut conn, RecordType::PenaltyCase, &case.id.to_string()).await?;
        let items = items.unwrap_or_default();
        let with = referral.with_transfer(&items, no_appraisal.as_deref());
        with.package(attached.len())
            .check()
            .map_err(|p| AppError::invalid("items", p))?;
        let today = local_date(app.now());
        let zip = build_package(app, &mut conn, &with, &case, &attached, today).await?;
        let name = format!(
            "移送材料-{}.zip",
            referral.referral_no.clone().unwrap_or_else(|| id.to_string())
        );
        files.insert(0, Stored::of_bytes(app, &name, "application/zip", &zip).await?);
        command.transfer = Some(Transfer {
            items,
            no_appraisal_reason: no_appraisal,
            appraisal_files: attached.len(),
            package_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&zip)),
        });
        command.scans = 0;
    }
    drop(conn);
    crate::workflow::step::<ReferralFlow>(app, caller, id, command, &files).await?;
    Ok(())
}

/// The fields of the 移送书 (Order 310 Art. 6, item 1), as the package and the print show them.
pub fn letter_rows(referral: &Referral, case: &Case) -> Vec<(&'static str, String)> {
    vec![
        ("接收机关", referral.receiver_name.clone()),
        ("案件名称", format!("{}（{}）", case.cause, case.case_no)),
        (
            "当事人",
            format!("{}（统一社会信用代码 {}）", case.company_name, case.company_code),
        ),
        ("法定代表人", case.legal_rep.clone()),
        ("涉案矿山", format!("{} · {}", case.mine_name, case.township)),
        ("涉嫌罪名", referral.suspected.clone()),
        ("移送依据", "《行政执法机关移送涉嫌犯罪案件的规定》第三条、第六条".into()),
        (
            "附件",
            "1. 涉嫌犯罪案件情况的调查报告\n2. 涉案物品清单\n3. 有关检验报告或者鉴定意见\n4. 其他有关涉嫌犯罪的材料"
                .into(),
        ),
    ]
}

fn letter_file(issuer: &str, referral: &Referral, case: &Case, signed: &str) -> PackageFile {
    PackageFile {
        document: Document::Letter,
        name: "涉嫌犯罪案件移送书.html".into(),
        bytes: package::document(
            issuer,
            Document::Letter.label_zh(),
            referral.referral_no.as_deref().unwrap_or_default(),
            &letter_rows(referral, case),
            signed,
        ),
    }
}

/// Builds the package of a transfer: the letter, the report and the items list printed, the case's
/// appraisal files as they are, and a summary of the case as other material.
async fn build_package(
    app: &App,
    conn: &mut Conn,
    referral: &Referral,
    case: &Case,
    attached: &[Attachment],
    today: NaiveDate,
) -> Result<Vec<u8>> {
    let issuer = agencies::find(conn, &referral.agency)
        .await?
        .map(|a| a.name_zh)
        .unwrap_or_default();
    let number = referral.referral_no.clone().unwrap_or_default();
    let date = orewatch_domain::field::chinese_date(today);
    let signed = format!("{issuer}（印章）\n{date}");
    let mut files = vec![
        letter_file(&issuer, referral, case, &signed),
        PackageFile {
            document: Document::Report,
            name: "涉嫌犯罪案件情况的调查报告.html".into(),
            bytes: package::document(
                &issuer,
                Document::Report.label_zh(),
                &case.case_no,
                &[
                    ("案由", case.cause.clone()),
                    ("涉嫌罪名", referral.suspected.clone()),
                    ("调查情况", referral.report.clone()),
                    ("承办人员", referral.team_names.clone()),
                ],
                &format!("承办人：{}\n{date}", referral.team_names),
            ),
        },
        PackageFile {
            document: Document::Items,
            name: "涉案物品清单.html".into(),
            bytes: package::document(
                &issuer,
                Document::Items.label_zh(),
                &case.case_no,
                &[("物品清单", referral.items.clone().unwrap_or_default())],
                &signed,
            ),
        },
    ];
    for a in attached {
        files.push(PackageFile {
            document: Document::Appraisal,
            name: format!("{}-{}", a.id, a.file_name),
            bytes: crate::evidence::bytes_of(app, a).await?,
        });
    }
    if let Some(reason) = &referral.no_appraisal_reason {
        files.push(PackageFile {
            document: Document::Appraisal,
            name: "未附鉴定意见的说明.html".into(),
            bytes: package::document(
                &issuer,
                "未附检验报告或者鉴定意见的说明",
                &case.case_no,
                &[("说明", reason.clone())],
                &signed,
            ),
        });
    }
    let mut summary = vec![
        ("案件编号", case.case_no.clone()),
        ("立案日期", case.filed_on.to_string()),
        ("当事人", case.company_name.clone()),
        (
            "涉及问题",
            case.findings
                .iter()
                .map(|f| format!("{}：{}", f.category_zh, f.description))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ];
    if let Some(est) = &case.estimate {
        summary.push((
            "估算价值",
            format!(
                "{} 元（{} m³ × {} t/m³ × {} 元/t；{}）",
                yuan_text(est.value_fen),
                est.volume_m3,
                est.density_t_m3,
                yuan_text(est.price_fen_t),
                orewatch_domain::penalty::ESTIMATE_LABEL
            ),
        ));
    }
    if let Some(value) = case.appraised_fen {
        summary.push((
            "鉴定（认定）价值",
            format!(
                "{} 元 · {}",
                yuan_text(value),
                case.appraisal_note.clone().unwrap_or_default()
            ),
        ));
    }
    if let (Some(no), Some(p)) = (&case.decision_no, &case.decided) {
        summary.push(("行政处罚决定", format!("{no} · {}", p.describe_zh())));
    }
    summary.push((
        "办理经过",
        case.events
            .iter()
            .map(|ev| {
                format!(
                    "{} {} {}",
                    // As the county reads a clock, not the audit's UTC stamp.
                    ev.at
                        .with_timezone(&orewatch_domain::task::china())
                        .format("%Y-%m-%d %H:%M"),
                    ev.by_label,
                    ev.note.clone().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    files.push(PackageFile {
        document: Document::Other,
        name: "案件基本情况.html".into(),
        bytes: package::document(&issuer, "案件基本情况", &case.case_no, &summary, &signed),
    });
    let title = format!("{number} 移送材料（{}）", referral.receiver_name);
    package::zip(&title, &files).map_err(|e| AppError::Document {
        what: "移送材料包",
        source: Box::new(e),
    })
}

/// A referral with what its page shows.
#[derive(Debug, Clone)]
pub struct ReferralView {
    pub referral: Referral,
    pub case: Case,
    pub attachments: Vec<Attachment>,
    pub open_tasks: Vec<TaskRow>,
    /// The steps the reader may take now.
    pub open: Vec<RefStep>,
    /// What the transfer will need, for the form.
    pub appraisal_files: usize,
    /// The five documents as they stand.
    pub package: Package,
}

/// Whether the caller may read a referral: whoever reads its case, and the receiving body.
fn may_read(caller: &Caller, referral: &Referral) -> Result<()> {
    let res = resource(referral);
    if !caller.may(Action::ViewCases, &res) {
        caller.require(Action::AnswerReferral, &res)?;
    }
    Ok(())
}

/// One referral, for anyone who may read its case or who receives it.
pub async fn show(app: &App, caller: &Caller, id: ReferralId) -> Result<ReferralView> {
    let mut conn = app.db.conn().await?;
    let referral = referrals::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    may_read(caller, &referral)?;
    let case = cases::find(&mut conn, referral.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let attachments = files::of_record(&mut conn, RecordType::Referral, &id.to_string()).await?;
    let open_tasks =
        orewatch_storage::tasks::open_for(&mut conn, RecordType::Referral, &id.to_string(), None).await?;
    let appraisal_files = files::of_record(&mut conn, RecordType::PenaltyCase, &case.id.to_string())
        .await?
        .len();
    let open = crate::workflow::offered::<ReferralFlow>(&mut conn, app, caller, &referral).await?;
    Ok(ReferralView {
        package: referral.package(appraisal_files),
        referral,
        case,
        attachments,
        open_tasks,
        open,
        appraisal_files,
    })
}

/// A case's referrals.
pub async fn of_case(app: &App, caller: &Caller, case: &Case) -> Result<Vec<Referral>> {
    caller.require(Action::ViewCases, &CaseFlow::resource(case))?;
    let mut conn = app.db.conn().await?;
    Ok(referrals::of_case(&mut conn, case.id).await?)
}

/// Referrals, newest first: every one (whoever reads cases reads their referrals), or those sent or
/// received by one agency.
pub async fn list(app: &App, caller: &Caller, agency: Option<&AgencyCode>) -> Result<Vec<Referral>> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(referrals::list(&mut conn, agency, 500).await?)
}

/// A file of a referral (its package, a receipt scan) and its bytes.
pub async fn file(app: &App, caller: &Caller, attachment_id: AttachmentId) -> Result<(Attachment, Vec<u8>)> {
    crate::evidence::file_of::<ReferralFlow>(app, attachment_id, |referral| may_read(caller, referral)).await
}
