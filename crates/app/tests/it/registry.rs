use crate::{account, app};
use chrono::NaiveDate;
use orewatch_app::registry::county::{county, MapState};
use orewatch_app::registry::credit;
use orewatch_app::registry::input::{LicenceInput, PermitInput};
use orewatch_app::registry::records::{self, MineQuery};
use orewatch_app::registry::sample;
use orewatch_app::registry::sharing;
use orewatch_app::registry::workbook::{self, ImportOutcome, RowError};
use orewatch_app::{App, AppError, Caller, Db};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::Problem;
use orewatch_testkit::on_both_backends;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

async fn head(app: &App) -> i64 {
    let mut conn = app.db.conn().await.unwrap();
    orewatch_storage::audit::head_seq(&mut conn).await.unwrap()
}

async fn import_sample(app: &App, office: &Caller, mines: usize, permits: usize) -> sample::SampleRegistry {
    let s = sample::generate(mines, permits, today());
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    match workbook::import(app, office, &bytes, "sample.xlsx")
        .await
        .unwrap()
    {
        ImportOutcome::Imported(counts) => {
            assert_eq!(counts.mines, mines);
            assert_eq!(counts.permits, mines * permits);
        }
        ImportOutcome::Refused(errors) => panic!("{errors:?}"),
    }
    records::create_protected_area(app, office, "reserve", "测试保护区", "", &s.protected_reserve)
        .await
        .unwrap();
    s
}

async fn a_workbook_with_three_bad_rows_imports_nothing_and_names_exactly_those_rows(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
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
    let ImportOutcome::Refused(errors) = workbook::import(&app, &office, &bytes, "bad.xlsx").await.unwrap()
    else {
        panic!("a workbook with bad rows was imported");
    };
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
    let page = records::list_mines(
        &app,
        &office,
        &MineQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 0);
}

async fn importing_the_same_workbook_twice_refuses_the_second_time(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = sample::generate(4, 2, today());
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits).unwrap();
    assert!(matches!(
        workbook::import(&app, &office, &bytes, "a.xlsx").await.unwrap(),
        ImportOutcome::Imported(_)
    ));
    let before = head(&app).await;
    let ImportOutcome::Refused(errors) = workbook::import(&app, &office, &bytes, "a.xlsx").await.unwrap()
    else {
        panic!("imported twice");
    };
    assert_eq!(errors.len(), 2 + 4 + 4 + 8);
    assert!(errors.iter().all(|e| e.problem == Problem::Duplicate));
    assert_eq!(head(&app).await, before);
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
    // The mine page shows the same problems, its permits with their status, and its history.
    let view = records::mine(&app, &office, mine_id(&s.mines[3][0]))
        .await
        .unwrap();
    assert_eq!(view.permits.len(), 6);
    assert!(view
        .standing
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
    assert!(view.timeline.iter().any(|r| r.row.action == "mine.create"));
    assert!(view.timeline.iter().any(|r| r.row.action == "permit.create"));
}

async fn an_agency_records_only_its_own_permits(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 3, 1).await;
    let em = account(&app, "em1", "agency_officer", "em").await;
    let page = records::list_mines(
        &app,
        &office,
        &MineQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mine = &page.rows[0].mine;
    let holder = s.companies.iter().find(|c| c[1] == mine.company_name).unwrap()[0].clone();
    let safety = PermitInput {
        kind: "安全生产许可证",
        permit_no: "（桂）FM安许证字〔2026〕0099",
        holder: &holder,
        valid_from: "2026-01-01",
        valid_to: "2029-01-01",
        ..Default::default()
    };
    records::create_permit(&app, &em, mine.id, &safety).await.unwrap();
    let before = head(&app).await;
    let pollutant = PermitInput {
        kind: "排污许可证",
        permit_no: &format!("{holder}001P"),
        ..safety.clone()
    };
    let refused = records::create_permit(&app, &em, mine.id, &pollutant).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(DenyReason::Scope))),
        "{refused:?}"
    );
    let again = records::create_permit(&app, &em, mine.id, &safety).await;
    assert!(
        matches!(&again, Err(AppError::Invalid(e)) if e.get("permit_no") == Some(&Problem::Duplicate)),
        "{again:?}"
    );
    assert_eq!(head(&app).await, before);
}

