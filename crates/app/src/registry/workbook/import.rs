//! The all-or-nothing import of a workbook.
//!
//! 1. Outside any transaction (on a blocking thread: corner points are parsed here): the sheets are
//!    read within the upload limits and every row is checked with the forms' own checks
//!    ([`crate::registry::input`]), which also finds duplicates within the file.
//! 2. In one audited write transaction: every row is checked against the registry as it is now —
//!    records that exist already (refused, saying what exists, unless the import updates by key),
//!    references to companies and mines of the registry or the workbook, the township list, the
//!    county's extent, and the credit list — with the same rules as the forms. If any row is wrong,
//!    nothing is written and the first [`MAX_LISTED_ERRORS`] problems are listed (with the total).
//! 3. In the same transaction: each sheet is written by the aggregates' `register` functions — the
//!    very functions the forms call — in batches, each record with its own audit entry; records that
//!    exist are updated when asked.
//!
//! Rows that refer to a refused row are not reported again, so the list names only the rows to fix.

use super::read::{read_sheets, SheetRows};
use super::{Sheet, COMPANIES, LICENCES, MINES, PERMITS, SHEETS};
use crate::registry::credit::{hit_names, CreditCheck};
use crate::registry::input::{
    check_company, check_licence, check_mine, check_permit, CheckedCompany, CheckedLicence, CheckedMine,
    CheckedPermit, CompanyInput, LicenceInput, MineInput, PermitInput,
};
use crate::registry::{companies, licences, mines, permits};
use crate::{App, AppError, Caller, Result};
use orewatch_domain::permit::PermitKind;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{CompanyId, FieldErrors, LicenceId, MineId, PermitId, Problem};
use orewatch_storage::mines::Mine;
use orewatch_storage::WriteTx;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Problems listed in a refusal; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// One problem of one cell (or row, or sheet).
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub sheet: String,
    /// 1-based Excel row (1 is the heading row); 0 when the problem is the whole file or sheet.
    pub row: usize,
    /// The column heading, when one column is at fault.
    pub column: Option<String>,
    pub problem: Problem,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportCounts {
    pub companies: usize,
    pub mines: usize,
    pub licences: usize,
    pub permits: usize,
    /// Records that existed and were changed (updates by key).
    pub updated: usize,
    /// Records that existed and did not differ.
    pub unchanged: usize,
    /// Licences whose declared area differs from the computed one by more than 0.5 %:
    /// (row, licence number, relative difference).
    pub area_warnings: Vec<(usize, String, f64)>,
}

/// The result of an import: everything written, or nothing and the problems.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Imported(ImportCounts),
    /// The first [`MAX_LISTED_ERRORS`] problems, and how many there were in all.
    Refused {
        errors: Vec<RowError>,
        total: usize,
    },
}

/// What the person chose on the import form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Rows whose key (credit code, mine name, licence number, permit kind and number) is registered
    /// update that record instead of being refused.
    pub update_existing: bool,
    /// Licences far outside the county's extent were checked and are meant.
    pub confirm_outside: bool,
}

/// A row's own check, done before any database work.
struct Row<T> {
    row: usize,
    /// The row's key as typed (credit code, mine name, number), for suppressing rows that refer to it.
    raw_key: String,
    /// The mine the row names (licences and permits).
    mine: String,
    checked: Result<T, FieldErrors>,
}

/// Every sheet's rows, checked on their own.
#[derive(Default)]
struct Parsed {
    errors: Vec<RowError>,
    companies: Vec<Row<CheckedCompany>>,
    mines: Vec<Row<CheckedMine>>,
    licences: Vec<Row<CheckedLicence>>,
    permits: Vec<Row<CheckedPermit>>,
}

fn get(values: &HashMap<&'static str, String>, field: &str) -> String {
    values.get(field).cloned().unwrap_or_default()
}

