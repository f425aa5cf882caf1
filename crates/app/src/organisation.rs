//! The organisation: agencies with their duties, the seats of the command centre and the office, and
//! the filing (备案) of a new holder.

use crate::{App, AppError, Caller, Result, Versions};
use orewatch_domain::field::{date, required_text};
use orewatch_domain::organisation::{check_filing, CurrentTerm};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AccountId, AgencyCode, AuditAction, FieldErrors, Problem, RecordType, SeatId};
use orewatch_storage::accounts;
use orewatch_storage::agencies::{self, Agency};
use orewatch_storage::seats::{self, NewTerm, Seat, Term};
use std::sync::Arc;

pub use orewatch_storage::agencies::Agency as AgencyRecord;
pub use orewatch_storage::seats::{Seat as SeatRecord, Term as TermRecord};

/// A seat with its agency, current term and earlier terms (newest first).
#[derive(Debug, Clone)]
pub struct SeatView {
    pub seat: Seat,
    pub agency: Option<Agency>,
    pub current: Option<Term>,
    pub history: Vec<Term>,
}

impl SeatView {
    /// The current holder's account, if the seat is filled.
    pub fn holder(&self) -> Option<AccountId> {
        self.current.as_ref().and_then(|t| t.account_id)
    }
}

/// Everything the organisation page shows.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub agencies: Vec<Agency>,
    pub seats: Vec<SeatView>,
}

/// The organisation, from the cache while nothing it depends on has changed since it was loaded.
pub async fn view(app: &App, caller: &Caller) -> Result<Arc<Organisation>> {
    caller.require(Action::ViewOrganisation, &Resource::Installation)?;
    let versions = app.versions(caller).await?;
    view_at(app, &versions).await
}

/// The organisation at data versions the caller has read.
pub(crate) async fn view_at(app: &App, versions: &Versions) -> Result<Arc<Organisation>> {
    if let Some(cached) = app.caches().organisation.get(versions) {
        return Ok(cached);
    }
    let mut conn = app.db.conn().await?;
    let org = Arc::new(load(&mut conn).await?);
    app.caches().organisation.put(versions, org.clone());
    Ok(org)
}

async fn load(conn: &mut orewatch_storage::Conn) -> Result<Organisation> {
    let agencies = agencies::list(&mut *conn).await?;
    let all_seats = seats::list(&mut *conn).await?;
    let mut terms = seats::all_terms(&mut *conn).await?;
    let seats = all_seats
        .into_iter()
        .map(|seat| {
            let mut history: Vec<Term> = Vec::new();
            terms.retain(|t| {
                if t.seat_id == seat.id {
                    history.push(t.clone());
                    false
                } else {
                    true
                }
            });
            let current = history
                .iter()
                .position(|t| t.to_on.is_none())
                .map(|i| history.remove(i));
            let agency = seat
                .agency
                .as_ref()
                .and_then(|c| agencies.iter().find(|a| &a.code == c))
                .cloned();
            SeatView {
                seat,
                agency,
                current,
                history,
            }
        })
        .collect();
    Ok(Organisation { agencies, seats })
}

/// The agencies alone (for select lists and names), without the seats.
pub async fn agencies(app: &App, caller: &Caller) -> Result<Vec<Agency>> {
    Ok(view(app, caller).await?.agencies.clone())
}

/// One seat with its history.
pub async fn seat(app: &App, caller: &Caller, seat_id: SeatId) -> Result<SeatView> {
    let org = view(app, caller).await?;
    org.seats
        .iter()
        .find(|s| s.seat.id == seat_id)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// Raw form input of a filing.
#[derive(Debug, Clone, Default)]
pub struct FilingInput<'a> {
    /// Account id of the new holder, or empty to leave the seat vacant.
    pub holder: &'a str,
    pub from_on: &'a str,
    pub note: &'a str,
}

/// Files a new holder for a seat (备案): closes the current term, opens a new one, audits both.
pub async fn file_holder(
    app: &App,
    caller: &Caller,
    seat_id: SeatId,
    input: &FilingInput<'_>,
) -> Result<SeatId> {
    caller.require(Action::FilePosition, &Resource::Installation)?;
    let holder = match input.holder.trim() {
        "" => None,
        raw => Some(AccountId(
            raw.parse()
                .map_err(|_| AppError::invalid("holder", Problem::Invalid))?,
        )),
    };
    let mut tx = app.write(caller).await?;
    seats::find(&mut tx, seat_id).await?.ok_or(AppError::NotFound)?;
    if let Some(id) = holder {
        let account = accounts::find(&mut tx, id).await?;
        if account.is_none_or(|a| a.status != orewatch_domain::account::AccountStatus::Active) {
            return Err(AppError::invalid("holder", Problem::NotFound));
        }
    }
    let current = seats::current_term(&mut tx, seat_id).await?;
    let current_rule = current.as_ref().map(|t| CurrentTerm {
        holder: t.account_id,
        from_on: t.from_on,
    });
    let filing =
        check_filing(current_rule, holder, date(input.from_on), input.note).map_err(AppError::Invalid)?;
    let before = tx.state_of(seat_id).await?;
    if let Some(term) = &current {
        seats::close_term(&mut tx, seat_id, term.id, filing.from_on).await?;
    }
    seats::insert_term(
        &mut tx,
        &NewTerm {
            seat_id,
            account_id: filing.holder,
            from_on: filing.from_on,
            filed_by: caller.account_id(),
            filed_by_label: &caller.display_name,
            note: filing.note.as_deref(),
        },
    )
    .await?;
    tx.audit_of(AuditAction::SeatFile, seat_id, before, filing.note.clone())
        .await?;
    tx.commit().await?;
    Ok(seat_id)
}

/// Changes an agency's duties (the office keeps them up to date).
pub async fn update_duties(
    app: &App,
    caller: &Caller,
    code: &str,
    duty_zh: &str,
    duty_en: &str,
) -> Result<()> {
    let code = AgencyCode::parse(code).map_err(|_| AppError::NotFound)?;
    caller.require(Action::EditAgency, &Resource::Agency(code.clone()))?;
    let mut errors = FieldErrors::new();
    let duty_zh = errors.take("duty_zh", required_text(duty_zh, 1000));
    let duty_en = errors.take("duty_en", required_text(duty_en, 1000));
    let (Some(duty_zh), Some(duty_en)) = (duty_zh, duty_en) else {
        return Err(AppError::Invalid(errors));
    };
    let mut tx = app.write(caller).await?;
    let current = agencies::find(&mut tx, &code).await?.ok_or(AppError::NotFound)?;
    if current.duty_zh == duty_zh && current.duty_en == duty_en {
        return Ok(());
    }
    let before = tx.state(RecordType::Agency, &code).await?;
    agencies::update_duties(&mut tx, &code, &duty_zh, &duty_en).await?;
    tx.audit(
        AuditAction::AgencyUpdateDuties,
        RecordType::Agency,
        &code,
        before,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