async fn a_licence_is_checked_for_duplicates_bad_boundaries_and_area_typos(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 2, 1).await;
    let page = records::list_mines(
        &app,
        &office,
        &MineQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mine = &page.rows[0].mine;
    let holder = s.companies[0][0].clone();
    let square = "1, 2700000.00, 37380000.00\n2, 2700000.00, 37380200.00\n3, 2700200.00, 37380200.00\n4, 2700200.00, 37380000.00\n+250m至+150m";
    let input = LicenceInput {
        kind: "采矿权",
        licence_no: "C4502232026127139999999",
        holder: &holder,
        mineral: "建筑用灰岩",
        method: "露天",
        scale: "20",
        scale_unit: "万吨/年",
        declared_area_km2: "0.0500",
        valid_from: "2026-01-01",
        valid_to: "2031-01-01",
        boundary: square,
        override_reason: "",
    };
    let (_, warning) = records::create_licence(&app, &office, mine.id, &input)
        .await
        .unwrap();
    assert!(
        warning.is_some_and(|r| r < -0.19),
        "0.04 km² computed against 0.05 declared"
    );
    let officer = account(&app, "nr1", "agency_officer", "nr").await;
    let before = head(&app).await;
    let duplicate = records::create_licence(&app, &office, mine.id, &input).await;
    assert!(
        matches!(&duplicate, Err(AppError::Invalid(e)) if e.get("licence_no") == Some(&Problem::Duplicate))
    );
    let crossing = "1, 2700000, 37380000\n2, 2700200, 37380200\n3, 2700000, 37380200\n4, 2700200, 37380000";
    let bad = records::create_licence(
        &app,
        &office,
        mine.id,
        &LicenceInput {
            licence_no: "C4502232026127139999998",
            boundary: crossing,
            ..input.clone()
        },
    )
    .await;
    assert!(
        matches!(&bad, Err(AppError::Invalid(e)) if e.get("boundary").is_some_and(|p| p.to_string().contains("自相交"))),
        "{bad:?}"
    );
    let forbidden = records::create_licence(&app, &officer, mine.id, &input).await;
    assert!(matches!(forbidden, Err(AppError::Forbidden(DenyReason::Role))));
    assert_eq!(head(&app).await, before);
}

