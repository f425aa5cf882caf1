//! The demo year's joint inspections: the inspector register, the year's plan (returned once with the
//! county government's comments, revised and approved) and four quarterly joint inspections, each run
//! as the acts of three agencies at two mines — approved by the heads, filled in on site with a photo,
//! signed — whose problems go on the ledger. The steps are interleaved with the ledger's year
//! (`super::ledger`), on the same moving clock.

use crate::inspections::acts::{self, FillInput, PhotoUpload, ProblemInput, ScheduleInput};
use crate::inspections::draws::{self, DrawRequest};
use crate::inspections::plans::{self, ItemInput};
use crate::inspections::register::{self, CardInput};
use crate::{accounts, App, AppError, Caller, Result};
use chrono::{Datelike, Duration, NaiveDate};
use orewatch_domain::agency::{AgencyKind, STANDARD_AGENCIES};
use orewatch_domain::inspection::ActState;
use orewatch_domain::MineId;

/// A site photo taken with a camera's GPS on (a real file: fixtures/photos/README.md). The demo gives
/// it the time and place of each inspection by rewriting its EXIF segment.
const SITE_PHOTO: &[u8] = include_bytes!("../../../../fixtures/photos/DSCN0010.jpg");

/// The agencies of a demo joint inspection outside the plan's year: the lead and two others.
const AGENCIES: [&str; 3] = ["nr", "ps", "em"];

/// `SITE_PHOTO` with an EXIF segment saying it was taken at `taken` ("2026:03:21 10:05:00") at
/// (`lat`, `lon`), in place of the camera's own.
fn photo_at(lat: f64, lon: f64, taken: &str) -> Option<Vec<u8>> {
    use exif::{Field, In, Rational, Tag, Value};
    let dms = |deg: f64| {
        let d = deg.abs().floor();
        let m = ((deg.abs() - d) * 60.0).floor();
        let s = ((deg.abs() - d) * 60.0 - m) * 60.0;
        Value::Rational(vec![
            Rational {
                num: d as u32,
                denom: 1,
            },
            Rational {
                num: m as u32,
                denom: 1,
            },
            Rational {
                num: (s * 10_000.0).round() as u32,
                denom: 10_000,
            },
        ])
    };
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let fields = [
        field(
            Tag::DateTimeOriginal,
            Value::Ascii(vec![taken.as_bytes().to_vec()]),
        ),
        field(
            Tag::GPSLatitudeRef,
            Value::Ascii(vec![if lat < 0.0 { b"S".to_vec() } else { b"N".to_vec() }]),
        ),
        field(Tag::GPSLatitude, dms(lat)),
        field(
            Tag::GPSLongitudeRef,
            Value::Ascii(vec![if lon < 0.0 { b"W".to_vec() } else { b"E".to_vec() }]),
        ),
        field(Tag::GPSLongitude, dms(lon)),
    ];
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).ok()?;
    let tiff = tiff.into_inner();
    // The original: SOI, then its APP1 (EXIF) segment, then the rest of the image.
    let old_len = usize::from(u16::from_be_bytes([*SITE_PHOTO.get(4)?, *SITE_PHOTO.get(5)?]));
    let rest = SITE_PHOTO.get(4 + old_len..)?;
    let new_len = u16::try_from(2 + 6 + tiff.len()).ok()?;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&new_len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(rest);
    Some(out)
}

/// Where on a mine's licence a demo photo is taken: near its middle, as WGS 84 latitude and longitude.
async fn site_of(app: &App, caller: &Caller, mine: MineId, k: usize) -> Result<Option<(f64, f64)>> {
    let view = crate::registry::mines::show(app, caller, mine).await?;
    Ok(view.licences.iter().find_map(|l| l.parcel.as_ref()).map(|p| {
        let e = (p.bbox[0] + p.bbox[2]) / 2.0 + (p.bbox[2] - p.bbox[0]) * 0.15 * (k as f64 % 3.0 - 1.0);
        let n = (p.bbox[1] + p.bbox[3]) / 2.0;
        let (lon, lat) = orewatch_spatial::crs::ProjectedCrs::gauss_kruger_3deg(p.zone, false)
            .projection()
            .inverse(e, n);
        (lat, lon)
    }))
}

/// A step of the inspections' year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Cards,
    DraftPlan,
    SubmitPlan,
    ReturnPlan,
    RevisePlan,
    ApprovePlan,
    Schedule(usize),
    Approve(usize),
    Inspect(usize),
    /// The office grades the mines' risk (双随机 works from the grades).
    Grades,
    /// A 双随机 draw for an inspection on this day.
    Draw(NaiveDate),
    /// The heads approve the last draw's acts on its day, with the drawn inspectors.
    ApproveDrawn,
    /// The drawn inspectors inspect and sign (no problem found).
    InspectDrawn,
}

