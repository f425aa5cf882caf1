//! Demo data: fictional people for every role and agency, seated in the command centre and the office,
//! so that a newcomer can log in as each and click through. Every name here is invented.
//!
//! The demo goes through the same use cases as real users (accounts::create, organisation::file_holder,
//! accounts::update), so it is audited like everything else.

use crate::accounts::{self, AccountUpdateInput};
use crate::organisation::{self, FilingInput};
use crate::{registry, App, AppError, Caller, ManualClock, Result};
use chrono::Duration;
use std::sync::Arc;

mod cases;
mod inspections;
mod ledger;
pub mod surveys;
use orewatch_domain::account::NewAccountInput;
use orewatch_domain::organisation::SeatTitle;
use orewatch_domain::{AccountId, Role};
use orewatch_storage::accounts as account_rows;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "orewatch2026";

/// A demo account: username, display name, role, agency.
pub type DemoAccount = (&'static str, &'static str, Role, Option<&'static str>);

/// The demo accounts, in the order the README lists them.
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    ("office", "韦志明", Role::Office, Some("nr")),
    ("office2", "莫晓琳", Role::Office, Some("nr")),
    ("leader", "蒙国栋", Role::CommandLeader, None),
    ("deputy", "覃丽华", Role::CommandLeader, None),
    ("county", "梁思远", Role::CountyGovernment, None),
    ("tips", "潘雨欣", Role::TipHandler, Some("nr")),
    ("enterprise", "黄立新", Role::Enterprise, None),
    ("city", "周文博", Role::Auditor, None),
    ("nr_head", "黎振宇", Role::AgencyHead, Some("nr")),
    ("nr_officer", "陆佳怡", Role::AgencyOfficer, Some("nr")),
    ("nr_officer2", "陆文涛", Role::AgencyOfficer, Some("nr")),
    ("nr_legal", "覃法明", Role::AgencyOfficer, Some("nr")),
    ("dr_head", "罗启航", Role::AgencyHead, Some("dr")),
    ("dr_officer", "甘静雯", Role::AgencyOfficer, Some("dr")),
    ("ps_head", "韩卫东", Role::AgencyHead, Some("ps")),
    ("ps_officer", "钟晓峰", Role::AgencyOfficer, Some("ps")),
    ("tr_head", "谢承志", Role::AgencyHead, Some("tr")),
    ("tr_officer", "蓝海燕", Role::AgencyOfficer, Some("tr")),
    ("wa_head", "石清源", Role::AgencyHead, Some("wa")),
    ("wa_officer", "邓雅琴", Role::AgencyOfficer, Some("wa")),
    ("em_head", "欧阳建", Role::AgencyHead, Some("em")),
    ("em_officer", "卢安琪", Role::AgencyOfficer, Some("em")),
    ("mr_head", "杨明哲", Role::AgencyHead, Some("mr")),
    ("mr_officer", "农小曼", Role::AgencyOfficer, Some("mr")),
    ("fo_head", "林茂森", Role::AgencyHead, Some("fo")),
    ("fo_officer", "叶青青", Role::AgencyOfficer, Some("fo")),
    ("tx_head", "冯立诚", Role::AgencyHead, Some("tx")),
    ("tx_officer", "秦雪梅", Role::AgencyOfficer, Some("tx")),
    ("ee_head", "严碧波", Role::AgencyHead, Some("ee")),
    ("ee_officer", "唐绿洲", Role::AgencyOfficer, Some("ee")),
    ("pw_head", "雷电霆", Role::AgencyHead, Some("pw")),
    ("pw_officer", "区光明", Role::AgencyOfficer, Some("pw")),
    ("ps_former", "覃建华", Role::AgencyHead, Some("ps")),
];

/// The demo account that was replaced in its seat and then disabled (it shows a history).
pub const DISABLED_DEMO_ACCOUNT: &str = "ps_former";

/// Loads the demo's people when the database has no account yet (returns whether it did), and its
/// registry when no mine is registered yet — so a demo database from before the registry gets it too.
///
/// A new demo is loaded as a year of work: the people and the registry a year ago, then the ledger's
/// history day by day up to now (through the same use cases, on a clock that moves forward), so every
/// audit row carries the time its step would have had.
pub async fn load_if_empty(app: &App) -> Result<bool> {
    let end = app.now();
    let clock = Arc::new(ManualClock::new(end - Duration::days(365)));
    let mut past = App {
        clock: clock.clone(),
        ..app.clone()
    };
    // The demo's cases need prices and a calendar for the year they run in, whatever is configured.
    cases::demo_prices(&mut past.settings.cases);
    cases::demo_calendar(&mut past.settings.cases, end - Duration::days(365), end);
    // A new database is prepared a year back too (its agencies and seats are the chain's first rows);
    // an existing one has nothing left to prepare.
    crate::bootstrap::prepare(&past).await?;
    let loaded = load_people_if_empty(&past).await?;
    load_registry(&past, crate::dashboard::china_today(end)).await?;
    ledger::load_if_empty(&past, &clock, end).await?;
    // Surveys last, on today's clock (their flights are dated in the past year).
    if let Some(office) = accounts::find_by_username(app, &Caller::system(), "office").await? {
        let mut today_app = app.clone();
        cases::demo_prices(&mut today_app.settings.cases);
        let office = accounts::caller_of(&office);
        surveys::load_if_empty(&today_app, &office, crate::dashboard::china_today(end)).await?;
    }
    Ok(loaded)
}

