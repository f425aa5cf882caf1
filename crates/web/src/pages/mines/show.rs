//! The mine page: the mine's facts and status, its problems, each licence with its drawing (the
//! neighbouring licences and protected areas around it), corner points and history, its permits, the
//! timeline, and the forms to change the status, add a licence or a permit, and record a licence's
//! extension, change or cancellation.

use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::labels::{inconsistency_text, label, mine_status_class, options, status_class};
use crate::pages::Id;
use crate::pages::{agency_label, render_form, see_other, FormData, FormErrors, SelectOption};
use crate::svg;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::registry::input::{LicenceInput, PermitInput};
use orewatch_app::registry::mines::{self, MineView};
use orewatch_app::registry::{licences, permits};
use orewatch_app::AppError;
use orewatch_domain::licence::{LicenceEventKind, LicenceKind, LicenceState, ScaleUnit};
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::permit::PermitKind;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors, LicenceId, MineId};

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
    /// The stored boundary could not be read (a damaged row): nothing is drawn, and the page says so.
    pub parcel_unreadable: bool,
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
    /// What the drawing shows besides the licence (neighbouring licences, protected areas).
    pub around: Vec<String>,
    pub parts: Vec<PartView>,
    /// How the corner points were read and what the check notes (conversions, declared areas, an
    /// extended zone); `(text, warning)`.
    pub boundary_notes: Vec<(String, bool)>,
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

/// One finding of the mine, as its page lists it.
pub struct FindingLine {
    pub id: orewatch_domain::FindingId,
    pub category: String,
    pub agency: String,
    pub deadline: String,
    pub state: String,
    pub state_class: &'static str,
    pub overdue: bool,
    pub listed: bool,
}

/// One inspection record at the mine.
pub struct ActLine {
    pub id: orewatch_domain::ActId,
    pub date: String,
    pub agency: String,
    pub doc_no: String,
    pub state: String,
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
    /// The mine's findings and inspection records (when the caller may read the ledger).
    findings: Option<Vec<FindingLine>>,
    acts: Vec<ActLine>,
    /// The mine's penalty cases (when the caller may read cases).
    cases: Vec<crate::pages::present::CaseRow>,
    /// The enforcement measures binding the mine: kind, document, state, its case.
    measures: Vec<(String, String, String, orewatch_domain::CaseId)>,
    rectification_overdue: bool,
    may_edit: bool,
    permit_kinds: Vec<SelectOption>,
    licence_kinds: Vec<SelectOption>,
    methods: Vec<SelectOption>,
    units: Vec<SelectOption>,
    events: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    /// Which form to open: `licence`, `permit`, `status` or `event-<licence>` after a refused submission.
    open_form: String,
    form: FormData,
    errors: FormErrors,
    company_code: String,
    /// The licence form was refused for a boundary far outside the county: offer to confirm it.
    ask_outside: bool,
}