/// What the steps keep between them.
#[derive(Debug, Default)]
pub(crate) struct State {
    plan: Option<orewatch_domain::PlanId>,
    /// Producing mines in four groups, one per quarter.
    groups: Vec<Vec<MineId>>,
    inspections: Vec<Option<orewatch_domain::InspectionId>>,
    /// The title of each quarter's joint inspection (the findings' reference).
    pub titles: Vec<String>,
    /// The drawn inspections with their days, in order.
    drawn: Vec<(orewatch_domain::InspectionId, NaiveDate)>,
}

async fn caller(app: &App, username: &str) -> Result<Caller> {
    let account = accounts::find_by_username(app, &Caller::system(), username)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(accounts::caller_of(&account))
}

/// The date of quarter `q`'s joint inspection and its title.
pub(crate) fn title_of(date: NaiveDate) -> String {
    let quarter = orewatch_domain::inspection::quarter_of(date);
    format!("{}年第{}季度矿产资源联合检查", date.year(), quarter)
}

impl State {
    pub(crate) async fn new(app: &App, dates: &[NaiveDate]) -> Result<Self> {
        let mut conn = app.db.conn().await?;
        let mut producing: Vec<MineId> = orewatch_storage::mines::all(&mut conn)
            .await?
            .into_iter()
            .filter(|m| m.status == orewatch_domain::mine::MineStatus::Producing)
            .map(|m| m.id)
            .collect();
        producing.sort();
        let mut groups = vec![Vec::new(); 4];
        for (i, m) in producing.into_iter().enumerate() {
            if let Some(g) = groups.get_mut(i % 4) {
                g.push(m);
            }
        }
        Ok(Self {
            plan: None,
            groups,
            inspections: vec![None; dates.len()],
            titles: dates.iter().map(|d| title_of(*d)).collect(),
            drawn: Vec::new(),
        })
    }

    async fn add_quarter(
        &self,
        app: &App,
        office: &Caller,
        plan: orewatch_domain::PlanId,
        quarter: usize,
        with_forestry: bool,
    ) -> Result<()> {
        let mines: Vec<String> = self
            .groups
            .get(quarter)
            .map(|g| g.iter().map(|m| m.0.to_string()).collect())
            .unwrap_or_default();
        let mut agencies = vec!["ps", "em"];
        if with_forestry {
            agencies.push("fo");
        }
        plans::add_item(
            app,
            office,
            plan,
            &ItemInput {
                quarter: &(quarter + 1).to_string(),
                title: &format!("第{}季度联合检查", quarter + 1),
                lead: "nr",
                agencies,
                focus: vec!["key_links", "open_pit", "operations"],
                mines: mines.iter().map(String::as_str).collect(),
            },
        )
        .await
    }

