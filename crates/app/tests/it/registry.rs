use crate::{account, app};
use chrono::NaiveDate;
use orewatch_app::registry::county::{county, MapState};
use orewatch_app::registry::input::{LicenceInput, MineInput, PermitInput};
use orewatch_app::registry::mines::{self, Due, MineQuery};
use orewatch_app::registry::permits::{self, PermitQuery};
use orewatch_app::registry::sharing::{self, Acknowledged};
use orewatch_app::registry::workbook::{self, ImportOptions, ImportOutcome, RowError};
use orewatch_app::registry::{companies, credit, layers, licences, sample, townships};
use orewatch_app::{App, AppError, Caller, Db};
use orewatch_domain::permit::{PermitListFilter, PermitStatus};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::sharing::{Party, ShareKind};
use orewatch_domain::{AuditAction, Problem, RecordType};
use orewatch_testkit::on_both_backends;
use orewatch_testkit::zips::{entries, zip_of};

pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

async fn head(app: &App) -> i64 {
    let mut conn = app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

/// The county's managed list of townships (the demo's).
async fn add_townships(app: &App, office: &Caller) {
    if townships::list(app, office).await.unwrap().is_empty() {
        for name in sample::TOWNSHIPS {
            townships::add(app, office, name).await.unwrap();
        }
    }
}

fn imported(outcome: ImportOutcome) -> workbook::ImportCounts {
    match outcome {
        ImportOutcome::Imported(counts) => counts,
        ImportOutcome::Refused { errors, total } => panic!("refused ({total}): {errors:?}"),
    }
}

fn refused(outcome: ImportOutcome) -> (Vec<RowError>, usize) {
    match outcome {
        ImportOutcome::Refused { errors, total } => (errors, total),
        ImportOutcome::Imported(counts) => panic!("imported: {counts:?}"),
    }
}

pub(crate) async fn import_sample(
    app: &App,
    office: &Caller,
    mines: usize,
    permits: usize,
) -> sample::SampleRegistry {
    add_townships(app, office).await;
    let s = sample::generate(mines, permits, today());
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    let counts = imported(
        workbook::import(app, office, &bytes, "sample.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(counts.mines, mines);
    assert_eq!(counts.permits, mines * permits);
    layers::create_protected_area(app, office, "reserve", "测试保护区", "", &s.protected_reserve)
        .await
        .unwrap();
    s
}

async fn all_mines(app: &App, caller: &Caller) -> Vec<orewatch_app::registry::county::MineEntry> {
    mines::list(
        app,
        caller,
        &MineQuery {
            limit: 1_000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .page
    .rows
}

async fn a_workbook_with_three_bad_rows_imports_nothing_and_names_exactly_those_rows(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    add_townships(&app, &office).await;
    let mut s = sample::generate(250, 6, today());
    let rows = s.companies.len() + s.mines.len() + s.licences.len() + s.permits.len();
    assert!(rows >= 2000, "{rows}");
    // Row 12 of 企业 (index 10): no legal representative. Its mines still name it; they are not
    // reported, since the row they depend on already is.
    s.companies[10][2] = String::new();
    // Row 41 of 矿业权: a typo in the third corner point (line 3 of the text).
    let boundary = s.licences[39][11].clone();
    let mut lines: Vec<String> = boundary.lines().map(str::to_string).collect();
    let broken_line = lines.iter().position(|l| l.starts_with("J3")).unwrap();
    lines[broken_line] = lines[broken_line].replacen('.', "o", 1);
    s.licences[39][11] = lines.join("\n");
    // Row 1,001 of 许可证: ends before it starts.
    s.permits[999][5] = "2020-01-01".into();
    let before = head(&app).await;
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    let (errors, total) = refused(
        workbook::import(&app, &office, &bytes, "bad.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(total, 3);
    let found: Vec<(&str, usize, Option<&str>)> = errors
        .iter()
        .map(|e: &RowError| (e.sheet.as_str(), e.row, e.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("企业", 12, Some("法定代表人")),
            ("矿业权", 41, Some("拐点坐标")),
            ("许可证", 1001, Some("有效期止")),
        ]
    );
    assert_eq!(errors[0].problem, Problem::Required);
    assert!(errors[1]
        .problem
        .to_string()
        .contains(&format!("第{}行", broken_line + 1)));
    assert_eq!(errors[2].problem, Problem::DateOrder);
    assert_eq!(head(&app).await, before, "nothing was written");
    assert!(all_mines(&app, &office).await.is_empty());
}

async fn a_second_import_says_what_exists_and_can_update_by_key(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    add_townships(&app, &office).await;
    let mut s = sample::generate(4, 2, today());
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    imported(
        workbook::import(&app, &office, &bytes, "a.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    let before = head(&app).await;
    let (errors, _) = refused(
        workbook::import(&app, &office, &bytes, "a.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(errors.len(), 2 + 4 + 4 + 8);
    // Not "已被占用，请换一个": each row says which record it is.
    for e in &errors {
        let Problem::AlreadyRegistered { existing } = &e.problem else {
            panic!("{e:?}");
        };
        assert!(!existing.is_empty());
    }
    assert!(
        matches!(&errors[0].problem, Problem::AlreadyRegistered { existing } if existing.contains(&s.companies[0][1]))
    );
    assert_eq!(head(&app).await, before);

    // Updating by key: the same sheet changes nothing…
    let update = ImportOptions {
        update_existing: true,
        ..Default::default()
    };
    let counts = imported(
        workbook::import(&app, &office, &bytes, "a.xlsx", update)
            .await
            .unwrap(),
    );
    assert_eq!((counts.updated, counts.unchanged), (0, 18));
    assert_eq!(head(&app).await, before, "nothing differed, nothing was written");
    // …and one changed end date updates that permit only.
    s.permits[3][5] = "2031-06-30".into();
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    let counts = imported(
        workbook::import(&app, &office, &bytes, "b.xlsx", update)
            .await
            .unwrap(),
    );
    assert_eq!((counts.updated, counts.unchanged), (1, 17));
    let (page, _) = permits::list(
        &app,
        &office,
        &PermitQuery {
            text: Some(s.permits[3][1].clone()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        page.rows[0].0.valid_to,
        NaiveDate::from_ymd_opt(2031, 6, 30).unwrap()
    );
    assert_eq!(head(&app).await, before + 1);
}

async fn control_characters_are_refused_in_forms_and_workbooks(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    add_townships(&app, &office).await;
    let mut s = sample::generate(2, 1, today());
    s.companies[0][1] = "鹿寨\u{0}矿业".into();
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    let (errors, _) = refused(
        workbook::import(&app, &office, &bytes, "nul.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].sheet.as_str(), errors[0].row), ("企业", 2));
    assert_eq!(errors[0].problem, Problem::ControlCharacter { position: 3 });
    let input = MineInput {
        name: "拉沟\u{0}石场",
        township: "拉沟乡",
        mineral: "建筑用灰岩",
        method: "露天",
        status: "生产",
        company: &s.companies[0][0],
        area_agency: "",
        supervisor: "",
    };
    let err = mines::create(&app, &office, &input).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(e) if e.get("name") == Some(&Problem::ControlCharacter { position: 3 })),
        "{err:?}"
    );
}

async fn a_township_must_be_on_the_managed_list(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    import_sample(&app, &office, 2, 1).await;
    let query = companies::CompanyQuery {
        limit: 10,
        ..Default::default()
    };
    let company = companies::list(&app, &office, &query).await.unwrap().page.rows[0]
        .credit_code
        .clone();
    let input = MineInput {
        name: "新立石场",
        township: "鹿寨",
        mineral: "建筑用灰岩",
        method: "露天",
        status: "筹建",
        company: company.as_str(),
        area_agency: "",
        supervisor: "",
    };
    let err = mines::create(&app, &office, &input).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(e) if matches!(e.get("township"), Some(Problem::TownshipNotListed { listed }) if listed.contains("鹿寨镇"))),
        "{err:?}"
    );
    townships::add(&app, &office, "鹿寨").await.unwrap();
    mines::create(&app, &office, &input).await.unwrap();
    // The same name twice is refused; agency staff may not add townships.
    assert!(townships::add(&app, &office, "鹿寨").await.is_err());
    let officer = account(&app, "nr1", "agency_officer", "nr").await;
    assert!(matches!(
        townships::add(&app, &officer, "黄冕镇").await,
        Err(AppError::Forbidden(_))
    ));
}

async fn the_county_finds_overlaps_lapsed_permits_and_foreign_holders(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 25, 6).await;
    let c = county(&app, &office).await.unwrap();
    assert_eq!(c.licences.len(), 25);
    let mine_id = |name: &str| c.mines.values().find(|m| m.name == name).unwrap().mine_id;
    let codes = |index: usize| -> Vec<&'static str> {
        let id = mine_id(&s.mines[index][0]);
        c.mines[&id].problems.iter().map(|p| p.code()).collect()
    };
    assert!(codes(1).contains(&"no_safety_licence"), "{:?}", codes(1));
    assert!(codes(2).contains(&"protected_overlap"), "{:?}", codes(2));
    assert!(codes(3).contains(&"licence_overlap"), "{:?}", codes(3));
    assert!(codes(4).contains(&"licence_overlap"), "{:?}", codes(4));
    assert!(codes(6).contains(&"expired_licence"), "{:?}", codes(6));
    assert!(codes(8).contains(&"holder_mismatch"), "{:?}", codes(8));
    assert_eq!(c.mines[&mine_id(&s.mines[1][0])].state, MapState::Problem);
    // Mine 9 has a permit 30 days past its end and no problem: its permits have lapsed — not "临期".
    assert!(codes(9).is_empty(), "{:?}", codes(9));
    assert_eq!(c.mines[&mine_id(&s.mines[9][0])].state, MapState::Lapsed);
    // The mine page shows the same problems, its permits with their status, its history in one
    // timeline, and what lies around its licence.
    let view = mines::show(&app, &office, mine_id(&s.mines[3][0])).await.unwrap();
    assert_eq!(view.permits.len(), 6);
    assert!(view
        .standing
        .as_ref()
        .unwrap()
        .problems
        .iter()
        .any(|p| p.code() == "licence_overlap"));
    let boundary = view.licences[0].boundary.as_ref().unwrap();
    let corner = &boundary.parts[0].points[0];
    assert!(
        (109.4..110.3).contains(&corner.lon) && (24.2..24.9).contains(&corner.lat),
        "{corner:?}"
    );
    assert!(view
        .timeline
        .iter()
        .any(|r| r.row.action == AuditAction::MineCreate));
    assert!(view
        .timeline
        .iter()
        .any(|r| r.row.action == AuditAction::PermitCreate));
    assert!(view
        .timeline
        .iter()
        .any(|r| r.row.action == AuditAction::LicenceCreate));
    let four = mine_id(&s.mines[4][0]);
    assert!(view
        .neighbours
        .iter()
        .any(|&i| view.county.licences[i].mine_id == four));
    let beside_reserve = mines::show(&app, &office, mine_id(&s.mines[2][0])).await.unwrap();
    assert_eq!(beside_reserve.protected.len(), 1);
}

async fn permit_bands_are_cumulative_and_not_yet_valid_permits_are_named(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 24, 6).await;
    let list = |status: Option<PermitListFilter>| {
        let app = app.clone();
        let office = office.clone();
        async move {
            permits::list(
                &app,
                &office,
                &PermitQuery {
                    status,
                    limit: 1_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .0
            .rows
        }
    };
    let all = list(None).await;
    let count = |statuses: &[PermitStatus]| all.iter().filter(|(_, s)| statuses.contains(s)).count();
    let within30 = list(Some(PermitListFilter::DueWithin30)).await;
    let within90 = list(Some(PermitListFilter::DueWithin90)).await;
    assert!(count(&[PermitStatus::Expires30]) > 0);
    assert_eq!(within30.len(), count(&[PermitStatus::Expires30]));
    assert_eq!(
        within90.len(),
        count(&[
            PermitStatus::Expires30,
            PermitStatus::Expires60,
            PermitStatus::Expires90
        ])
    );
    assert!(
        within90.iter().all(|(p, _)| p.valid_to >= today()),
        "no expired permit is 'due'"
    );
    // A permit whose validity starts next month is not in force yet.
    let mine = &all_mines(&app, &office).await[0];
    let holder = &s
        .companies
        .iter()
        .find(|c| c[1] == mine.mine.company_name)
        .unwrap()[0];
    permits::create(
        &app,
        &office,
        mine.mine.id,
        &PermitInput {
            kind: "取水许可证",
            permit_no: "取水（桂柳鹿）字〔2026〕第0099号",
            holder,
            valid_from: "2026-12-28",
            valid_to: "2031-12-27",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let pending = list(Some(PermitListFilter::NotYetValid)).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1, PermitStatus::NotYetValid);
    assert!(!list(Some(PermitListFilter::InForce))
        .await
        .iter()
        .any(|(p, _)| p.id == pending[0].0.id));
}

async fn an_agency_records_only_its_own_permits(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 3, 1).await;
    let em = account(&app, "em1", "agency_officer", "em").await;
    let entry = all_mines(&app, &office).await.remove(0);
    let mine = &entry.mine;
    let holder = s.companies.iter().find(|c| c[1] == mine.company_name).unwrap()[0].clone();
    let safety = PermitInput {
        kind: "安全生产许可证",
        permit_no: "（桂）FM安许证字〔2026〕0099",
        holder: &holder,
        valid_from: "2026-01-01",
        valid_to: "2029-01-01",
        ..Default::default()
    };
    permits::create(&app, &em, mine.id, &safety).await.unwrap();
    let before = head(&app).await;
    let pollutant = PermitInput {
        kind: "排污许可证",
        permit_no: &format!("{holder}001P"),
        ..safety.clone()
    };
    let refused = permits::create(&app, &em, mine.id, &pollutant).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(DenyReason::Scope))),
        "{refused:?}"
    );
    let again = permits::create(&app, &em, mine.id, &safety).await;
    assert!(
        matches!(&again, Err(AppError::Invalid(e)) if matches!(e.get("permit_no"), Some(Problem::DuplicateOf { .. }))),
        "{again:?}"
    );
    assert_eq!(head(&app).await, before);
}

fn square_licence<'a>(holder: &'a str, number: &'a str, boundary: &'a str) -> LicenceInput<'a> {
    LicenceInput {
        kind: "采矿权",
        licence_no: number,
        holder,
        mineral: "建筑用灰岩",
        method: "露天",
        scale: "20",
        scale_unit: "万吨/年",
        declared_area_km2: "0.0500",
        valid_from: "2026-01-01",
        valid_to: "2031-01-01",
        boundary,
        override_reason: "",
        confirm_outside: false,
    }
}

async fn a_licence_is_checked_for_duplicates_bad_boundaries_and_area_typos(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 2, 1).await;
    let mine = all_mines(&app, &office).await.remove(0).mine;
    let holder = s.companies[0][0].clone();
    let square = "1, 2700000.00, 37380000.00\n2, 2700000.00, 37380200.00\n3, 2700200.00, 37380200.00\n4, 2700200.00, 37380000.00\n+250m至+150m";
    let input = square_licence(&holder, "C4502232026127139999999", square);
    let (_, warning) = licences::create(&app, &office, mine.id, &input).await.unwrap();
    assert!(
        warning.is_some_and(|r| r < -0.19),
        "0.04 km² computed against 0.05 declared"
    );
    let officer = account(&app, "nr1", "agency_officer", "nr").await;
    let before = head(&app).await;
    let duplicate = licences::create(&app, &office, mine.id, &input).await;
    assert!(
        matches!(&duplicate, Err(AppError::Invalid(e)) if matches!(e.get("licence_no"), Some(Problem::DuplicateOf { existing }) if existing.contains("C4502232026127139999999"))),
        "{duplicate:?}"
    );
    let crossing = "1, 2700000, 37380000\n2, 2700200, 37380200\n3, 2700000, 37380200\n4, 2700200, 37380000";
    let bad = licences::create(
        &app,
        &office,
        mine.id,
        &square_licence(&holder, "C4502232026127139999998", crossing),
    )
    .await;
    assert!(
        matches!(&bad, Err(AppError::Invalid(e)) if e.get("boundary").is_some_and(|p| p.to_string().contains("自相交"))),
        "{bad:?}"
    );
    let forbidden = licences::create(&app, &officer, mine.id, &input).await;
    assert!(matches!(forbidden, Err(AppError::Forbidden(DenyReason::Role))));
    assert_eq!(head(&app).await, before);
}

async fn a_licence_far_outside_the_county_needs_a_confirmation(db: Db) {
    let (mut app, _) = app(db).await;
    // The sample county spans about 370–440 km east and 2,685–2,755 km north in zone 37.
    app.settings.county_extent = Some([365_000.0, 2_680_000.0, 445_000.0, 2_760_000.0]);
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 2, 1).await;
    let mine = all_mines(&app, &office).await.remove(0).mine;
    let holder = s.companies[0][0].clone();
    // One digit wrong in every easting: 37480000 for 37380000, 35 km east of the county.
    let typo = "1, 2700000.00, 37480000.00\n2, 2700000.00, 37480200.00\n3, 2700200.00, 37480200.00\n4, 2700200.00, 37480000.00";
    let input = square_licence(&holder, "C4502232026127139999997", typo);
    let before = head(&app).await;
    let err = licences::create(&app, &office, mine.id, &input)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(e) if matches!(e.get("boundary"), Some(Problem::OutsideCounty { km }) if km == "35.0")),
        "{err:?}"
    );
    assert_eq!(head(&app).await, before);
    let confirmed = LicenceInput {
        confirm_outside: true,
        ..input
    };
    licences::create(&app, &office, mine.id, &confirmed)
        .await
        .unwrap();
}

async fn the_mine_list_filters_and_pages(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    import_sample(&app, &office, 30, 6).await;
    let q = |township: Option<&str>, status: Option<&str>, due: Option<Due>, offset: i64| MineQuery {
        township: township.map(str::to_string),
        status: status.map(str::to_string),
        due,
        limit: 10,
        offset,
        ..Default::default()
    };
    let list = |q: MineQuery| {
        let app = app.clone();
        let office = office.clone();
        async move { mines::list(&app, &office, &q).await.unwrap().page }
    };
    let all = list(q(None, None, None, 0)).await;
    assert_eq!((all.total, all.rows.len()), (30, 10));
    let last = list(q(None, None, None, 20)).await;
    assert_eq!(last.rows.len(), 10);
    assert!(last.rows.iter().all(|r| !all.rows.contains(r)));
    let town = list(q(Some("中渡镇"), None, None, 0)).await;
    assert!(town.total > 0 && town.rows.iter().all(|r| r.mine.township == "中渡镇"));
    let suspended = list(q(None, Some("suspended"), None, 0)).await;
    assert_eq!(suspended.total, 3);
    let due = list(q(None, None, Some(Due::Within90), 0)).await;
    let horizon = today() + chrono::Duration::days(90);
    assert!(due.total > 0);
    assert!(due
        .rows
        .iter()
        .all(|r| r.next_permit_expiry.is_some_and(|d| d >= today() && d <= horizon)));
    let lapsed = list(q(None, None, Some(Due::Lapsed), 0)).await;
    assert!(lapsed.total > 0);
    assert!(lapsed.rows.iter().all(|r| !due.rows.contains(r)));
    let by_text = list(MineQuery {
        text: Some("C45022322".into()),
        limit: 10,
        ..Default::default()
    })
    .await;
    assert!(by_text.total >= 1);
}

async fn granting_or_renewing_for_a_listed_controller_needs_an_audited_reason(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    import_sample(&app, &office, 4, 2).await;
    let companies = companies::list(
        &app,
        &office,
        &companies::CompanyQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .page
    .rows;
    let (first, second) = (&companies[0], &companies[1]);
    for c in [first, second] {
        credit::add_control_link(
            &app,
            &office,
            c.id,
            "蒙德贵",
            "450223197001010011",
            "controller",
            "60",
        )
        .await
        .unwrap();
    }
    let ps = account(&app, "ps1", "agency_officer", "ps").await;
    let listing = credit::CreditInput {
        subject: "person",
        person_name: "蒙德贵",
        id_number: "450223197001010011",
        reason: "非法采矿",
        source_agency: "ps",
        from_on: "2026-01-01",
        ..Default::default()
    };
    credit::add(&app, &ps, &listing).await.unwrap();
    // Another agency cannot list in the public security bureau's name.
    let em = account(&app, "em1", "agency_officer", "em").await;
    assert!(matches!(
        credit::add(&app, &em, &listing).await,
        Err(AppError::Forbidden(DenyReason::Scope))
    ));
    // The listing is posted to every member agency and the office.
    let feed = sharing::feed(&app, &em, true, 10, 0).await.unwrap();
    assert!(
        feed.rows
            .iter()
            .any(|i| i.kind == ShareKind::Credit && i.title.contains("蒙德贵")),
        "{:?}",
        feed.rows
    );
    // The person stands behind both companies, which the company list marks.
    let behind = credit::behind(&app, &office, first.id).await.unwrap();
    assert_eq!(behind.elsewhere.len(), 1);
    assert_eq!(behind.elsewhere[0].company_id, second.id);
    assert_eq!(behind.listed.len(), 1);
    let marked = credit::listed_companies(&app, &office).await.unwrap();
    assert!(marked.contains(&first.id) && marked.contains(&second.id));

    let entry = all_mines(&app, &office)
        .await
        .into_iter()
        .find(|r| r.mine.company_id == second.id)
        .unwrap();
    let mine = &entry.mine;
    let permit = PermitInput {
        kind: "安全生产许可证",
        permit_no: "（桂）FM安许证字〔2026〕0100",
        holder: second.credit_code.as_str(),
        valid_from: "2026-01-01",
        valid_to: "2029-01-01",
        ..Default::default()
    };
    let before = head(&app).await;
    let without = permits::create(&app, &office, mine.id, &permit).await;
    assert!(
        matches!(&without, Err(AppError::Invalid(e)) if matches!(e.get("override_reason"), Some(Problem::CreditListed { names }) if names.contains("蒙德贵"))),
        "{without:?}"
    );
    assert_eq!(head(&app).await, before);
    let reason = "县政府专题会议纪要〔2026〕12号同意先行办理";
    let with_reason = PermitInput {
        override_reason: reason,
        ..permit.clone()
    };
    let permit_id = permits::create(&app, &office, mine.id, &with_reason)
        .await
        .unwrap();
    let overrides = orewatch_app::audit_log::list(
        &app,
        &office,
        orewatch_app::audit_log::AuditFilter {
            record_type: Some(RecordType::Company),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0;
    assert!(overrides
        .iter()
        .any(|r| r.row.action == AuditAction::CreditOverride && r.row.note.as_deref() == Some(reason)));

    // A renewal is a grant too: without a reason it is refused…
    let before = head(&app).await;
    let renewal = permits::change(&app, &office, permit_id, "active", "2032-01-01", "到期延续", "").await;
    assert!(
        matches!(&renewal, Err(AppError::Invalid(e)) if matches!(e.get("override_reason"), Some(Problem::CreditListed { .. }))),
        "{renewal:?}"
    );
    assert_eq!(head(&app).await, before);
    // …and so is a licence extension; a suspension is not.
    let licence = mines::show(&app, &office, mine.id).await.unwrap().licences[0]
        .licence
        .id;
    let extension = licences::event(
        &app,
        &office,
        licence,
        "extended",
        "2026-11-28",
        "2036-01-01",
        "",
        "",
    )
    .await;
    assert!(
        matches!(&extension, Err(AppError::Invalid(e)) if matches!(e.get("override_reason"), Some(Problem::CreditListed { .. }))),
        "{extension:?}"
    );
    permits::change(
        &app,
        &office,
        permit_id,
        "suspended",
        "2029-01-01",
        "整改期间暂扣",
        "",
    )
    .await
    .unwrap();
    permits::change(
        &app,
        &office,
        permit_id,
        "active",
        "2032-01-01",
        "到期延续",
        reason,
    )
    .await
    .unwrap();

    // A workbook cannot give a reason: the row is refused.
    let row = vec![
        "安全生产许可证".to_string(),
        "（桂）FM安许证字〔2026〕0101".into(),
        second.credit_code.to_string(),
        mine.name.clone(),
        "2026-01-01".into(),
        "2029-01-01".into(),
        String::new(),
        String::new(),
    ];
    let bytes = workbook::build(&[], &[], &[], &[row]).unwrap();
    let (errors, _) = refused(
        workbook::import(&app, &office, &bytes, "p.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    assert!(matches!(&errors[0].problem, Problem::CreditListed { .. }));
    // Lifted, the company is no longer a hit.
    let entry = credit::list(&app, &office).await.unwrap()[0].id;
    credit::lift(&app, &ps, entry, "处罚期满").await.unwrap();
    assert!(credit::behind(&app, &office, first.id)
        .await
        .unwrap()
        .listed
        .is_empty());
}

async fn a_new_permit_is_shared_and_its_recipients_acknowledge(db: Db) {
    let (app, clock) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 3, 1).await;
    // A mine looked after by emergency management (em), so the issuer is another agency.
    let entry = all_mines(&app, &office)
        .await
        .into_iter()
        .find(|r| r.mine.area_agency.as_ref().map(|a| a.as_str()) == Some("em"))
        .unwrap();
    let mine = &entry.mine;
    let holder = s.companies.iter().find(|c| c[1] == mine.company_name).unwrap()[0].clone();
    let ee = account(&app, "ee1", "agency_officer", "ee").await;
    let permit = PermitInput {
        kind: "环评批复",
        permit_no: "鹿环审〔2026〕12号",
        holder: &holder,
        valid_from: "2026-11-01",
        valid_to: "2031-11-01",
        ..Default::default()
    };
    permits::create(&app, &ee, mine.id, &permit).await.unwrap();
    let em = account(&app, "em1", "agency_officer", "em").await;
    let waiting = sharing::feed(&app, &em, true, 10, 0).await.unwrap();
    assert_eq!(waiting.total, 1);
    let item = &waiting.rows[0];
    assert!(
        item.title.contains("环评批复") && item.title.contains("鹿环审〔2026〕12号"),
        "{}",
        item.title
    );
    let mut to: Vec<String> = item
        .recipients
        .iter()
        .map(|r| r.party.code().to_string())
        .collect();
    to.sort();
    assert_eq!(to, ["em", "office"]);
    assert_eq!(
        item.from.as_ref().map(|p| p.code().to_string()).as_deref(),
        Some("ee")
    );
    // Three days later nobody has acknowledged: the item is overdue.
    clock.advance(chrono::Duration::hours(73));
    assert!(item.ack_due_at < app.now());
    assert_eq!(
        sharing::acknowledge(&app, &em, item.id).await.unwrap(),
        Acknowledged::Now
    );
    assert_eq!(
        sharing::acknowledge(&app, &em, item.id).await.unwrap(),
        Acknowledged::Already
    );
    assert_eq!(sharing::feed(&app, &em, true, 10, 0).await.unwrap().total, 0);
    let office_open = sharing::feed(&app, &office, true, 10, 0).await.unwrap();
    assert_eq!(office_open.total, 1, "the office has not acknowledged yet");
    let acked = &sharing::feed(&app, &office, false, 10, 0).await.unwrap().rows[0];
    let em_row = acked.recipients.iter().find(|r| r.party.code() == "em").unwrap();
    assert_eq!(em_row.acknowledged_at, Some(app.now()));
    // Someone outside the recipients cannot acknowledge it, nor an item that does not exist.
    let tr = account(&app, "tr1", "agency_officer", "tr").await;
    assert!(matches!(
        sharing::acknowledge(&app, &tr, item.id).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        sharing::acknowledge(&app, &em, orewatch_domain::ShareItemId(999_999)).await,
        Err(AppError::NotFound)
    ));
    // Posting by hand needs a recipient.
    let empty = sharing::post(
        &app,
        &em,
        &sharing::PostInput {
            kind: "lead",
            title: "群众反映夜间偷采",
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(&empty, Err(AppError::Invalid(e)) if e.get("recipients") == Some(&Problem::Required)));
    // A mine is named, not numbered: a part of its name that fits several is refused with them.
    let ambiguous = sharing::post(
        &app,
        &em,
        &sharing::PostInput {
            kind: "lead",
            title: "群众反映夜间偷采",
            recipients: vec!["office", "ps"],
            mine: "矿",
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(&ambiguous, Err(AppError::Invalid(e)) if matches!(e.get("mine"), Some(Problem::MineAmbiguous { .. }))),
        "{ambiguous:?}"
    );
    let id = sharing::post(
        &app,
        &em,
        &sharing::PostInput {
            kind: "lead",
            title: "群众反映夜间偷采",
            body: "拉沟乡某山头夜间有挖掘机作业",
            recipients: vec!["office", "ps", "nr"],
            mine: &mine.name,
        },
    )
    .await
    .unwrap();
    let ps = account(&app, "ps1", "agency_officer", "ps").await;
    let seen = sharing::feed(&app, &ps, true, 10, 0).await.unwrap();
    let posted = seen.rows.iter().find(|i| i.id == id).unwrap();
    assert_eq!(posted.mine_id, Some(mine.id));
}

async fn the_offices_own_entries_are_posted_by_the_office(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 2, 1).await;
    let mine = all_mines(&app, &office).await.remove(0).mine;
    let holder = s.companies[0][0].clone();
    let square = "1, 2700000.00, 37380000.00\n2, 2700000.00, 37380200.00\n3, 2700200.00, 37380200.00\n4, 2700200.00, 37380000.00";
    licences::create(
        &app,
        &office,
        mine.id,
        &square_licence(&holder, "C4502232026127139999996", square),
    )
    .await
    .unwrap();
    let all = sharing::feed(&app, &office, false, 50, 0).await.unwrap();
    let item = all
        .rows
        .iter()
        .find(|i| i.title.contains("C4502232026127139999996"))
        .expect("the new licence is shared");
    // From the office, not from the issuing bureau; and never to itself.
    assert_eq!(item.from, Some(Party::Office));
    assert!(item.recipients.iter().all(|r| r.party != Party::Office));
    let open = sharing::feed(&app, &office, true, 50, 0).await.unwrap();
    assert!(
        open.rows.iter().all(|i| i.id != item.id),
        "the office has nothing to acknowledge"
    );
}

async fn an_older_demo_database_gets_the_demo_registry_once(db: Db) {
    let (app, _) = app(db).await;
    assert!(orewatch_app::demo::load_people_if_empty(&app).await.unwrap());
    assert!(
        !orewatch_app::demo::load_if_empty(&app).await.unwrap(),
        "the people were there already"
    );
    let office = orewatch_app::accounts::find_by_username(&app, &Caller::system(), "office")
        .await
        .unwrap()
        .unwrap();
    let office = orewatch_app::accounts::caller_of(&office);
    assert_eq!(all_mines(&app, &office).await.len(), 25);
    assert!(!orewatch_app::demo::load_registry_if_empty(&app).await.unwrap());
}

/// 10.5: a 6.5 KB workbook whose sheet declares the dimension A1:XFD1048576 made the reader allocate
/// rows × columns (512 GiB) and killed the process. The declared dimension is ignored now: the cells are
/// streamed, and this workbook imports like any other.
async fn a_sheet_that_declares_every_cell_is_read_cell_by_cell(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    add_townships(&app, &office).await;
    let s = sample::generate(2, 1, today());
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    let mut entries = entries(&bytes);
    let mut declared = 0;
    for (name, data) in &mut entries {
        if name.starts_with("xl/worksheets/") {
            let xml = String::from_utf8(data.clone()).unwrap();
            let start = xml.find("<dimension ref=\"").unwrap() + 16;
            let end = start + xml[start..].find('"').unwrap();
            *data = format!("{}A1:XFD1048576{}", &xml[..start], &xml[end..]).into_bytes();
            declared += 1;
        }
    }
    assert!(declared >= 4);
    let counts = imported(
        workbook::import(
            &app,
            &office,
            &zip_of(&entries),
            "bomb.xlsx",
            ImportOptions::default(),
        )
        .await
        .unwrap(),
    );
    assert_eq!(counts.mines, 2);
}

/// 10.5: a 1 MB workbook holding a 1 GiB sheet took the server to 2.1 GB; a 0.5 MB Shapefile zip to
/// 1.2 GB. What a zip unpacks to is counted (not as declared) before anything is kept, and refused past
/// the limit with a Chinese message; nothing is written. (The limit is lowered here so the test is small.)
async fn an_upload_that_unpacks_past_the_limit_is_refused_in_chinese(db: Db) {
    let (mut app, _) = app(db).await;
    app.settings.upload_limits.max_unpacked_bytes = 1024 * 1024;
    let office = account(&app, "wei", "office", "nr").await;
    add_townships(&app, &office).await;
    let before = head(&app).await;
    // A sheet padded with 4 MiB of blanks: it compresses to a few KB.
    let s = sample::generate(2, 1, today());
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    let mut entries = entries(&bytes);
    let sheet = entries
        .iter_mut()
        .find(|(n, _)| n.starts_with("xl/worksheets/"))
        .unwrap();
    sheet.1.extend(std::iter::repeat_n(b' ', 4 * 1024 * 1024));
    let bomb = zip_of(&entries);
    assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
    let (errors, _) = refused(
        workbook::import(&app, &office, &bomb, "bomb.xlsx", ImportOptions::default())
            .await
            .unwrap(),
    );
    assert!(
        matches!(&errors[0].problem, Problem::UnreadableWorkbook { message } if message.contains("解压后超过 1 MiB")),
        "{errors:?}"
    );
    // The same for a zipped Shapefile whose .shp unpacks past it.
    let shapefile = zip_of(&[
        ("red.shp", vec![0_u8; 4 * 1024 * 1024]),
        ("red.dbf", vec![0_u8; 64]),
        ("red.prj", b"GEOGCS[\"GCS_CGCS_2000\",DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]]]".to_vec()),
    ]);
    let target = layers::LayerTarget::Protected(orewatch_domain::protected::ProtectedKind::RedLine);
    let err = layers::import(&app, &office, target, "red.zip", &shapefile)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(e) if e.0.iter().any(|f| f.problem.to_string().contains("MiB"))),
        "{err:?}"
    );
    assert_eq!(head(&app).await, before);
}

/// A protected area whose stored parcel was damaged (edited by hand) is not drawn, and says so: it is
/// named in the county picture's unreadable layers, not left out without a word.
async fn a_layer_with_a_damaged_parcel_is_named_not_dropped(db: Db) {
    let (app, _) = app(db.clone()).await;
    let office = account(&app, "wei", "office", "nr").await;
    import_sample(&app, &office, 3, 0).await;
    orewatch_testkit::execute_sql(
        &db,
        "UPDATE protected_area SET parcel_json = '{\"parts\": [' WHERE name = '测试保护区'",
    )
    .await;
    let c = county(&app, &office).await.unwrap();
    assert_eq!(c.unreadable_layers, vec!["测试保护区".to_string()]);
    assert!(c.protected.iter().all(|p| p.name != "测试保护区"));
    assert!(
        c.unreadable.is_empty(),
        "the licences are fine: {:?}",
        c.unreadable
    );
}

on_both_backends!(
    a_layer_with_a_damaged_parcel_is_named_not_dropped,
    a_sheet_that_declares_every_cell_is_read_cell_by_cell,
    an_upload_that_unpacks_past_the_limit_is_refused_in_chinese,
    an_older_demo_database_gets_the_demo_registry_once,
    a_new_permit_is_shared_and_its_recipients_acknowledge,
    the_offices_own_entries_are_posted_by_the_office,
    granting_or_renewing_for_a_listed_controller_needs_an_audited_reason,
    a_workbook_with_three_bad_rows_imports_nothing_and_names_exactly_those_rows,
    a_second_import_says_what_exists_and_can_update_by_key,
    control_characters_are_refused_in_forms_and_workbooks,
    a_township_must_be_on_the_managed_list,
    the_county_finds_overlaps_lapsed_permits_and_foreign_holders,
    permit_bands_are_cumulative_and_not_yet_valid_permits_are_named,
    an_agency_records_only_its_own_permits,
    a_licence_is_checked_for_duplicates_bad_boundaries_and_area_typos,
    a_licence_far_outside_the_county_needs_a_confirmation,
    the_mine_list_filters_and_pages,
);