async fn the_mine_list_filters_and_pages(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    import_sample(&app, &office, 30, 6).await;
    let q = |township: Option<&str>, status: Option<&str>, due: bool, offset: i64| MineQuery {
        township: township.map(str::to_string),
        status: status.map(str::to_string),
        permits_due: due,
        limit: 10,
        offset,
        ..Default::default()
    };
    let all = records::list_mines(&app, &office, &q(None, None, false, 0))
        .await
        .unwrap();
    assert_eq!((all.total, all.rows.len()), (30, 10));
    let last = records::list_mines(&app, &office, &q(None, None, false, 20))
        .await
        .unwrap();
    assert_eq!(last.rows.len(), 10);
    assert!(last.rows.iter().all(|r| !all.rows.contains(r)));
    let town = records::list_mines(&app, &office, &q(Some("中渡镇"), None, false, 0))
        .await
        .unwrap();
    assert!(town.total > 0 && town.rows.iter().all(|r| r.mine.township == "中渡镇"));
    let suspended = records::list_mines(&app, &office, &q(None, Some("suspended"), false, 0))
        .await
        .unwrap();
    assert_eq!(suspended.total, 3);
    let due = records::list_mines(&app, &office, &q(None, None, true, 0))
        .await
        .unwrap();
    let horizon = today() + chrono::Duration::days(90);
    assert!(due.total > 0);
    assert!(due
        .rows
        .iter()
        .all(|r| r.next_permit_expiry.is_some_and(|d| d <= horizon)));
    let by_text = records::list_mines(
        &app,
        &office,
        &MineQuery {
            text: Some("C45022322".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(by_text.total >= 1);
}

async fn granting_to_a_company_controlled_by_a_listed_person_needs_an_audited_reason(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 4, 2).await;
    let companies = records::list_companies(&app, &office, None, 10, 0)
        .await
        .unwrap()
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
    // The person stands behind both companies.
    let behind = credit::behind(&app, &office, first.id).await.unwrap();
    assert_eq!(behind.elsewhere.len(), 1);
    assert_eq!(behind.elsewhere[0].company_id, second.id);
    assert_eq!(behind.listed.len(), 1);

    let page = records::list_mines(
        &app,
        &office,
        &MineQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mine = page.rows.iter().find(|r| r.mine.company_id == second.id).unwrap();
    let permit = PermitInput {
        kind: "安全生产许可证",
        permit_no: "（桂）FM安许证字〔2026〕0100",
        holder: &second.credit_code,
        valid_from: "2026-01-01",
        valid_to: "2029-01-01",
        ..Default::default()
    };
    let before = head(&app).await;
    let refused = records::create_permit(&app, &office, mine.mine.id, &permit).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(e)) if matches!(e.get("override_reason"), Some(Problem::CreditListed { names }) if names.contains("蒙德贵"))),
        "{refused:?}"
    );
    assert_eq!(head(&app).await, before);
    let with_reason = PermitInput {
        override_reason: "县政府专题会议纪要〔2026〕12号同意先行办理",
        ..permit.clone()
    };
    records::create_permit(&app, &office, mine.mine.id, &with_reason)
        .await
        .unwrap();
    let rows = orewatch_app::audit_log::list(
        &app,
        &office,
        orewatch_app::audit_log::AuditFilter {
            record_type: Some("company".into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0;
    assert!(rows.iter().any(|r| r.row.action == "credit.override"
        && r.row.note.as_deref() == Some("县政府专题会议纪要〔2026〕12号同意先行办理")));
    // A workbook cannot give a reason: the row is refused.
    let row = vec![
        "安全生产许可证".to_string(),
        "（桂）FM安许证字〔2026〕0101".into(),
        second.credit_code.clone(),
        mine.mine.name.clone(),
        "2026-01-01".into(),
        "2029-01-01".into(),
        String::new(),
        String::new(),
    ];
    let bytes = workbook::build(&[], &[], &[], &[row]).unwrap();
    let ImportOutcome::Refused(errors) = workbook::import(&app, &office, &bytes, "p.xlsx").await.unwrap()
    else {
        panic!("imported a permit for a listed holder");
    };
    assert!(matches!(&errors[0].problem, Problem::CreditListed { .. }));
    // Lifted, the company is no longer a hit.
    let entry = credit::list(&app, &office).await.unwrap()[0].id;
    credit::lift(&app, &ps, entry, "处罚期满").await.unwrap();
    assert!(credit::behind(&app, &office, first.id)
        .await
        .unwrap()
        .listed
        .is_empty());
    let _ = s;
}

async fn a_new_permit_is_shared_and_its_recipients_acknowledge(db: Db) {
    let (app, clock) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 3, 1).await;
    let page = records::list_mines(
        &app,
        &office,
        &MineQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Mine index 1 is looked after by emergency management (em) in the sample; pick a mine whose area
    // agency is not the issuer.
    let mine = page
        .rows
        .iter()
        .find(|r| r.mine.area_agency_code.as_deref() == Some("em"))
        .unwrap();
    let holder = s
        .companies
        .iter()
        .find(|c| c[1] == mine.mine.company_name)
        .unwrap()[0]
        .clone();
    let ee = account(&app, "ee1", "agency_officer", "ee").await;
    let permit = PermitInput {
        kind: "环评批复",
        permit_no: "鹿环审〔2026〕12号",
        holder: &holder,
        valid_from: "2026-11-01",
        valid_to: "2031-11-01",
        ..Default::default()
    };
    records::create_permit(&app, &ee, mine.mine.id, &permit)
        .await
        .unwrap();
    let em = account(&app, "em1", "agency_officer", "em").await;
    let waiting = sharing::feed(&app, &em, true, 10, 0).await.unwrap();
    assert_eq!(waiting.total, 1);
    let item = &waiting.rows[0];
    assert!(
        item.title.contains("环评批复") && item.title.contains("鹿环审〔2026〕12号"),
        "{}",
        item.title
    );
    let mut to: Vec<&str> = item.recipients.iter().map(|r| r.recipient.as_str()).collect();
    to.sort();
    assert_eq!(to, ["em", "office"]);
    assert_eq!(item.from_agency_code.as_deref(), Some("ee"));
    // Three days later nobody has acknowledged: the item is overdue.
    clock.advance(chrono::Duration::hours(73));
    assert!(item.ack_due_at < app.now());
    sharing::acknowledge(&app, &em, item.id).await.unwrap();
    let again = sharing::acknowledge(&app, &em, item.id).await;
    assert!(
        matches!(again, Err(AppError::Invalid(_))),
        "a second acknowledgement changes nothing"
    );
    assert_eq!(sharing::feed(&app, &em, true, 10, 0).await.unwrap().total, 0);
    let office_open = sharing::feed(&app, &office, true, 10, 0).await.unwrap();
    assert_eq!(office_open.total, 1, "the office has not acknowledged yet");
    let acked = &sharing::feed(&app, &office, false, 10, 0).await.unwrap().rows[0];
    let em_row = acked.recipients.iter().find(|r| r.recipient == "em").unwrap();
    assert_eq!(em_row.acknowledged_at, Some(app.now()));
    // Someone outside the recipients cannot acknowledge it.
    let tr = account(&app, "tr1", "agency_officer", "tr").await;
    assert!(sharing::acknowledge(&app, &tr, item.id).await.is_err());
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
    let id = sharing::post(
        &app,
        &em,
        &sharing::PostInput {
            kind: "lead",
            title: "群众反映夜间偷采",
            body: "拉沟乡某山头夜间有挖掘机作业",
            recipients: vec!["office", "ps", "nr"],
            mine: "",
        },
    )
    .await
    .unwrap();
    let ps = account(&app, "ps1", "agency_officer", "ps").await;
    assert!(sharing::feed(&app, &ps, true, 10, 0)
        .await
        .unwrap()
        .rows
        .iter()
        .any(|i| i.id == id));
}

async fn an_older_demo_database_gets_the_demo_registry_once(db: Db) {
    let (app, _) = app(db).await;
    assert!(orewatch_app::demo::load_people_if_empty(&app).await.unwrap());
    assert!(
        !orewatch_app::demo::load_if_empty(&app).await.unwrap(),
        "the people were there already"
    );
    let office = orewatch_app::accounts::find_by_username(&app, "office")
        .await
        .unwrap()
        .unwrap();
    let office = orewatch_app::accounts::caller_of(&office);
    let page = records::list_mines(
        &app,
        &office,
        &MineQuery {
            limit: 5,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 25);
    assert!(!orewatch_app::demo::load_registry_if_empty(&app).await.unwrap());
}

on_both_backends!(
    an_older_demo_database_gets_the_demo_registry_once,
    a_new_permit_is_shared_and_its_recipients_acknowledge,
    granting_to_a_company_controlled_by_a_listed_person_needs_an_audited_reason,
    a_workbook_with_three_bad_rows_imports_nothing_and_names_exactly_those_rows,
    importing_the_same_workbook_twice_refuses_the_second_time,
    the_county_finds_overlaps_lapsed_permits_and_foreign_holders,
    an_agency_records_only_its_own_permits,
    a_licence_is_checked_for_duplicates_bad_boundaries_and_area_typos,
    the_mine_list_filters_and_pages,
);