    /// Runs one step at the clock's time.
    pub(crate) async fn run(
        &mut self,
        app: &App,
        step: Step,
        dates: &[NaiveDate],
        plan_year: i32,
    ) -> Result<()> {
        let office = caller(app, "office").await?;
        match step {
            Step::Cards => {
                let until = (dates.last().copied().unwrap_or_default() + Duration::days(3 * 365)).to_string();
                let mut n = 0;
                for agency in STANDARD_AGENCIES.iter().filter(|a| a.kind == AgencyKind::Member) {
                    for role in ["head", "officer"] {
                        n += 1;
                        let who = caller(app, &format!("{}_{role}", agency.code)).await?;
                        let id = who.account_id().map(|a| a.0.to_string()).unwrap_or_default();
                        register::register_card(
                            app,
                            &office,
                            &CardInput {
                                account: &id,
                                card_no: &format!("4502250{n:03}"),
                                valid_until: &until,
                                recusals: "",
                            },
                        )
                        .await?;
                    }
                }
            }
            Step::DraftPlan => {
                let plan = plans::new_version(app, &office, &plan_year.to_string(), "").await?;
                for q in 0..4 {
                    self.add_quarter(app, &office, plan, q, false).await?;
                }
                self.plan = Some(plan);
            }
            Step::SubmitPlan => {
                if let Some(plan) = self.plan {
                    plans::submit(app, &office, plan).await?;
                }
            }
            Step::ReturnPlan => {
                if let Some(plan) = self.plan {
                    let county = caller(app, "county").await?;
                    plans::decide(
                        app,
                        &county,
                        plan,
                        false,
                        "第三季度正值雨季，请增加林业部门参加，重点检查林地和水土保持",
                    )
                    .await?;
                }
            }
            Step::RevisePlan => {
                if let Some(plan) = self.plan {
                    let view = plans::show(app, &office, plan).await?;
                    if let Some(item) = view.plan.items.iter().find(|i| i.quarter == 3).and_then(|i| i.id) {
                        plans::remove_item(app, &office, plan, item).await?;
                    }
                    self.add_quarter(app, &office, plan, 2, true).await?;
                    plans::submit(app, &office, plan).await?;
                }
            }
            Step::ApprovePlan => {
                if let Some(plan) = self.plan {
                    let county = caller(app, "county").await?;
                    plans::decide(app, &county, plan, true, "同意").await?;
                }
            }
            Step::Schedule(q) => {
                let Some(date) = dates.get(q) else { return Ok(()) };
                // The plan's item of the quarter carries the mines and agencies, when the inspection
                // falls in the plan's year; otherwise (last year's fourth quarter) a group of mines.
                let item = match self.plan {
                    Some(plan) if date.year() == plan_year => plans::show(app, &office, plan)
                        .await?
                        .plan
                        .items
                        .into_iter()
                        .find(|i| i.quarter == orewatch_domain::inspection::quarter_of(*date)),
                    _ => None,
                };
                let (plan_item, mines, agencies): (String, Vec<String>, Vec<String>) = match &item {
                    Some(i) => (
                        i.id.map(|id| id.to_string()).unwrap_or_default(),
                        i.mines.iter().map(|m| m.0.to_string()).collect(),
                        i.agencies
                            .iter()
                            .skip(1)
                            .map(|a| a.as_str().to_string())
                            .collect(),
                    ),
                    None => (
                        String::new(),
                        self.groups
                            .get(3)
                            .map(|g| g.iter().map(|m| m.0.to_string()).collect())
                            .unwrap_or_default(),
                        AGENCIES.iter().skip(1).map(|a| (*a).to_string()).collect(),
                    ),
                };
                let title = self.titles.get(q).cloned().unwrap_or_default();
                let (id, _) = acts::schedule(
                    app,
                    &office,
                    &ScheduleInput {
                        title: &title,
                        inspect_on: &date.to_string(),
                        kind: "special",
                        lead: "nr",
                        agencies: agencies.iter().map(String::as_str).collect(),
                        mines: mines.iter().map(String::as_str).collect(),
                        plan_item: &plan_item,
                    },
                )
                .await?;
                if let Some(slot) = self.inspections.get_mut(q) {
                    *slot = Some(id);
                }
            }
            Step::Approve(q) => {
                let Some(Some(id)) = self.inspections.get(q).copied() else {
                    return Ok(());
                };
                for act in acts::show(app, &office, id).await?.acts {
                    let head = caller(app, &format!("{}_head", act.agency.as_str())).await?;
                    let officer = caller(app, &format!("{}_officer", act.agency.as_str())).await?;
                    let ids: Vec<String> = [&officer, &head]
                        .iter()
                        .filter_map(|c| c.account_id().map(|a| a.0.to_string()))
                        .collect();
                    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                    acts::approve(app, &head, act.id, "special", &refs).await?;
                }
            }
            Step::Inspect(q) => {
                let Some(Some(id)) = self.inspections.get(q).copied() else {
                    return Ok(());
                };
                let date = dates.get(q).copied().unwrap_or_default();
                inspect(app, &office, id, date, true).await?;
            }
            Step::Grades => {
                let mut conn = app.db.conn().await?;
                let mut all = orewatch_storage::mines::all(&mut conn).await?;
                drop(conn);
                all.sort_by_key(|m| m.id);
                // Producing mines: one in ten A (with its reason), three B, four C, two D; a suspended
                // mine is A (it might be worked in secret), one being prepared C.
                use orewatch_domain::mine::MineStatus;
                let ids: Vec<(String, MineStatus)> =
                    all.iter().map(|m| (m.id.0.to_string(), m.status)).collect();
                let mut producing = 0;
                let mut typed: Vec<(&str, &str, &str)> = Vec::new();
                for (id, status) in &ids {
                    let grade = match status {
                        MineStatus::Closed => continue,
                        MineStatus::Suspended => ("a", "停产整顿期间，防止擅自恢复生产"),
                        MineStatus::Preparing => ("c", "筹建期，尚未生产"),
                        MineStatus::Producing => {
                            producing += 1;
                            match producing % 10 {
                                1 => ("a", "曾发生越界开采，群众举报较多"),
                                2..=4 => ("b", ""),
                                5..=8 => ("c", ""),
                                _ => ("d", ""),
                            }
                        }
                    };
                    typed.push((id.as_str(), grade.0, grade.1));
                }
                draws::set_grades(app, &office, &typed).await?;
            }
            Step::Draw(date) => {
                let title = format!("{}年{}月双随机联合抽查", date.year(), date.month());
                let day = date.to_string();
                let request = DrawRequest {
                    inspection: ScheduleInput {
                        title: &title,
                        inspect_on: &day,
                        kind: "routine",
                        lead: "nr",
                        agencies: vec!["ps", "em"],
                        mines: Vec::new(),
                        plan_item: "",
                    },
                    ratios: ["20", "10", "5", "0"],
                    per_act: "2",
                };
                // A seed of the day, so the demo is the same each time it is loaded.
                let seed = u64::try_from(date.num_days_from_ce()).unwrap_or_default();
                let (id, _) = draws::draw_seeded(app, &office, &request, seed).await?;
                self.drawn.push((id, date));
            }
            Step::ApproveDrawn => {
                let Some((id, _)) = self.drawn.last().copied() else {
                    return Ok(());
                };
                for act in acts::show(app, &office, id).await?.acts {
                    let head = caller(app, &format!("{}_head", act.agency.as_str())).await?;
                    acts::approve(app, &head, act.id, "routine", &[]).await?;
                }
            }
            Step::InspectDrawn => {
                let Some((id, date)) = self.drawn.last().copied() else {
                    return Ok(());
                };
                inspect(app, &office, id, date, false).await?;
            }
        }
        Ok(())
    }
}

