//! 检查 — one agency's act: the head's approval with its officers, the on-site checklist with photos
//! drawn on the mine, signing, problems onto the ledger, and the printable 现场检查笔录.

use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::checked;
use crate::pages::labels::label;
use crate::pages::{render, render_form, see_other, FormData, FormErrors, SelectOption};
use crate::pages::{Id, IdAnd};
use crate::svg;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::inspections::acts::ActStep;
use orewatch_app::inspections::acts::{self, Act, FillInput, PhotoUpload, ProblemInput};
use orewatch_app::registry::mines as mine_cases;
use orewatch_app::AppError;
use orewatch_domain::inspection::ActFlow;
use orewatch_domain::inspection::{ActKind, ItemResult};
use orewatch_domain::{ActId, ActItemId, FieldErrors, PhotoId};
use strum::IntoEnumIterator;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/acts/{id}", get(act_show))
        .route("/acts/{id}/print", get(act_print))
        .route("/acts/{id}/{step}", post(act_step))
        .route(
            "/acts/{id}/photos",
            post(act_photo).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/acts/{id}/photos/{photo}", get(photo_download))
}

pub struct ItemLine {
    pub id: ActItemId,
    pub seq: i64,
    pub text: String,
    pub result_label: String,
    pub note: String,
    pub finding: Option<orewatch_domain::FindingId>,
    pub is_problem: bool,
    pub options: Vec<SelectOption>,
}

pub struct PhotoLine {
    /// The stored photo's id, for its link.
    pub id: String,
    pub n: usize,
    pub name: String,
    pub item: String,
    pub taken: String,
    pub position: String,
    pub by: String,
}

pub struct OfficerBox {
    pub account: i64,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "act.html")]
struct ActPage {
    ctx: Ctx,
    a: Act,
    agency: String,
    state: String,
    state_class: &'static str,
    kind: String,
    officers: String,
    items: Vec<ItemLine>,
    photos: Vec<PhotoLine>,
    drawing: String,
    register: Vec<OfficerBox>,
    kinds: Vec<SelectOption>,
    severities: Vec<SelectOption>,
    may_approve: bool,
    may_fill: bool,
    filling: bool,
    printable: bool,
    may_finding: bool,
    item_options: Vec<SelectOption>,
    form: FormData,
    errors: FormErrors,
}

/// The mine's first licence drawn with the numbered photo positions on it; photos without a position,
/// or too far from the licence to share its drawing, are listed without a mark.
async fn drawing_with_photos(
    state: &WebState,
    ctx: &Ctx,
    act: &Act,
) -> Result<(String, Vec<Option<usize>>), WebError> {
    let view = mine_cases::show(&state.app, &ctx.caller(), act.mine_id).await?;
    let Some(parcel) = view.licences.iter().find_map(|l| l.parcel.as_ref()) else {
        return Ok((String::new(), vec![None; act.photos.len()]));
    };
    let mut marks = Vec::new();
    let mut numbers = Vec::new();
    for (i, p) in act.photos.iter().enumerate() {
        let placed = match (p.lat, p.lon) {
            (Some(lat), Some(lon)) => svg::place_near(parcel, lat, lon).map(|(e, n)| {
                marks.push(svg::Mark {
                    easting: e,
                    northing: n,
                    label: (i + 1).to_string(),
                    href: format!(
                        "/acts/{}/photos/{}",
                        act.id,
                        p.id.map(|id| id.to_string()).unwrap_or_default()
                    ),
                });
                i + 1
            }),
            _ => None,
        };
        numbers.push(placed);
    }
    let (svg, _) = svg::licence_drawing_marked(parcel, &[], &[], &marks);
    Ok((svg, numbers))
}

