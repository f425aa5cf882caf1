//! Mines: the list (search, filters, pages, export), adding a mine, and the mine page — licences with
//! their boundaries and corner points, permits with their status, consistency problems, timeline —
//! with the forms to add a licence or a permit and to record a licence's extension or cancellation.

use super::{
    agency_label, agency_options, filter_query, query_value, render_form, see_other, xlsx, FormData,
    FormErrors, Pager, SelectOption,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::svg;
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::registry::input::{LicenceInput, MineInput, PermitInput};
use orewatch_app::registry::records::{self, MineQuery, MineView};
use orewatch_app::registry::workbook;
use orewatch_app::AppError;
use orewatch_domain::consistency::Inconsistency;
use orewatch_domain::licence::{LicenceEventKind, LicenceKind, ScaleUnit};
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::permit::{PermitKind, PermitStatus};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 25;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/mines", get(list).post(create))
        .route("/mines/export.xlsx", get(export))
        .route("/mines/{id}", get(show))
        .route("/mines/{id}/status", post(set_status))
        .route("/mines/{id}/licences", post(add_licence))
        .route("/mines/{id}/permits", post(add_permit))
        .route("/licences/{id}/events", post(licence_event))
}

/// Label of a stored code through the catalogue (`prefix.code`), or the code itself.
pub fn label(ctx: &Ctx, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    let text = ctx.t(&key);
    if text == key {
        code.to_string()
    } else {
        text.to_string()
    }
}

/// The CSS class of a permit status badge.
pub fn status_class(status: PermitStatus) -> &'static str {
    match status {
        PermitStatus::Valid => "ok",
        PermitStatus::Expires90 | PermitStatus::Expires60 => "warn",
        PermitStatus::Expires30 | PermitStatus::Expired | PermitStatus::Revoked => "bad",
        PermitStatus::Suspended => "off",
    }
}

/// One consistency problem as a sentence.
pub fn inconsistency_text(ctx: &Ctx, problem: &Inconsistency) -> String {
    let key = format!("inconsistency.{}", problem.code());
    let area = |a: f64| format!("{a:.0}");
    let args: Vec<(&str, String)> = match problem {
        Inconsistency::LicenceOverlap {
            licence,
            other,
            area_m2,
        } => vec![
            ("licence", licence.clone()),
            ("other", other.clone()),
            ("area", area(*area_m2)),
        ],
        Inconsistency::ProtectedOverlap {
            licence,
            area: name,
            area_m2,
        } => vec![
            ("licence", licence.clone()),
            ("other", name.clone()),
            ("area", area(*area_m2)),
        ],
        Inconsistency::ProducingWithExpiredLicence { licence } => vec![("licence", licence.clone())],
        Inconsistency::PermitHolderMismatch { holder, permits } => {
            vec![("holder", holder.clone()), ("count", permits.to_string())]
        }
        Inconsistency::ProducingWithoutSafetyLicence | Inconsistency::ProducingWithoutLicence => Vec::new(),
    };
    ctx.tf(&key, &args)
}

fn options<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    prefix: &str,
    code: impl Fn(T) -> &'static str,
    current: &str,
) -> Vec<SelectOption> {
    all.iter()
        .map(|&v| SelectOption::new(code(v), label(ctx, prefix, code(v)), current))
        .collect()
}

/// A mine list row: its status and next permit expiry with the badge colour for today.
pub fn mine_row(
    ctx: &Ctx,
    r: &orewatch_app::registry::county::MineEntry,
    today: chrono::NaiveDate,
) -> MineRowView {
    let m = &r.mine;
    let days = r.next_permit_expiry.map(|d| (d - today).num_days());
    MineRowView {
        id: m.id,
        name: m.name.clone(),
        township: m.township.clone(),
        mineral: m.mineral.clone(),
        status: label(ctx, "mine_status", &m.status),
        status_class: mine_status_class(&m.status),
        company: m.company_name.clone(),
        licence_no: r.licence_no.clone().unwrap_or_default(),
        licence_valid_to: r.licence_valid_to.map(|d| d.to_string()).unwrap_or_default(),
        next_expiry: r.next_permit_expiry.map(|d| d.to_string()).unwrap_or_default(),
        expiry_class: match days {
            Some(d) if d < 0 => "bad",
            Some(d) if d <= 90 => "warn",
            _ => "",
        },
        permits: r.permit_count,
    }
}

pub struct MineRowView {
    pub id: i64,
    pub name: String,
    pub township: String,
    pub mineral: String,
    pub status: String,
    pub status_class: &'static str,
    pub company: String,
    pub licence_no: String,
    pub licence_valid_to: String,
    pub next_expiry: String,
    pub expiry_class: &'static str,
    pub permits: i64,
}