/// The officers of each approved act of a joint inspection fill in its checklist on `date`, add a photo
/// to some, and sign; with `with_problem`, the first act finds a problem that goes on the ledger.
async fn inspect(
    app: &App,
    office: &Caller,
    id: orewatch_domain::InspectionId,
    date: NaiveDate,
    with_problem: bool,
) -> Result<()> {
    let acts_of = acts::show(app, office, id).await?.acts;
    for (k, act) in acts_of.iter().enumerate() {
        if act.state != ActState::Approved {
            continue;
        }
        // One of the act's own officers fills and signs it (a drawn act's may be anyone carded).
        let named = acts::show_act(app, office, act.id).await?.act;
        let officer = match named.officers.first() {
            Some(o) => {
                let account = accounts::active_accounts(app, office)
                    .await?
                    .into_iter()
                    .find(|a| a.id == o.account_id)
                    .ok_or(AppError::NotFound)?;
                accounts::caller_of(&account)
            }
            None => caller(app, &format!("{}_officer", act.agency.as_str())).await?,
        };
        let full = acts::show_act(app, &officer, act.id).await?.act;
        // The first act of a quarterly inspection finds a problem with its first item.
        let problem = with_problem && k == 0;
        let answers: Vec<(orewatch_domain::ActItemId, &str, &str)> = full
            .items
            .iter()
            .enumerate()
            .map(|(j, item)| match (problem, j) {
                (true, 0) => (item.id, "problem", "现场发现与设计不符，详见照片"),
                (_, j) if j % 7 == 6 => (item.id, "not_applicable", ""),
                _ => (item.id, "compliant", ""),
            })
            .collect();
        let started = format!("{date} 09:00");
        let ended = format!("{date} 11:30");
        acts::fill(
            app,
            &officer,
            act.id,
            &FillInput {
                place: &format!("{}采场、破碎车间及炸药库", act.mine_name),
                person_on_site: "矿长 黄立新",
                started_at: &started,
                ended_at: &ended,
                summary: "查看采场、边坡、排土场、炸药库及运输道路，查阅生产和出入库台账",
                answers,
            },
        )
        .await?;
        if problem || k % 5 == 1 {
            let taken = format!("{} 10:{:02}:00", date.format("%Y:%m:%d"), k % 60);
            let bytes = match site_of(app, &officer, act.mine_id, k).await? {
                Some((lat, lon)) => photo_at(lat, lon, &taken).unwrap_or_else(|| SITE_PHOTO.to_vec()),
                None => SITE_PHOTO.to_vec(),
            };
            acts::add_photo(
                app,
                &officer,
                act.id,
                &PhotoUpload {
                    name: &format!("现场照片{}.jpg", k + 1),
                    bytes: &bytes,
                    item: if problem {
                        full.items.first().map(|i| i.id)
                    } else {
                        None
                    },
                },
            )
            .await?;
        }
        acts::sign(app, &officer, act.id).await?;
        if problem {
            if let Some(item) = full.items.first() {
                let deadline = (date + Duration::days(40)).to_string();
                acts::to_finding(
                    app,
                    &officer,
                    act.id,
                    item.id,
                    &ProblemInput {
                        severity: "general",
                        deadline_on: &deadline,
                        legal_basis: "《矿产资源法》",
                        measures: "按设计整改，整改后报复查",
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}