async fn act_screen(
    state: &WebState,
    ctx: Ctx,
    id: ActId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = acts::show_act(&state.app, &caller, id).await?;
    let a = view.act;
    let may = |step: ActStep| view.open.contains(&step);
    let may_fill = may(ActStep::Fill);
    let (drawing, numbers) = drawing_with_photos(state, &ctx, &a).await?;
    let items = a
        .items
        .iter()
        .map(|i| {
            let current = match form.get(&format!("result_{}", i.id)) {
                "" => i.result.map(ItemResult::as_str).unwrap_or("").to_string(),
                typed => typed.to_string(),
            };
            let note = match form.0.get(&format!("note_{}", i.id)) {
                Some(typed) => typed.clone(),
                None => i.note.clone().unwrap_or_default(),
            };
            ItemLine {
                id: i.id,
                seq: i.seq,
                text: i.text.clone(),
                result_label: i
                    .result
                    .map(|r| label(&ctx, "item_result", r.as_str()))
                    .unwrap_or_default(),
                is_problem: i.result == Some(ItemResult::Problem),
                options: std::iter::once(SelectOption::new("", "—", &current))
                    .chain(ItemResult::iter().map(|r| {
                        SelectOption::new(r.as_str(), label(&ctx, "item_result", r.as_str()), &current)
                    }))
                    .collect(),
                note,
                finding: i.finding_id,
            }
        })
        .collect();
    let photos = a
        .photos
        .iter()
        .zip(numbers)
        .enumerate()
        .map(|(i, (p, mark))| PhotoLine {
            id: p.id.map(|id| id.to_string()).unwrap_or_default(),
            n: i + 1,
            name: p.file_name.clone(),
            item: p
                .item_id
                .and_then(|item| a.items.iter().find(|x| x.id == item))
                .map(|x| ctx.tf("act.item_n", &[("n", x.seq.to_string())]))
                .unwrap_or_default(),
            taken: p
                .taken_at
                .clone()
                .unwrap_or_else(|| ctx.t("act.time_unknown").to_string()),
            position: match (p.lat, p.lon, p.exif.as_str()) {
                (Some(lat), Some(lon), _) => format!(
                    "{lat:.6}, {lon:.6}{}",
                    if mark.is_some() { "" } else { ctx.t("act.far_away") }
                ),
                (_, _, "broken") => ctx.t("act.exif_broken").to_string(),
                _ => ctx.t("act.position_unknown").to_string(),
            },
            by: format!("{} · {}", ctx.time(&p.added_at), p.added_by_label),
        })
        .collect();
    let kind = if form.get("kind").is_empty() {
        a.kind.as_str()
    } else {
        form.get("kind")
    };
    let item_options = std::iter::once(SelectOption::new("", "—", form.get("item")))
        .chain(a.items.iter().map(|i| {
            let n = ctx.tf("act.item_n", &[("n", i.seq.to_string())]);
            SelectOption::new(i.id.to_string(), n, form.get("item"))
        }))
        .collect();
    let page = ActPage {
        agency: view.agency_name,
        state: label(&ctx, "act_state", a.state.as_str()),
        state_class: crate::pages::state_class::<ActFlow>(a.state),
        kind: label(&ctx, "act_kind", a.kind.as_str()),
        officers: a
            .officers
            .iter()
            .map(|o| format!("{}（执法证号 {}）", o.name, o.card_no))
            .collect::<Vec<_>>()
            .join("、"),
        items,
        photos,
        drawing,
        register: view
            .register
            .iter()
            .map(|c| OfficerBox {
                account: c.account_id.0,
                label: format!("{}（{}，有效期至 {}）", c.holder, c.card_no, c.valid_until),
                checked: !form.get(&format!("officer_{}", c.account_id.0)).is_empty(),
            })
            .collect(),
        kinds: ActKind::iter()
            .map(|k| SelectOption::new(k.as_str(), label(&ctx, "act_kind", k.as_str()), kind))
            .collect(),
        severities: orewatch_domain::finding::Severity::iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "severity", s.as_str()),
                    form.get("severity"),
                )
            })
            .collect(),
        may_approve: may(ActStep::Approve),
        may_finding: may(ActStep::ToFinding)
            && a.items
                .iter()
                .any(|i| i.result == Some(ItemResult::Problem) && i.finding_id.is_none()),
        may_fill,
        // Being filled in by its officers: the others are told so.
        filling: a.approved_at.is_some() && a.signed_at.is_none(),
        printable: a.signed_at.is_some(),
        item_options,
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        a,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn act_show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ActId>,
) -> Result<Response, WebError> {
    act_screen(&state, ctx, id, FormData::default(), None).await
}