fn rows_of<T>(
    sheets: &[SheetRows],
    sheet: &Sheet,
    key: &str,
    check: impl Fn(&HashMap<&'static str, String>) -> Result<T, FieldErrors>,
) -> Vec<Row<T>> {
    sheets
        .iter()
        .filter(|s| s.sheet.name == sheet.name)
        .flat_map(|s| s.rows.iter())
        .map(|(row, values)| Row {
            row: *row,
            raw_key: get(values, key).trim().to_string(),
            mine: get(values, "mine").trim().to_string(),
            checked: check(values),
        })
        .collect()
}

/// Step 1: read and check every row on its own (pure; runs on a blocking thread).
fn parse(
    bytes: &[u8],
    limits: &crate::registry::limits::UploadLimits,
    corners: &orewatch_spatial::corners::ParseOptions,
) -> Parsed {
    let mut errors = Vec::new();
    let sheets = read_sheets(bytes, limits, &mut errors);
    let companies = rows_of(&sheets, &COMPANIES, "credit_code", |v| {
        check_company(&CompanyInput {
            credit_code: &get(v, "credit_code"),
            name: &get(v, "name"),
            legal_rep: &get(v, "legal_rep"),
            address: &get(v, "address"),
            phone: &get(v, "phone"),
        })
    });
    let mines = rows_of(&sheets, &MINES, "name", |v| {
        check_mine(&MineInput {
            name: &get(v, "name"),
            township: &get(v, "township"),
            mineral: &get(v, "mineral"),
            method: &get(v, "method"),
            status: &get(v, "status"),
            company: &get(v, "company"),
            area_agency: &get(v, "area_agency"),
            supervisor: &get(v, "supervisor"),
        })
    });
    let licences = rows_of(&sheets, &LICENCES, "licence_no", |v| {
        check_licence(
            &LicenceInput {
                kind: &get(v, "kind"),
                licence_no: &get(v, "licence_no"),
                holder: &get(v, "holder"),
                mineral: &get(v, "mineral"),
                method: &get(v, "method"),
                scale: &get(v, "scale"),
                scale_unit: &get(v, "scale_unit"),
                declared_area_km2: &get(v, "declared_area_km2"),
                valid_from: &get(v, "valid_from"),
                valid_to: &get(v, "valid_to"),
                boundary: &get(v, "boundary"),
                override_reason: "",
                confirm_outside: false,
            },
            corners,
        )
    });
    let permits = rows_of(&sheets, &PERMITS, "permit_no", |v| {
        check_permit(&PermitInput {
            kind: &get(v, "kind"),
            permit_no: &get(v, "permit_no"),
            holder: &get(v, "holder"),
            valid_from: &get(v, "valid_from"),
            valid_to: &get(v, "valid_to"),
            scope: &get(v, "scope"),
            state: &get(v, "state"),
            override_reason: "",
        })
    });
    Parsed {
        errors,
        companies,
        mines,
        licences,
        permits,
    }
}

/// The problem list of a refused import, its rows in sheet and row order.
struct Problems {
    errors: Vec<RowError>,
}

impl Problems {
    fn push(&mut self, sheet: &Sheet, row: usize, field: &str, problem: Problem) {
        self.errors.push(RowError {
            sheet: sheet.name.into(),
            row,
            column: sheet.heading_of(field),
            problem,
        });
    }

    fn fields(&mut self, sheet: &Sheet, row: usize, fe: FieldErrors) {
        for e in fe.0 {
            self.push(sheet, row, e.field, e.problem);
        }
    }

    fn outcome(mut self) -> ImportOutcome {
        let order = |name: &str| SHEETS.iter().position(|s| s.name == name).unwrap_or(0);
        self.errors.sort_by_key(|e| (order(&e.sheet), e.row));
        let total = self.errors.len();
        self.errors.truncate(MAX_LISTED_ERRORS);
        ImportOutcome::Refused {
            errors: self.errors,
            total,
        }
    }
}

/// A row that passed every check, with the record it updates when its key exists.
struct Accepted<'a, T, E> {
    source: &'a Row<T>,
    item: &'a T,
    existing: Option<E>,
}

impl<T, E> Accepted<'_, T, E> {
    fn row(&self) -> usize {
        self.source.row
    }
}

/// How a sheet's rows are sorted: whether existing keys update, and where problems go.
struct Sorting<'p> {
    update: bool,
    problems: &'p mut Problems,
}

