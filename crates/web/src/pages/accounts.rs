//! Account administration: list with filters, create, view, change, reset password.

use super::{
    agency_label, agency_options, render, render_form, role_options, seat_names, see_other, FormData,
    FormErrors, Params, SelectOption,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::Id;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::accounts::{self, AccountFilter, AccountUpdateInput, AccountView};
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::AppError;
use orewatch_domain::account::{AccountStatus, NewAccountInput};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AccountId, AgencyCode, FieldErrors, Role};

const PAGE_SIZE: i64 = 25;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/new", get(new_form))
        .route("/accounts/{id}", get(show).post(update))
        .route("/accounts/{id}/password", post(reset_password))
        .route("/accounts/{id}/unlock", post(unlock))
}

/// An account as a table row.
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub agency: String,
    pub status: String,
    pub active: bool,
    pub locked: bool,
    pub last_login: String,
}

fn row(ctx: &Ctx, agencies: &[AgencyRecord], v: &AccountView) -> AccountRow {
    let a = &v.account;
    AccountRow {
        id: a.id.0,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: ctx.t(a.role.label_key()).to_string(),
        agency: agency_label(ctx, agencies, a.agency.as_ref().map(AgencyCode::as_str)),
        status: ctx.t(&format!("status.{}", a.status.as_str())).to_string(),
        active: a.status == AccountStatus::Active,
        locked: v.delayed,
        last_login: v
            .last_login
            .map(|t| ctx.time(&t))
            .unwrap_or_else(|| ctx.t("accounts.never").to_string()),
    }
}

fn status_options(ctx: &Ctx, current: &str) -> Vec<SelectOption> {
    [AccountStatus::Active, AccountStatus::Disabled]
        .into_iter()
        .map(|s| SelectOption::new(s.as_str(), ctx.t(&format!("status.{}", s.as_str())), current))
        .collect()
}

async fn agencies(state: &WebState, ctx: &Ctx) -> Result<Vec<AgencyRecord>, WebError> {
    Ok(organisation::agencies(&state.app, &ctx.caller()).await?)
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    roles: Vec<SelectOption>,
    agencies: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    rows: Vec<AccountRow>,
    summary: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    may_create: bool,
    empty: String,
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let q = |key: &str| query.get(key).map(|v| v.trim().to_string()).unwrap_or_default();
    let page: i64 = q("page").parse().unwrap_or(1).clamp(1, 1_000_000);
    let filter = AccountFilter {
        text: Some(q("q"))
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(64).collect()),
        role: Role::parse(&q("role")).ok(),
        agency: AgencyCode::parse(&q("agency")).ok(),
        status: AccountStatus::parse(&q("status")),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let filtered =
        filter.text.is_some() || filter.role.is_some() || filter.agency.is_some() || filter.status.is_some();
    let caller = ctx.caller();
    let (found, total) = accounts::list(&state.app, &caller, filter).await?;
    let agencies = agencies(&state, &ctx).await?;
    let rows = found.iter().map(|a| row(&ctx, &agencies, a)).collect();
    let link = |p: i64| {
        let mut params: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| *k != "page")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("page".into(), p.to_string()));
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("/accounts?{encoded}")
    };
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let page_view = ListPage {
        q: q("q"),
        roles: role_options(&ctx, &q("role")),
        agencies: agency_options(&ctx, &agencies, &q("agency")),
        statuses: status_options(&ctx, &q("status")),
        rows,
        summary: ctx.tf(
            "accounts.summary",
            &[
                ("total", total.to_string()),
                ("page", page.to_string()),
                ("pages", pages.max(1).to_string()),
            ],
        ),
        prev_href: (page > 1).then(|| link(page - 1)),
        next_href: (page < pages).then(|| link(page + 1)),
        may_create: caller.may(Action::CreateAccount, &Resource::Installation),
        empty: ctx.empty_text(filtered).to_string(),
        ctx,
    };
    render(&page_view)
}