/// The demo's invented price table for the estimated value of cases, when the configuration has none
/// (so that a newcomer can try an estimate; a real installation configures its own under [minerals]).
pub fn apply_demo_prices(settings: &mut crate::Settings) {
    cases::demo_prices(&mut settings.cases);
}

/// Loads only the demo's people (accounts and seats) when the database has no account yet.
pub async fn load_people_if_empty(app: &App) -> Result<bool> {
    let mut conn = app.db.conn().await?;
    if account_rows::count(&mut conn).await? > 0 {
        return Ok(false);
    }
    drop(conn);
    load(app).await?;
    Ok(true)
}

async fn load(app: &App) -> Result<()> {
    let system = Caller::system();
    let mut ids = std::collections::HashMap::new();
    for (username, name, role, agency) in DEMO_ACCOUNTS {
        let input = NewAccountInput {
            username,
            display_name: name,
            role: role.as_str(),
            agency: agency.unwrap_or(""),
            password: DEMO_PASSWORD,
            password_again: DEMO_PASSWORD,
        };
        let id = accounts::create(app, &system, &input).await?;
        ids.insert(*username, id);
    }
    let id_of = |username: &str| ids.get(username).copied().ok_or(AppError::NotFound);
    let office_account = accounts::find_by_username(app, &system, "office")
        .await?
        .ok_or(AppError::NotFound)?;
    let office = accounts::caller_of(&office_account);

    // Seat everyone as the plan does: leaders, the office director, heads in the command centre,
    // officers in the office.
    let org = organisation::view(app, &office).await?;
    let mut deputies = vec!["deputy", "nr_head"].into_iter();
    for seat in &org.seats {
        let agency = seat.seat.agency.as_ref().map(|a| a.as_str());
        let holder = match (seat.seat.title, agency) {
            (SeatTitle::Commander, _) => Some("leader".to_string()),
            (SeatTitle::DeputyCommander, _) => deputies.next().map(str::to_string),
            (SeatTitle::OfficeDirector, _) => Some("office".to_string()),
            (SeatTitle::CommandMember, Some("nr")) => Some("office".to_string()),
            (SeatTitle::CommandMember, Some("ps")) => Some(DISABLED_DEMO_ACCOUNT.to_string()),
            (SeatTitle::CommandMember, Some(code)) => Some(format!("{code}_head")),
            (SeatTitle::OfficeMember, Some(code)) => Some(format!("{code}_officer")),
            _ => None,
        };
        if let Some(holder) = holder {
            let filing = FilingInput {
                holder: &id_of(&holder)?.0.to_string(),
                from_on: "2023-01-01",
                note: "依据鹿政办发〔2022〕31号组建",
            };
            organisation::file_holder(app, &office, seat.seat.id, &filing).await?;
        }
    }

    // One change of holder, filed with the office, so the history is not empty.
    if let Some(ps_seat) = org.seats.iter().find(|s| {
        s.seat.title == SeatTitle::CommandMember && s.seat.agency.as_ref().map(|a| a.as_str()) == Some("ps")
    }) {
        let filing = FilingInput {
            holder: &id_of("ps_head")?.0.to_string(),
            from_on: "2025-06-01",
            note: "原成员工作调动，县公安局报监管办备案",
        };
        organisation::file_holder(app, &office, ps_seat.seat.id, &filing).await?;
    }
    let former: AccountId = id_of(DISABLED_DEMO_ACCOUNT)?;
    let update = AccountUpdateInput {
        display_name: "覃建华",
        role: Role::AgencyHead.as_str(),
        agency: "ps",
        status: "disabled",
    };
    accounts::update(app, &office, former, &update).await?;
    Ok(())
}

/// The demo registry: the county's (fictional) boundaries, about 25 fictional mines in its townships with
/// their licences and permits (imported as the office would import a workbook) and a nature reserve overlapping one
/// licence, a credit-listed person who controls two companies, and two shared items. Loaded when no mine
/// is registered yet and the demo's office account exists; returns whether it was.
pub async fn load_registry_if_empty(app: &App) -> Result<bool> {
    load_registry(app, crate::dashboard::china_today(app.now())).await
}