/// The generic part of step 2 for one sheet: a row's own problems, a key repeated within the file, a
/// key registered already (refused, saying what exists, unless updating), and the row's references.
/// Returns the accepted rows and the keys of the refused ones.
fn sort_sheet<'a, T, E>(
    sheet: &Sheet,
    rows: &'a [Row<T>],
    key_field: &'static str,
    key: impl Fn(&T) -> String,
    existing: impl Fn(&str) -> Option<(E, String)>,
    references: impl Fn(&Row<T>, &T) -> Vec<(&'static str, Problem)>,
    sorting: &mut Sorting<'_>,
) -> (Vec<Accepted<'a, T, E>>, HashSet<String>) {
    let (update, problems) = (sorting.update, &mut *sorting.problems);
    let mut accepted = Vec::new();
    let mut refused = HashSet::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in rows {
        let item = match &r.checked {
            Ok(item) => item,
            Err(fe) => {
                problems.fields(sheet, r.row, fe.clone());
                refused.insert(r.raw_key.clone());
                continue;
            }
        };
        let k = key(item);
        let mut ok = true;
        if let Some(&first) = seen.get(&k) {
            problems.push(sheet, r.row, key_field, Problem::DuplicateInFile { row: first });
            ok = false;
        } else {
            seen.insert(k.clone(), r.row);
        }
        let found = existing(&k);
        if let (Some((_, what)), false) = (&found, update) {
            problems.push(
                sheet,
                r.row,
                key_field,
                Problem::AlreadyRegistered {
                    existing: what.clone(),
                },
            );
            ok = false;
        }
        for (field, problem) in references(r, item) {
            problems.push(sheet, r.row, field, problem);
            ok = false;
        }
        if ok {
            accepted.push(Accepted {
                source: r,
                item,
                existing: found.map(|(e, _)| e),
            });
        } else {
            refused.insert(k);
        }
    }
    (accepted, refused)
}