async fn act_step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<ActId>,
    form: FormData,
) -> Result<Response, WebError> {
    let app = &state.app;
    let caller = ctx.caller();
    let result = match step.as_str() {
        "approve" => acts::approve(app, &caller, id, form.get("kind"), &checked(&form, "officer_"))
            .await
            .map(|_| ()),
        "fill" | "sign" => {
            let mut answers = Vec::new();
            for (key, value) in &form.0 {
                if let Some(item) = key
                    .strip_prefix("result_")
                    .and_then(|i| i.parse::<i64>().ok())
                    .map(ActItemId)
                {
                    answers.push((item, value.as_str(), form.get(&format!("note_{item}"))));
                }
            }
            answers.sort_by_key(|a| a.0);
            let input = FillInput {
                place: form.get("place"),
                person_on_site: form.get("person_on_site"),
                started_at: form.get("started_at"),
                ended_at: form.get("ended_at"),
                summary: form.get("summary"),
                answers,
            };
            match acts::fill(app, &caller, id, &input).await {
                Ok(()) if step == "sign" => acts::sign(app, &caller, id).await,
                other => other,
            }
        }
        "finding" => match form.get("item").parse::<i64>().map(ActItemId) {
            Ok(item) => acts::to_finding(
                app,
                &caller,
                id,
                item,
                &ProblemInput {
                    severity: form.get("severity"),
                    deadline_on: form.get("deadline_on"),
                    legal_basis: form.get("legal_basis"),
                    measures: form.get("measures"),
                },
            )
            .await
            .map(|_| ()),
            Err(_) => Err(AppError::invalid("item", orewatch_domain::Problem::Invalid)),
        },
        _ => return Err(crate::pages::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/acts/{id}?flash=saved"))),
        Err(AppError::Invalid(e)) => act_screen(&state, ctx, id, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

async fn act_photo(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ActId>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let parts = crate::upload::read(&headers, body).await;
    let item = parts
        .iter()
        .find(|p| p.name == "item")
        .and_then(|p| String::from_utf8_lossy(&p.data).trim().parse::<i64>().ok())
        .map(ActItemId);
    let file = parts.iter().find(|p| p.name == "photo");
    let upload = PhotoUpload {
        name: file.and_then(|p| p.file_name.as_deref()).unwrap_or(""),
        bytes: file.map_or(&[][..], |p| &p.data[..]),
        item,
    };
    match acts::add_photo(&state.app, &ctx.caller(), id, &upload).await {
        Ok(_) => Ok(see_other(&format!("/acts/{id}?flash=saved"))),
        Err(AppError::Invalid(e)) => act_screen(&state, ctx, id, FormData::default(), Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

async fn photo_download(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, photo): IdAnd<ActId>,
) -> Result<Response, WebError> {
    let photo_id = crate::pages::id(&photo, PhotoId::parse)?;
    let (photo, bytes) = acts::photo(&state.app, &ctx.caller(), id, photo_id).await?;
    Ok(crate::pages::file_download(
        &photo.file_name,
        &photo.content_type,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "act_print.html")]
struct ActPrintPage {
    ctx: Ctx,
    a: Act,
    agency: String,
    kind: String,
    problems: Vec<(i64, String, String)>,
}

async fn act_print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ActId>,
) -> Result<Response, WebError> {
    let view = acts::show_act(&state.app, &ctx.caller(), id).await?;
    let a = view.act;
    let page = ActPrintPage {
        agency: view.agency_name,
        kind: label(&ctx, "act_kind", a.kind.as_str()),
        problems: a
            .items
            .iter()
            .filter(|i| i.result == Some(ItemResult::Problem))
            .map(|i| (i.seq, i.text.clone(), i.note.clone().unwrap_or_default()))
            .collect(),
        a,
        ctx,
    };
    render(&page)
}