/// The demo registry, its permits dated against `today`.
async fn load_registry(app: &App, today: chrono::NaiveDate) -> Result<bool> {
    let mut conn = app.db.conn().await?;
    if !orewatch_storage::mines::all_names(&mut conn).await?.is_empty() {
        return Ok(false);
    }
    drop(conn);
    let system = Caller::system();
    let Some(office_account) = accounts::find_by_username(app, &system, "office").await? else {
        return Ok(false);
    };
    let office = accounts::caller_of(&office_account);
    if registry::townships::list(app, &office).await?.is_empty() {
        for name in registry::sample::TOWNSHIPS {
            registry::townships::add(app, &office, name).await?;
        }
    }
    // The county and township boundaries under the licences (fictional shapes, as a county would
    // import its own from the natural-resources bureau's GIS).
    use orewatch_domain::protected::BoundaryKind;
    for (kind, name, layer) in [
        (
            BoundaryKind::County,
            "县界（演示）.geojson",
            registry::sample::COUNTY_LAYER,
        ),
        (
            BoundaryKind::Township,
            "乡镇界（演示）.geojson",
            registry::sample::TOWNSHIP_LAYER,
        ),
    ] {
        let target = registry::layers::LayerTarget::Boundary(kind);
        registry::layers::import(app, &office, target, name, layer.as_bytes()).await?;
    }
    let sample = registry::sample::generate(25, 6, today);
    let bytes = registry::workbook::build(
        &sample.companies,
        &sample.mines,
        &sample.licences,
        &sample.permits,
    )?;
    let options = registry::workbook::ImportOptions::default();
    match registry::workbook::import(app, &office, &bytes, "演示数据.xlsx", options).await? {
        registry::workbook::ImportOutcome::Imported(_) => {}
        registry::workbook::ImportOutcome::Refused { errors, .. } => {
            return Err(AppError::Invariant(format!("demo registry refused: {errors:?}")))
        }
    }
    registry::layers::create_protected_area(
        app,
        &office,
        "reserve",
        "拉沟自然保护区（演示）",
        "演示数据",
        &sample.protected_reserve,
    )
    .await?;
    // Each company's legal representative, and one fictional person who actually controls the first
    // two companies and is on the credit list (public security, for illegal mining).
    let query = registry::companies::CompanyQuery {
        limit: 1000,
        ..Default::default()
    };
    let companies = registry::companies::list(app, &office, &query).await?.page.rows;
    for company in &companies {
        registry::credit::add_control_link(app, &office, company.id, &company.legal_rep, "", "legal_rep", "")
            .await?;
    }
    let controlled: Vec<&orewatch_storage::companies::Company> = companies
        .iter()
        .filter(|c| {
            c.credit_code.as_str() == registry::sample::credit_code(0)
                || c.credit_code.as_str() == registry::sample::credit_code(1)
        })
        .collect();
    for company in &controlled {
        registry::credit::add_control_link(
            app,
            &office,
            company.id,
            "蒙德贵",
            "450223197001010011",
            "controller",
            "60",
        )
        .await?;
    }
    let listing = registry::credit::CreditInput {
        subject: "person",
        person_name: "蒙德贵",
        id_number: "450223197001010011",
        reason: "非法采矿被行政处罚（演示）",
        source_agency: "ps",
        from_on: "2025-06-01",
        ..Default::default()
    };
    registry::credit::add(app, &office, &listing).await?;
    // The sharing feed: a case lead from the police, acknowledged by natural resources; a disposal
    // result from ecology and environment.
    let caller_named = |name: &'static str| async move {
        let account = accounts::find_by_username(app, &Caller::system(), name)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(accounts::caller_of(&account))
    };
    let ps = caller_named("ps_officer").await?;
    let lead = registry::sharing::PostInput {
        kind: "lead",
        title: "群众举报：拉沟乡牛岩一带夜间有挖掘机作业，疑似无证开采",
        body: "举报人称连续三晚22时后有车辆运出石料。请自然资源局核查是否在矿业权范围内，应急管理局核查爆破作业。",
        recipients: vec!["office", "nr", "em"],
        mine: "",
    };
    let lead_id = registry::sharing::post(app, &ps, &lead).await?;
    registry::sharing::acknowledge(app, &caller_named("nr_officer").await?, lead_id).await?;
    let ee = caller_named("ee_officer").await?;
    let dusty = sample
        .mines
        .get(4)
        .and_then(|row| row.first())
        .cloned()
        .unwrap_or_default();
    let title = format!("处置结果：{dusty}粉尘超标，已责令限期整改");
    let disposal = registry::sharing::PostInput {
        kind: "disposal",
        title: &title,
        body: "现场检测厂界颗粒物超标，已下达责令改正违法行为决定书，整改期限30日。",
        recipients: vec!["office", "mr", "nr"],
        mine: &dusty,
    };
    registry::sharing::post(app, &ee, &disposal).await?;
    Ok(true)
}