fn licence_view(ctx: &Ctx, l: &mines::LicenceView, view: &MineView) -> LicenceView {
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
    let county = &view.county;
    let context: Vec<svg::Around> = view
        .neighbours
        .iter()
        .filter_map(|&i| county.licences.get(i))
        .map(|n| svg::Around {
            shape: svg::Shape::Parcel(&n.parcel),
            label: n.licence_no.clone(),
            protected: false,
        })
        .chain(
            view.protected
                .iter()
                .filter_map(|&i| county.protected.get(i))
                .map(|p| svg::Around {
                    shape: match &p.tiled {
                        Some(tiled) => svg::Shape::Tiled(tiled),
                        None => svg::Shape::Parcel(&p.parcel),
                    },
                    label: format!("{}（{}）", p.name, label(ctx, "protected_kind", p.kind.as_str())),
                    protected: true,
                }),
        )
        .collect();
    let (drawing, around) = l
        .parcel
        .as_ref()
        .map(|parcel| svg::licence_drawing(parcel, &names, &context))
        .unwrap_or_default();
    let scale = match (r.scale, &r.scale_unit) {
        (Some(v), Some(u)) => format!("{v} {}", label(ctx, "scale_unit", u.as_str())),
        (Some(v), None) => v.to_string(),
        _ => String::new(),
    };
    LicenceView {
        id: r.id.0,
        parcel_unreadable: l.parcel.is_none(),
        number: r.licence_no.clone(),
        kind: label(ctx, "licence_kind", r.kind.as_str()),
        holder: r.holder_name.clone(),
        mineral: r.mineral.clone(),
        method: label(ctx, "method", r.method.as_str()),
        scale,
        validity: format!("{} ~ {}", r.valid_from, r.valid_to),
        state: label(ctx, "licence_state", r.state.as_str()),
        cancelled: r.state == LicenceState::Cancelled,
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
        around,
        parts,
        boundary_notes: l
            .boundary
            .iter()
            .flat_map(|b| b.notes.iter())
            .map(|n| {
                let text = match ctx.lang() {
                    crate::i18n::Lang::En => n.message_en.clone(),
                    crate::i18n::Lang::Zh => n.message_zh.clone(),
                };
                (text, n.kind == "declared_area_mismatch")
            })
            .collect(),
        events: view
            .events
            .iter()
            .filter(|e| e.licence_id == r.id)
            .map(|e| {
                (
                    e.on_date.to_string(),
                    label(ctx, "licence_event", e.kind.as_str()),
                    e.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
    }
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: MineId,
    open_form: &str,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = mines::show(&state.app, &caller, id).await?;
    let agencies: Vec<AgencyRecord> = organisation::agencies(&state.app, &caller).await?;
    let people = if caller.may(Action::ViewAudit, &Resource::Installation) {
        orewatch_app::audit_log::people(&state.app, &caller).await?
    } else {
        Default::default()
    };
    let m = &view.mine;
    let facts = vec![
        (ctx.t("mine.company").to_string(), m.company_name.clone()),
        (ctx.t("mine.township").to_string(), m.township.clone()),
        (ctx.t("mine.mineral").to_string(), m.mineral.clone()),
        (
            ctx.t("mine.method").to_string(),
            label(&ctx, "method", m.method.as_str()),
        ),
        (
            ctx.t("mine.area_agency").to_string(),
            agency_label(&ctx, &agencies, m.area_agency.as_ref().map(AgencyCode::as_str)),
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
            id: p.id.0,
            kind: label(&ctx, "permit_kind", p.kind.as_str()),
            number: p.permit_no.clone(),
            agency: agency_label(&ctx, &agencies, Some(p.agency.as_str())),
            holder: p.holder_name.clone(),
            valid_from: p.valid_from.to_string(),
            valid_to: p.valid_to.to_string(),
            status: label(&ctx, "permit_status", status.as_str()),
            status_class: status_class(*status),
            status_code: status.as_str(),
        })
        .collect();
    let ledger = if caller.may(Action::ViewLedger, &Resource::Installation) {
        Some(orewatch_app::ledger::findings::of_mine(&state.app, &caller, id).await?)
    } else {
        None
    };
    let findings = ledger.as_ref().map(|l| {
        l.findings
            .iter()
            .map(|f| {
                let r = crate::pages::present::finding_row(&ctx, &agencies, f, l.today);
                FindingLine {
                    id: f.id,
                    category: r.category,
                    agency: r.agency,
                    deadline: r.deadline,
                    state: r.state,
                    state_class: r.state_class,
                    overdue: r.overdue,
                    listed: r.listed,
                }
            })
            .collect::<Vec<_>>()
    });
    let rectification_overdue = findings.as_ref().is_some_and(|f| f.iter().any(|l| l.overdue));
    let cases = if caller.may(Action::ViewCases, &Resource::Installation) {
        let filter = orewatch_app::enforcement::cases::CaseFilter {
            mine: Some(id),
            include_closed: true,
            ..Default::default()
        };
        let today = orewatch_domain::task::local_date(state.app.now());
        orewatch_app::enforcement::cases::list(&state.app, &caller, &filter, 50, 0)
            .await?
            .rows
            .iter()
            .map(|c| crate::pages::present::case_row(&ctx, &agencies, c, today))
            .collect()
    } else {
        Vec::new()
    };
    let measures = if caller.may(Action::ViewCases, &Resource::Installation) {
        orewatch_app::enforcement::measures::binding_at_mine(&state.app, &caller, id)
            .await?
            .iter()
            .map(|m| {
                (
                    label(&ctx, "measure_kind", m.kind.as_str()),
                    m.doc_no.clone(),
                    label(&ctx, "measure_state", m.state.as_str()),
                    m.case_id,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let acts = ledger
        .as_ref()
        .map(|l| {
            l.acts
                .iter()
                .map(|a| ActLine {
                    id: a.id,
                    date: a.inspect_on.to_string(),
                    agency: agency_label(&ctx, &agencies, Some(a.agency.as_str())),
                    doc_no: a.doc_no.clone().unwrap_or_default(),
                    state: label(&ctx, "act_state", a.state.as_str()),
                })
                .collect()
        })
        .unwrap_or_default();
    // The registry's entries and the ledger's (findings, inspection records), newest first.
    let mut rows: Vec<&orewatch_domain::audit::StoredAuditRow> = view.timeline.iter().collect();
    if let Some(l) = &ledger {
        rows.extend(l.timeline.iter());
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.row.seq));
    rows.truncate(200);
    let timeline = rows
        .into_iter()
        .map(|r| TimelineEntry {
            at: ctx.stored_time(&r.row.at),
            actor: r
                .row
                .actor_account_id
                .and_then(|a| people.get(&orewatch_domain::AccountId(a)).cloned())
                .unwrap_or_else(|| r.row.actor_label.clone()),
            action: ctx.t(&r.row.action.label_key()).to_string(),
            record: format!(
                "{} #{}",
                label(&ctx, "record_type", r.row.record_type.as_str()),
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
    let page = ShowPage {
        id: id.0,
        name: m.name.clone(),
        status: label(&ctx, "mine_status", m.status.as_str()),
        status_class: mine_status_class(m.status),
        facts,
        problems,
        licences,
        permits,
        timeline,
        findings,
        acts,
        cases,
        measures,
        rectification_overdue,
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
            m.status.as_str(),
        ),
        open_form: open_form.to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        ask_outside: errors.is_some_and(|e| {
            matches!(
                e.get("boundary"),
                Some(orewatch_domain::Problem::OutsideCounty { .. })
            )
        }),
        company_code: m.company_code.clone(),
        form,
        ctx,
    };
    render_form(&page, errors.is_some())
}

pub async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<MineId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, "", FormData::default(), None).await
}

/// A licence's address leads to its mine's page.
pub async fn licence(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<LicenceId>,
) -> Result<Response, WebError> {
    let mine = mines::mine_of_licence(&state.app, &ctx.caller(), id).await?;
    Ok(see_other(&format!("/mines/{mine}#licence-{id}")))
}

pub async fn add_licence(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<MineId>,
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
        confirm_outside: form.get("confirm_outside") == "1",
    };
    match licences::create(&state.app, &ctx.caller(), id, &input).await {
        Ok((_, None)) => Ok(see_other(&format!("/mines/{id}?flash=registered"))),
        Ok((_, Some(_))) => Ok(see_other(&format!("/mines/{id}?flash=area_warning"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, "licence", form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn add_permit(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<MineId>,
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
    match permits::create(&state.app, &ctx.caller(), id, &input).await {
        Ok(_) => Ok(see_other(&format!("/mines/{id}?flash=registered"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, "permit", form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn set_status(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<MineId>,
    form: FormData,
) -> Result<Response, WebError> {
    match mines::set_status(
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

pub async fn licence_event(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(licence_id): Id<LicenceId>,
    form: FormData,
) -> Result<Response, WebError> {
    match licences::event(
        &state.app,
        &ctx.caller(),
        licence_id,
        form.get("event"),
        form.get("on_date"),
        form.get("valid_to"),
        form.get("note"),
        form.get("override_reason"),
    )
    .await
    {
        Ok(mine) => Ok(see_other(&format!("/mines/{mine}?flash=saved"))),
        Err(AppError::Invalid(errors)) => {
            let mine = mines::mine_of_licence(&state.app, &ctx.caller(), licence_id).await?;
            show_screen(
                &state,
                ctx,
                mine,
                &format!("event-{licence_id}"),
                form,
                Some(&errors),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