#[derive(Template)]
#[template(path = "mines.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    townships: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    agencies: Vec<SelectOption>,
    due: bool,
    rows: Vec<MineRowView>,
    pager: Pager,
    export_href: String,
    may_edit: bool,
    form: FormData,
    methods: Vec<SelectOption>,
    form_statuses: Vec<SelectOption>,
    form_agencies: Vec<SelectOption>,
    errors: FormErrors,
}

fn mine_query(query: &HashMap<String, String>, page: i64) -> MineQuery {
    MineQuery {
        text: query_value(query, "q"),
        township: query_value(query, "township"),
        status: query_value(query, "status").filter(|s| MineStatus::parse(s).is_ok()),
        area_agency: query_value(query, "agency"),
        permits_due: query.get("due").is_some_and(|v| v == "1"),
        limit: PAGE_SIZE,
        offset: Pager::offset(page, PAGE_SIZE),
    }
}

fn mine_status_class(status: &str) -> &'static str {
    match status {
        "producing" => "ok",
        "suspended" => "warn",
        "closed" => "off",
        _ => "",
    }
}

async fn list_screen(
    state: &WebState,
    ctx: Ctx,
    query: &HashMap<String, String>,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(query);
    let q = mine_query(query, page);
    let records::MineList {
        page: found,
        county,
        organisation,
    } = records::mine_list(&state.app, &caller, &q).await?;
    let townships = &county.townships;
    let agencies = &organisation.agencies;
    let today = orewatch_app::dashboard::china_today(state.app.now());
    let rows = found.rows.iter().map(|r| mine_row(&ctx, r, today)).collect();
    let value = |k: &str| query_value(query, k).unwrap_or_default();
    let page_view = ListPage {
        q: value("q"),
        townships: townships
            .iter()
            .map(|t| SelectOption::new(t.clone(), t.clone(), &value("township")))
            .collect(),
        statuses: options(
            &ctx,
            &MineStatus::ALL,
            "mine_status",
            MineStatus::as_str,
            &value("status"),
        ),
        agencies: agency_options(&ctx, agencies, &value("agency")),
        due: q.permits_due,
        rows,
        pager: Pager::new(&ctx, "/mines", query, page, PAGE_SIZE, found.total),
        export_href: format!("/mines/export.xlsx?{}", filter_query(query)),
        may_edit: caller.may(Action::EditRegistry, &Resource::Installation),
        methods: options(
            &ctx,
            &MiningMethod::ALL,
            "method",
            MiningMethod::as_str,
            form.get("method"),
        ),
        form_statuses: options(
            &ctx,
            &MineStatus::ALL,
            "mine_status",
            MineStatus::as_str,
            form.get("status"),
        ),
        form_agencies: agency_options(&ctx, agencies, form.get("area_agency")),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page_view, errors.is_some())
}

async fn list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    list_screen(&state, ctx, &query, FormData::default(), None).await
}

