//! The registry's repositories round-trip their records as domain types, refuse corrupt codes, and
//! filter lists by the policy's scope.

use super::{actor, now};
use crate::writes::credit_code;
use chrono::NaiveDate;
use orewatch_domain::licence::{LicenceKind, LicenceState};
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::permit::{PermitKind, PermitState};
use orewatch_domain::policy::Scope;
use orewatch_domain::sharing::{Party, ShareKind};
use orewatch_domain::{AgencyCode, AuditAction, CompanyId, LicenceId, MineId, PermitId, RecordType};
use orewatch_storage::permits::PermitFilter;
use orewatch_storage::sharing::NewShareItem;
use orewatch_storage::{companies, credit, licences, mines, permits, sharing, Db, Key};
use orewatch_testkit::{execute_sql, on_both_backends};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub struct Seeded {
    pub company: CompanyId,
    pub mine: MineId,
    pub licence: LicenceId,
    pub permit: PermitId,
    pub credit: orewatch_domain::CreditEntryId,
    pub share: orewatch_domain::ShareItemId,
}

/// A company, a mine, a licence, a safety permit, a credit entry and a shared item, each audited.
pub async fn seed(db: &Db) -> Seeded {
    super::standard_agencies(db).await;
    let code = credit_code(7);
    let em = AgencyCode::parse("em").unwrap();
    let nr = AgencyCode::parse("nr").unwrap();
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    let company = companies::insert(
        &mut tx,
        &companies::CompanyFields {
            credit_code: &code,
            name: "鹿寨县石门矿业有限公司",
            legal_rep: "覃某",
            address: Some("鹿寨镇"),
            phone: None,
        },
    )
    .await
    .unwrap();
    tx.audit(
        AuditAction::CompanyCreate,
        RecordType::Company,
        &Key::Int(company.0),
        None,
        None,
    )
    .await
    .unwrap();
    let mine = mines::insert(
        &mut tx,
        &mines::MineFields {
            name: "石门采石场",
            township: "鹿寨镇",
            mineral: "建筑石料用灰岩",
            method: MiningMethod::OpenPit,
            status: MineStatus::Producing,
            company_id: company,
            area_agency: Some(&nr),
            supervisor: None,
        },
    )
    .await
    .unwrap();
    tx.audit(
        AuditAction::MineCreate,
        RecordType::Mine,
        &Key::Int(mine.0),
        None,
        None,
    )
    .await
    .unwrap();
    let licence = licences::insert(
        &mut tx,
        &licences::LicenceFields {
            licence_no: "C4502232010127130096532",
            kind: LicenceKind::Mining,
            mine_id: mine,
            holder_company_id: company,
            mineral: "建筑石料用灰岩",
            method: MiningMethod::OpenPit,
            scale: Some(30.0),
            scale_unit: None,
            declared_area_m2: 120_000.0,
            area_m2: 119_876.53,
            planar_area_m2: 119_870.25,
            valid_from: d("2024-01-01"),
            valid_to: d("2029-01-01"),
            boundary_text: "1, 2712345.67, 37456789.12",
            parcel_json: "{\"parts\":[]}",
            zone: 37,
            elevation_top_m: Some(310.0),
            elevation_floor_m: None,
        },
    )
    .await
    .unwrap();
    tx.audit(
        AuditAction::LicenceCreate,
        RecordType::Licence,
        &Key::Int(licence.0),
        None,
        None,
    )
    .await
    .unwrap();
    let permit = permits::insert(
        &mut tx,
        &permits::PermitFields {
            kind: PermitKind::Safety,
            permit_no: "（桂）FM安许证字〔2024〕M0001号",
            agency: &em,
            holder_company_id: company,
            mine_id: mine,
            valid_from: d("2024-03-01"),
            valid_to: d("2027-02-28"),
            scope: None,
            state: PermitState::Active,
        },
    )
    .await
    .unwrap();
    tx.audit(
        AuditAction::PermitCreate,
        RecordType::Permit,
        &Key::Int(permit.0),
        None,
        None,
    )
    .await
    .unwrap();
    let credit = credit::insert(
        &mut tx,
        &credit::NewCreditEntry {
            company_id: Some(company),
            person_id: None,
            reason: "越界开采",
            source: &nr,
            from_on: d("2026-01-01"),
            to_on: None,
        },
    )
    .await
    .unwrap();
    tx.audit(
        AuditAction::CreditList,
        RecordType::CreditEntry,
        &Key::from(credit),
        None,
        None,
    )
    .await
    .unwrap();
    let share = sharing::insert(
        &mut tx,
        &NewShareItem {
            kind: ShareKind::Approval,
            title: "安全生产许可证延续",
            body: None,
            from: Some(&Party::Agency(em.clone())),
            posted_by_label: "卢安琪",
            ack_due_at: now(),
            mine_id: Some(mine),
            record: Some((RecordType::Permit, permit.to_string())),
        },
        &[Party::Office, Party::Agency(nr)],
    )
    .await
    .unwrap();
    tx.audit(
        AuditAction::SharePost,
        RecordType::ShareItem,
        &Key::from(share),
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Seeded {
        company,
        mine,
        licence,
        permit,
        credit,
        share,
    }
}

async fn registry_records_come_back_as_domain_types(db: Db) {
    let s = seed(&db).await;
    let mut conn = db.conn().await.unwrap();
    let mine = mines::find(&mut conn, s.mine).await.unwrap().unwrap();
    assert_eq!(
        (mine.status, mine.method),
        (MineStatus::Producing, MiningMethod::OpenPit)
    );
    assert_eq!(mine.company_id, s.company);
    assert_eq!(mine.area_agency.as_ref().map(AgencyCode::as_str), Some("nr"));
    let licence = licences::find(&mut conn, s.licence).await.unwrap().unwrap();
    assert_eq!(
        (licence.kind, licence.state),
        (LicenceKind::Mining, LicenceState::Active)
    );
    assert_eq!(licence.scale, Some(30.0));
    assert_eq!(licence.elevation_floor_m, None);
    let events = licences::events_for_mine(&mut conn, s.mine).await.unwrap();
    assert_eq!(events.len(), 1);
    let permit = permits::find(&mut conn, s.permit).await.unwrap().unwrap();
    assert_eq!(
        (permit.kind, permit.state),
        (PermitKind::Safety, PermitState::Active)
    );
    assert_eq!(permit.agency.as_str(), "em");
    let entry = credit::find(&mut conn, s.credit).await.unwrap().unwrap();
    assert_eq!(entry.company_id, Some(s.company));
    let item = sharing::find(&mut conn, s.share).await.unwrap().unwrap();
    assert_eq!(item.recipients.len(), 2);
    assert_eq!(item.from, Some(Party::Agency(AgencyCode::parse("em").unwrap())));
}

async fn a_corrupt_stored_state_is_an_error_not_a_valid_permit(db: Db) {
    let s = seed(&db).await;
    // A hand-edited code: before, an unknown code read as a default (an unknown state as "active", so a
    // corrupt revoked permit showed as valid). The schema's CHECK constraints stop some codes; the reader
    // must stop the rest.
    execute_sql(
        &db,
        &format!("UPDATE permit SET kind = 'safty' WHERE permit_id = {}", s.permit),
    )
    .await;
    let mut conn = db.conn().await.unwrap();
    let err = permits::find(&mut conn, s.permit).await.unwrap_err();
    assert!(err.to_string().contains("kind"), "{err}");
    let err = permits::list(
        &mut conn,
        &Scope::All,
        &PermitFilter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("safty"), "{err}");
    execute_sql(
        &db,
        &format!(
            "UPDATE licence SET scale_unit = 'tons' WHERE licence_id = {}",
            s.licence
        ),
    )
    .await;
    let err = licences::find(&mut conn, s.licence).await.unwrap_err();
    assert!(err.to_string().contains("scale_unit"), "{err}");
}

async fn permit_and_feed_lists_follow_the_scope(db: Db) {
    let s = seed(&db).await;
    let mut conn = db.conn().await.unwrap();
    let all = PermitFilter {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        permits::list(&mut conn, &Scope::All, &all).await.unwrap().total,
        1
    );
    assert_eq!(
        permits::list(&mut conn, &Scope::Company(s.company), &all)
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        permits::list(&mut conn, &Scope::Company(CompanyId(999)), &all)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        permits::list(&mut conn, &Scope::None, &all).await.unwrap().total,
        0
    );
    let nr = Scope::Agency(AgencyCode::parse("nr").unwrap());
    let tr = Scope::Agency(AgencyCode::parse("tr").unwrap());
    assert_eq!(sharing::list(&mut conn, &nr, None, 10, 0).await.unwrap().total, 1);
    assert_eq!(sharing::list(&mut conn, &tr, None, 10, 0).await.unwrap().total, 0);
    let office = Party::Office;
    assert_eq!(
        sharing::list(&mut conn, &Scope::All, Some(&office), 10, 0)
            .await
            .unwrap()
            .total,
        1
    );
}

async fn acknowledging_twice_changes_nothing_the_second_time(db: Db) {
    let s = seed(&db).await;
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    assert_eq!(
        sharing::acknowledge(&mut tx, s.share, &Party::Office, "韦志明")
            .await
            .unwrap(),
        1
    );
    tx.audit(
        AuditAction::ShareAcknowledge,
        RecordType::ShareItem,
        &Key::from(s.share),
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    assert_eq!(
        sharing::acknowledge(&mut tx, s.share, &Party::Office, "韦志明")
            .await
            .unwrap(),
        0
    );
    // Not a recipient.
    let tr = Party::Agency(AgencyCode::parse("tr").unwrap());
    assert_eq!(
        sharing::acknowledge(&mut tx, s.share, &tr, "某人").await.unwrap(),
        0
    );
    tx.rollback().await.unwrap();
}

on_both_backends!(
    registry_records_come_back_as_domain_types,
    a_corrupt_stored_state_is_an_error_not_a_valid_permit,
    permit_and_feed_lists_follow_the_scope,
    acknowledging_twice_changes_nothing_the_second_time,
);