/// Imports a workbook, all or nothing.
pub async fn import(
    app: &App,
    caller: &Caller,
    bytes: &[u8],
    file_name: &str,
    options: ImportOptions,
) -> Result<ImportOutcome> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let limits = app.settings.upload_limits;
    let zone = app.settings.map_zone;
    let owned = bytes.to_vec();
    let corners = app.settings.corner_options(zone);
    let parsed = tokio::task::spawn_blocking(move || parse(&owned, &limits, &corners))
        .await
        .map_err(|source| AppError::Thread {
            what: "import",
            source,
        })?;
    let county = crate::registry::county::county(app, caller).await?;
    let today = county.today;
    let digest = hex::encode(Sha256::digest(bytes));
    let note = format!(
        "导入 {file_name}（SHA-256 {}）",
        digest.get(..16).unwrap_or(&digest)
    );

    let mut tx = app.write(caller).await?;
    let mut problems = Problems {
        errors: parsed.errors,
    };
    let update = options.update_existing;

    // What is registered now, read inside the transaction (no write can slip in between).
    let known_companies: HashMap<String, (CompanyId, String)> =
        orewatch_storage::companies::all_codes(&mut tx)
            .await?
            .into_iter()
            .map(|(id, code, name)| (code, (id, name)))
            .collect();
    let known_mines: HashMap<String, Mine> = orewatch_storage::mines::all(&mut tx)
        .await?
        .into_iter()
        .map(|m| (m.name.clone(), m))
        .collect();
    let known_licences: HashMap<String, LicenceId> = orewatch_storage::licences::all_numbers(&mut tx)
        .await?
        .into_iter()
        .map(|(id, no)| (no, id))
        .collect();
    let known_permits: HashMap<(PermitKind, String), PermitId> = orewatch_storage::permits::all_keys(&mut tx)
        .await?
        .into_iter()
        .map(|(id, kind, no)| ((kind, no), id))
        .collect();
    let townships = mines::listed_townships(&mut tx).await?;

    // Companies.
    let (companies, refused_companies) = sort_sheet(
        &COMPANIES,
        &parsed.companies,
        "credit_code",
        |c: &CheckedCompany| c.credit_code.as_str().to_string(),
        |k| {
            known_companies
                .get(k)
                .map(|(id, name)| (*id, format!("企业“{name}”")))
        },
        |_, _| Vec::new(),
        &mut Sorting {
            update,
            problems: &mut problems,
        },
    );
    let new_company_codes: HashSet<&str> = companies.iter().map(|a| a.item.credit_code.as_str()).collect();
    let company_reference = |code: &str, field: &'static str| -> Vec<(&'static str, Problem)> {
        let known = known_companies.contains_key(code) || new_company_codes.contains(code);
        if known || refused_companies.contains(code) {
            Vec::new()
        } else {
            vec![(field, Problem::CompanyNotRegistered)]
        }
    };

    // Mines.
    let (mine_rows, refused_mines) = sort_sheet(
        &MINES,
        &parsed.mines,
        "name",
        |m: &CheckedMine| m.name.clone(),
        |k| {
            known_mines
                .get(k)
                .map(|m| (m.id, format!("矿山“{}”（{}）", m.name, m.township)))
        },
        |_, m| {
            let mut found = company_reference(m.company.as_str(), "company");
            if let Some(p) = mines::township_problem(&m.township, &townships) {
                found.push(("township", p));
            }
            if let Some(agency) = &m.area_agency {
                if orewatch_domain::agency::STANDARD_AGENCIES
                    .iter()
                    .all(|a| a.code != agency.as_str())
                {
                    found.push(("area_agency", Problem::NotFound));
                }
            }
            found
        },
        &mut Sorting {
            update,
            problems: &mut problems,
        },
    );
    let new_mine_names: HashSet<&str> = mine_rows.iter().map(|a| a.item.name.as_str()).collect();
    let mine_reference = |name: &str| -> Vec<(&'static str, Problem)> {
        if name.is_empty() {
            vec![("mine", Problem::Required)]
        } else if known_mines.contains_key(name)
            || new_mine_names.contains(name)
            || refused_mines.contains(name)
        {
            Vec::new()
        } else {
            vec![("mine", Problem::MineNotRegistered)]
        }
    };

    // Licences.
    let (licence_rows, _) = sort_sheet(
        &LICENCES,
        &parsed.licences,
        "licence_no",
        |l: &CheckedLicence| l.licence_no.as_str().to_string(),
        |k| known_licences.get(k).map(|id| (*id, format!("矿业权 {k}"))),
        |r, l| {
            let mut found = mine_reference(&r.mine);
            found.extend(company_reference(l.holder.as_str(), "holder"));
            if !options.confirm_outside {
                if let Some(km) = county.outside_county_km(&l.parcel, crate::registry::OUTSIDE_MARGIN_M) {
                    found.push((
                        "boundary",
                        Problem::OutsideCounty {
                            km: format!("{km:.1}"),
                        },
                    ));
                }
            }
            found
        },
        &mut Sorting {
            update,
            problems: &mut problems,
        },
    );

    // Permits.
    let (permit_rows, _) = sort_sheet(
        &PERMITS,
        &parsed.permits,
        "permit_no",
        |p: &CheckedPermit| format!("{}\u{1f}{}", p.kind.as_str(), p.permit_no),
        |k| {
            let (kind, no) = k.split_once('\u{1f}')?;
            let kind = PermitKind::parse(kind).ok()?;
            known_permits
                .get(&(kind, no.to_string()))
                .map(|id| (*id, format!("{} {no}", kind.label_zh())))
        },
        |r, p| {
            let mut found = mine_reference(&r.mine);
            found.extend(company_reference(p.holder.as_str(), "holder"));
            found
        },
        &mut Sorting {
            update,
            problems: &mut problems,
        },
    );

    // The credit list, checked in this transaction: a spreadsheet cannot give the written reason a
    // grant to a listed holder needs, so such rows are refused and go through the form.
    let mut credit = CreditCheck::load(&mut tx, today).await?;
    let mut listed: HashMap<CompanyId, String> = HashMap::new();
    let holder_rows = licence_rows
        .iter()
        .map(|a| (&LICENCES, a.row(), a.item.holder.as_str()))
        .chain(
            permit_rows
                .iter()
                .map(|a| (&PERMITS, a.row(), a.item.holder.as_str())),
        );
    for (sheet, row, code) in holder_rows {
        let Some(&(company_id, _)) = known_companies.get(code) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = listed.entry(company_id) {
            let found = credit.hits(&mut tx, company_id).await?;
            slot.insert(hit_names(&found));
        }
        if let Some(names) = listed.get(&company_id).filter(|n| !n.is_empty()) {
            problems.push(
                sheet,
                row,
                "holder",
                Problem::CreditListed { names: names.clone() },
            );
        }
    }

    if !problems.errors.is_empty() {
        tx.rollback().await?;
        return Ok(problems.outcome());
    }

    let mut counts = ImportCounts::default();
    let note = Some(note.as_str());
    let refuse = |sheet: &Sheet, e: AppError| -> Result<ImportOutcome> {
        // A row that fails now (a rule only the database enforces): the whole import is refused.
        match e {
            AppError::Invalid(fe) => {
                let mut p = Problems { errors: Vec::new() };
                p.fields(sheet, 0, fe);
                Ok(p.outcome())
            }
            other => Err(other),
        }
    };

    // Companies: new in one batch, existing updated.
    let mut company_ids: HashMap<String, CompanyId> = known_companies
        .iter()
        .map(|(code, (id, _))| (code.clone(), *id))
        .collect();
    let new: Vec<&CheckedCompany> = companies
        .iter()
        .filter(|a| a.existing.is_none())
        .map(|a| a.item)
        .collect();
    match companies::register(&mut tx, &new, note).await {
        Ok(ids) => {
            for (c, id) in new.iter().zip(ids) {
                company_ids.insert(c.credit_code.as_str().to_string(), id);
            }
            counts.companies = new.len();
        }
        Err(e) => return refuse(&COMPANIES, e),
    }
    for a in companies.iter().filter(|a| a.existing.is_some()) {
        let current = orewatch_storage::companies::find_by_credit_code(&mut tx, &a.item.credit_code)
            .await?
            .ok_or(AppError::NotFound)?;
        tally(
            &mut counts,
            companies::update(&mut tx, &current, a.item, note).await?,
        );
    }
    let company_id = |code: &str| company_ids.get(code).copied().unwrap_or(CompanyId(0));

    // Mines.
    let mut mine_ids: HashMap<String, MineId> = known_mines.iter().map(|(n, m)| (n.clone(), m.id)).collect();
    let new: Vec<(&CheckedMine, CompanyId)> = mine_rows
        .iter()
        .filter(|a| a.existing.is_none())
        .map(|a| (a.item, company_id(a.item.company.as_str())))
        .collect();
    match mines::register(&mut tx, &new, note).await {
        Ok(ids) => {
            for ((m, _), id) in new.iter().zip(ids) {
                mine_ids.insert(m.name.clone(), id);
            }
            counts.mines = new.len();
        }
        Err(e) => return refuse(&MINES, e),
    }
    for a in mine_rows.iter().filter(|a| a.existing.is_some()) {
        if let Some(current) = known_mines.get(&a.item.name) {
            let company = company_id(a.item.company.as_str());
            tally(
                &mut counts,
                mines::update(&mut tx, current, a.item, company, note).await?,
            );
        }
    }
    let mine_id = |name: &str| mine_ids.get(name).copied().unwrap_or(MineId(0));

    // Licences.
    let mut new_licences = Vec::new();
    let mut existing_licences = Vec::new();
    for a in &licence_rows {
        let item = licences::NewLicence {
            checked: a.item,
            mine: mine_id(&a.source.mine),
            holder: company_id(a.item.holder.as_str()),
            override_reason: None,
        };
        match a.existing {
            None => {
                if let Some(r) = a.item.area_mismatch {
                    counts
                        .area_warnings
                        .push((a.row(), a.item.licence_no.as_str().to_string(), r));
                }
                new_licences.push(item);
            }
            Some(id) => existing_licences.push((id, item)),
        }
    }
    match licences::register(&mut tx, &mut credit, &new_licences, note).await {
        Ok(_) => counts.licences = new_licences.len(),
        Err(e) => return refuse(&LICENCES, e),
    }
    for (id, item) in &existing_licences {
        let current = orewatch_storage::licences::find(&mut tx, *id)
            .await?
            .ok_or(AppError::NotFound)?;
        match licences::update(&mut tx, &mut credit, &current, item, note).await {
            Ok(changed) => tally(&mut counts, changed),
            Err(e) => return refuse(&LICENCES, e),
        }
    }

    // Permits.
    let mut new_permits = Vec::new();
    let mut existing_permits = Vec::new();
    for a in &permit_rows {
        let item = permits::NewPermit {
            checked: a.item,
            agency: permits::issuing_agency(a.item.kind)?,
            mine: mine_id(&a.source.mine),
            holder: company_id(a.item.holder.as_str()),
            override_reason: None,
        };
        match a.existing {
            None => new_permits.push(item),
            Some(id) => existing_permits.push((id, item)),
        }
    }
    match permits::register(&mut tx, &mut credit, &new_permits, note).await {
        Ok(_) => counts.permits = new_permits.len(),
        Err(e) => return refuse(&PERMITS, e),
    }
    for (id, item) in &existing_permits {
        let current = orewatch_storage::permits::find(&mut tx, *id)
            .await?
            .ok_or(AppError::NotFound)?;
        match permits::update(&mut tx, &mut credit, &current, item, note).await {
            Ok(changed) => tally(&mut counts, changed),
            Err(e) => return refuse(&PERMITS, e),
        }
    }

    if tx.appended() == 0 {
        // Everything in the workbook was registered already, unchanged.
        tx.rollback().await?;
    } else {
        commit(tx).await?;
    }
    Ok(ImportOutcome::Imported(counts))
}

fn tally(counts: &mut ImportCounts, changed: bool) {
    if changed {
        counts.updated += 1;
    } else {
        counts.unchanged += 1;
    }
}

async fn commit(tx: WriteTx) -> Result<()> {
    tx.commit().await?;
    Ok(())
}