async fn create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = MineInput {
        name: form.get("name"),
        township: form.get("township"),
        mineral: form.get("mineral"),
        method: form.get("method"),
        status: form.get("status"),
        company: form.get("company"),
        area_agency: form.get("area_agency"),
        supervisor: form.get("supervisor"),
    };
    match records::create_mine(&state.app, &ctx.caller(), &input).await {
        Ok(id) => Ok(see_other(&format!("/mines/{id}?flash=registered"))),
        Err(AppError::Invalid(errors)) => {
            list_screen(&state, ctx, &HashMap::new(), form, Some(&errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn export(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let q = mine_query(&query, 1);
    let bytes = workbook::export_mines(&state.app, &ctx.caller(), &q).await?;
    Ok(xlsx("矿山清单.xlsx", bytes))
}

pub struct PointView {
    pub name: String,
    pub x: String,
    pub y: String,
    pub lon: String,
    pub lat: String,
}

pub struct PartView {
    pub name: String,
    pub elevation: String,
    pub area: String,
    pub points: Vec<PointView>,
}

pub struct LicenceView {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub holder: String,
    pub mineral: String,
    pub method: String,
    pub scale: String,
    pub validity: String,
    pub state: String,
    pub cancelled: bool,
    pub expired: bool,
    pub area: String,
    pub declared_area: String,
    pub area_warning: Option<String>,
    pub zone: String,
    pub drawing: String,
    pub parts: Vec<PartView>,
    pub events: Vec<(String, String, String)>,
}

pub struct PermitView {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub agency: String,
    pub holder: String,
    pub valid_from: String,
    pub valid_to: String,
    pub status: String,
    pub status_class: &'static str,
    pub status_code: &'static str,
}

pub struct TimelineEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "mine.html")]
struct ShowPage {
    ctx: Ctx,
    id: i64,
    name: String,
    facts: Vec<(String, String)>,
    status: String,
    status_class: &'static str,
    problems: Vec<String>,
    licences: Vec<LicenceView>,
    permits: Vec<PermitView>,
    timeline: Vec<TimelineEntry>,
    may_edit: bool,
    permit_kinds: Vec<SelectOption>,
    licence_kinds: Vec<SelectOption>,
    methods: Vec<SelectOption>,
    units: Vec<SelectOption>,
    events: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    /// Which form to open: `licence` or `permit` after a refused submission.
    open_form: String,
    form: FormData,
    errors: FormErrors,
    company_code: String,
}

fn licence_view(ctx: &Ctx, l: &records::LicenceView, view: &MineView) -> LicenceView {
    let r = &l.licence;
    let parts = l
        .boundary
        .as_ref()
        .map(|b| {
            b.parts
                .iter()
                .map(|p| PartView {
                    name: p.name.clone(),
                    elevation: match (p.elevation_top_m, p.elevation_floor_m) {
                        (Some(t), Some(f)) => format!("{t:+.1} m ~ {f:+.1} m"),
                        _ => String::new(),
                    },
                    area: format!("{:.0}", p.area_m2),
                    points: p
                        .points
                        .iter()
                        .map(|pt| PointView {
                            name: pt.name.clone(),
                            x: format!("{:.2}", pt.x),
                            y: format!("{:.2}", pt.y),
                            lon: format!("{:.7}", pt.lon),
                            lat: format!("{:.7}", pt.lat),
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<Vec<String>> = l
        .boundary
        .as_ref()
        .map(|b| {
            b.parts
                .iter()
                .map(|p| p.points.iter().map(|pt| pt.name.clone()).collect())
                .collect()
        })
        .unwrap_or_default();
    let drawing = l
        .parcel
        .as_ref()
        .map(|parcel| svg::licence_drawing(parcel, &names))
        .unwrap_or_default();
    let scale = match (r.scale, &r.scale_unit) {
        (Some(v), Some(u)) => format!("{v} {}", label(ctx, "scale_unit", u)),
        _ => String::new(),
    };
    LicenceView {
        id: r.id,
        number: r.licence_no.clone(),
        kind: label(ctx, "licence_kind", &r.kind),
        holder: r.holder_name.clone(),
        mineral: r.mineral.clone(),
        method: label(ctx, "method", &r.method),
        scale,
        validity: format!("{} ~ {}", r.valid_from, r.valid_to),
        state: label(ctx, "licence_state", &r.state),
        cancelled: r.state == "cancelled",
        expired: r.valid_to < view.today,
        area: format!("{:.0}", r.area_m2),
        declared_area: format!("{:.4}", r.declared_area_m2 / 1e6),
        area_warning: l.area_mismatch.map(|rel| {
            ctx.tf(
                "mine.area_warning",
                &[("percent", format!("{:+.2}", rel * 100.0))],
            )
        }),
        zone: r.zone.to_string(),
        drawing,
        parts,
        events: view
            .events
            .iter()
            .filter(|e| e.licence_id == r.id)
            .map(|e| {
                (
                    e.on_date.to_string(),
                    label(ctx, "licence_event", &e.kind),
                    e.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
    }
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: i64,
    open_form: &str,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = records::mine(&state.app, &caller, id).await?;
    let agencies: Vec<AgencyRecord> = organisation::agencies(&state.app, &caller).await?;
    let m = &view.mine;
    let facts = vec![
        (ctx.t("mine.company").to_string(), m.company_name.clone()),
        (ctx.t("mine.township").to_string(), m.township.clone()),
        (ctx.t("mine.mineral").to_string(), m.mineral.clone()),
        (ctx.t("mine.method").to_string(), label(&ctx, "method", &m.method)),
        (
            ctx.t("mine.area_agency").to_string(),
            agency_label(&ctx, &agencies, m.area_agency_code.as_deref()),
        ),
        (
            ctx.t("mine.supervisor").to_string(),
            m.supervisor.clone().unwrap_or_default(),
        ),
    ];
    let problems = view
        .standing
        .as_ref()
        .map(|s| s.problems.iter().map(|p| inconsistency_text(&ctx, p)).collect())
        .unwrap_or_default();
    let licences = view
        .licences
        .iter()
        .map(|l| licence_view(&ctx, l, &view))
        .collect();
    let permits = view
        .permits
        .iter()
        .map(|(p, status)| PermitView {
            id: p.id,
            kind: label(&ctx, "permit_kind", &p.kind),
            number: p.permit_no.clone(),
            agency: agency_label(&ctx, &agencies, Some(&p.agency_code)),
            holder: p.holder_name.clone(),
            valid_from: p.valid_from.to_string(),
            valid_to: p.valid_to.to_string(),
            status: label(&ctx, "permit_status", status.as_str()),
            status_class: status_class(*status),
            status_code: status.as_str(),
        })
        .collect();
    let timeline = view
        .timeline
        .iter()
        .map(|r| TimelineEntry {
            at: ctx.stored_time(&r.row.at),
            actor: r.row.actor_label.clone(),
            action: label(&ctx, "audit_action", &r.row.action),
            record: format!(
                "{} #{}",
                label(&ctx, "record_type", &r.row.record_type),
                r.row.record_id
            ),
            note: r.row.note.clone().unwrap_or_default(),
        })
        .collect();
    // The permit kinds this caller may record: all for the office, its own agency's for an agency.
    let permit_kinds = PermitKind::ALL
        .into_iter()
        .filter(|k| {
            AgencyCode::parse(k.issuing_agency())
                .is_ok_and(|a| caller.may(Action::RecordPermit, &Resource::Agency(a)))
        })
        .map(|k| {
            SelectOption::new(
                k.as_str(),
                label(&ctx, "permit_kind", k.as_str()),
                form.get("kind"),
            )
        })
        .collect();
    let company_code = m.company_code.clone();
    let page = ShowPage {
        id,
        name: m.name.clone(),
        status: label(&ctx, "mine_status", &m.status),
        status_class: mine_status_class(&m.status),
        facts,
        problems,
        licences,
        permits,
        timeline,
        may_edit: caller.may(Action::EditRegistry, &Resource::Installation),
        permit_kinds,
        licence_kinds: options(
            &ctx,
            &LicenceKind::ALL,
            "licence_kind",
            LicenceKind::as_str,
            form.get("kind"),
        ),
        methods: options(
            &ctx,
            &MiningMethod::ALL,
            "method",
            MiningMethod::as_str,
            form.get("method"),
        ),
        units: options(
            &ctx,
            &ScaleUnit::ALL,
            "scale_unit",
            ScaleUnit::as_str,
            form.get("scale_unit"),
        ),
        events: options(
            &ctx,
            &[
                LicenceEventKind::Extended,
                LicenceEventKind::Changed,
                LicenceEventKind::Cancelled,
            ],
            "licence_event",
            LicenceEventKind::as_str,
            form.get("event"),
        ),
        statuses: options(
            &ctx,
            &MineStatus::ALL,
            "mine_status",
            MineStatus::as_str,
            &m.status,
        ),
        open_form: open_form.to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        company_code,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, "", FormData::default(), None).await
}

async fn add_licence(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    let input = LicenceInput {
        kind: form.get("kind"),
        licence_no: form.get("licence_no"),
        holder: form.get("holder"),
        mineral: form.get("mineral"),
        method: form.get("method"),
        scale: form.get("scale"),
        scale_unit: form.get("scale_unit"),
        declared_area_km2: form.get("declared_area_km2"),
        valid_from: form.get("valid_from"),
        valid_to: form.get("valid_to"),
        boundary: form.get("boundary"),
        override_reason: form.get("override_reason"),
    };
    match records::create_licence(&state.app, &ctx.caller(), id, &input).await {
        Ok((_, None)) => Ok(see_other(&format!("/mines/{id}?flash=registered"))),
        Ok((_, Some(_))) => Ok(see_other(&format!("/mines/{id}?flash=area_warning"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, "licence", form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn add_permit(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    let input = PermitInput {
        kind: form.get("kind"),
        permit_no: form.get("permit_no"),
        holder: form.get("holder"),
        valid_from: form.get("valid_from"),
        valid_to: form.get("valid_to"),
        scope: form.get("scope"),
        state: "",
        override_reason: form.get("override_reason"),
    };
    match records::create_permit(&state.app, &ctx.caller(), id, &input).await {
        Ok(_) => Ok(see_other(&format!("/mines/{id}?flash=registered"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, "permit", form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn set_status(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    match records::set_mine_status(
        &state.app,
        &ctx.caller(),
        id,
        form.get("status"),
        form.get("note"),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/mines/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, "status", form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn licence_event(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(licence_id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    let mine_id: i64 = form.get("mine").parse().unwrap_or(0);
    match records::licence_event(
        &state.app,
        &ctx.caller(),
        licence_id,
        form.get("event"),
        form.get("on_date"),
        form.get("valid_to"),
        form.get("note"),
    )
    .await
    {
        Ok(mine) => Ok(see_other(&format!("/mines/{mine}?flash=saved"))),
        Err(AppError::Invalid(errors)) if mine_id > 0 => {
            show_screen(
                &state,
                ctx,
                mine_id,
                &format!("event-{licence_id}"),
                form,
                Some(&errors),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