#[derive(Template)]
#[template(path = "account_new.html")]
struct NewPage {
    ctx: Ctx,
    username: String,
    display_name: String,
    roles: Vec<SelectOption>,
    agencies: Vec<SelectOption>,
    errors: FormErrors,
}

async fn new_screen(
    state: &WebState,
    ctx: Ctx,
    form: &FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    ctx.caller()
        .require(Action::CreateAccount, &Resource::Installation)?;
    let agencies = agencies(state, &ctx).await?;
    let page = NewPage {
        username: form.get("username").to_string(),
        display_name: form.get("display_name").to_string(),
        roles: role_options(&ctx, form.get("role")),
        agencies: agency_options(&ctx, &agencies, form.get("agency")),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn new_form(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    new_screen(&state, ctx, &FormData::default(), None).await
}

async fn create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = NewAccountInput {
        username: form.get("username"),
        display_name: form.get("display_name"),
        role: form.get("role"),
        agency: form.get("agency"),
        password: form.get("password"),
        password_again: form.get("password_again"),
    };
    match accounts::create(&state.app, &ctx.caller(), &input).await {
        Ok(id) => Ok(see_other(&format!("/accounts/{}?flash=account_created", id.0))),
        Err(AppError::Invalid(errors)) => new_screen(&state, ctx, &form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct ShowPage {
    ctx: Ctx,
    a: AccountRow,
    created_at: String,
    seats: Vec<String>,
    may_manage: bool,
    may_audit: bool,
    form_display_name: String,
    roles: Vec<SelectOption>,
    agencies: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    errors: FormErrors,
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: AccountId,
    form: Option<&FormData>,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = accounts::get(&state.app, &caller, id).await?;
    let account = &view.account;
    let agencies = agencies(state, &ctx).await?;
    let resource = Resource::Account {
        id: account.id,
        agency: account.agency.clone(),
    };
    let value = |field: &str, stored: String| form.map(|d| d.get(field).to_string()).unwrap_or(stored);
    let seat_names = seat_names(&ctx, &agencies, &view.seats);
    let page = ShowPage {
        a: row(&ctx, &agencies, &view),
        created_at: ctx.time(&account.created_at),
        seats: seat_names,
        may_manage: caller.may(Action::ManageAccount, &resource),
        may_audit: caller.may(Action::ViewAudit, &Resource::Installation),
        form_display_name: value("display_name", account.display_name.clone()),
        roles: role_options(&ctx, &value("role", account.role.as_str().to_string())),
        agencies: agency_options(
            &ctx,
            &agencies,
            &value(
                "agency",
                account
                    .agency
                    .as_ref()
                    .map(|a| a.as_str().to_string())
                    .unwrap_or_default(),
            ),
        ),
        statuses: status_options(&ctx, &value("status", account.status.as_str().to_string())),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AccountId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, None, None).await
}

async fn update(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AccountId>,
    form: FormData,
) -> Result<Response, WebError> {
    let input = AccountUpdateInput {
        display_name: form.get("display_name"),
        role: form.get("role"),
        agency: form.get("agency"),
        status: form.get("status"),
    };
    match accounts::update(&state.app, &ctx.caller(), id, &input).await {
        Ok(()) => Ok(see_other(&format!("/accounts/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, Some(&form), Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn reset_password(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AccountId>,
    form: FormData,
) -> Result<Response, WebError> {
    match accounts::reset_password(
        &state.app,
        &ctx.caller(),
        id,
        form.get("password"),
        form.get("password_again"),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/accounts/{id}?flash=password_reset"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, None, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

/// Lifts every wait of an account's failed logins (the office, when a person is locked out).
async fn unlock(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AccountId>,
) -> Result<Response, WebError> {
    orewatch_app::auth::unlock(&state.app, &ctx.caller(), id).await?;
    Ok(see_other(&format!("/accounts/{id}?flash=unlocked")))
}
