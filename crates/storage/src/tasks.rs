//! 待办 — tasks (records of who must act by when), the inbox query, what the sweep reads, and the
//! sweep's lease.
//!
//! The rules are in `domain::task`: which tasks reach an inbox ([`orewatch_domain::task::reach`]) is
//! turned into a filter here, and the sweep's next step is computed there and written here. The lease
//! is working state (an operational write): which `serve` process sweeps now.

use crate::bound::{Key, Value, TASK};
use crate::write::Operational;
use crate::{get, get_code, get_opt_code, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
pub use orewatch_domain::task::Outcome;
use orewatch_domain::task::{Assignee, Level, Reach, Task, TaskKind};
use orewatch_domain::task_title::TaskTitle;
use orewatch_domain::{AccountId, AgencyCode, MineId, RecordType, Role, TaskId};

/// A task to create.
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub task: &'a Task,
    pub record: (RecordType, String),
    pub mine_id: Option<MineId>,
    pub title: &'a TaskTitle,
    pub next_step_at: Option<DateTime<Utc>>,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub id: TaskId,
    pub task: Task,
    pub record_type: RecordType,
    pub record_id: String,
    pub mine_id: Option<MineId>,
    pub mine_name: Option<String>,
    pub title: TaskTitle,
    pub next_step_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

fn assignee_columns(assignee: &Assignee) -> [(&'static str, Value); 3] {
    match assignee {
        Assignee::Account(id) => [
            ("assignee_kind", "account".into()),
            ("assignee_account_id", id.0.into()),
            ("assignee_role", Value::Null),
        ],
        Assignee::Agency { role, .. } => [
            ("assignee_kind", "agency".into()),
            ("assignee_account_id", Value::Null),
            ("assignee_role", role.map(Role::as_str).into()),
        ],
        Assignee::Office => [
            ("assignee_kind", "office".into()),
            ("assignee_account_id", Value::Null),
            ("assignee_role", Value::Null),
        ],
        Assignee::Role(role) => [
            ("assignee_kind", "role".into()),
            ("assignee_account_id", Value::Null),
            ("assignee_role", role.as_str().into()),
        ],
    }
}

/// Creates a task (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, new: &NewTask<'_>) -> Result<TaskId> {
    let now = format_timestamp(tx.now());
    let task = new.task;
    let [kind, account, role] = assignee_columns(&task.assignee);
    let agency = match &task.assignee {
        Assignee::Agency { agency, .. } => Some(agency),
        _ => task.agency.as_ref(),
    };
    let key = tx
        .insert(
            &TASK,
            &[
                ("kind", task.kind.as_str().into()),
                ("record_type", new.record.0.as_str().into()),
                ("record_id", new.record.1.as_str().into()),
                ("mine_id", new.mine_id.map(|m| m.0).into()),
                ("title", crate::encoded("task title", new.title.encode())?.into()),
                kind,
                account,
                role,
                ("agency_code", agency.map(AgencyCode::as_str).into()),
                ("due_at", format_timestamp(task.due_at).into()),
                ("level", task.level.as_i64().into()),
                ("next_step_at", new.next_step_at.map(format_timestamp).into()),
                ("escalated_at", Value::Null),
                ("created_at", now.into()),
                ("closed_at", Value::Null),
                ("closed_by_label", Value::Null),
                ("outcome", Value::Null),
            ],
        )
        .await?;
    key.id(TaskId)
}

/// Closes an open task (the caller audits it); 0 if it was closed already.
pub async fn close(tx: &mut WriteTx, id: TaskId, by_label: &str, outcome: Outcome) -> Result<u64> {
    let open: Option<i64> =
        sqlx::query_scalar("SELECT task_id FROM task WHERE task_id = $1 AND closed_at IS NULL")
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?;
    if open.is_none() {
        return Ok(0);
    }
    let now = format_timestamp(tx.now());
    tx.update(
        &TASK,
        &Key::from(id),
        &[
            ("closed_at", now.into()),
            ("closed_by_label", by_label.into()),
            ("outcome", outcome.as_str().into()),
            ("next_step_at", Value::Null),
        ],
    )
    .await
}

/// Moves an open task's deadline (an extension, a supervision deadline): back to the level it has at
/// the new time, with its next step.
pub async fn reschedule(
    tx: &mut WriteTx,
    id: TaskId,
    due_at: DateTime<Utc>,
    level: Level,
    next_step_at: Option<DateTime<Utc>>,
) -> Result<u64> {
    tx.update(
        &TASK,
        &Key::from(id),
        &[
            ("due_at", format_timestamp(due_at).into()),
            ("level", level.as_i64().into()),
            ("next_step_at", next_step_at.map(format_timestamp).into()),
        ],
    )
    .await
}

/// Raises an open task to `level` — only if it is below it, so two sweeps cannot raise the same step
/// twice; returns 1 when this call raised it.
pub async fn escalate(
    tx: &mut WriteTx,
    id: TaskId,
    level: Level,
    next_step_at: Option<DateTime<Utc>>,
) -> Result<u64> {
    let below: Option<i64> = sqlx::query_scalar(
        "SELECT task_id FROM task WHERE task_id = $1 AND closed_at IS NULL AND level < $2",
    )
    .bind(id.0)
    .bind(level.as_i64())
    .fetch_optional(&mut **tx)
    .await?;
    if below.is_none() {
        return Ok(0);
    }
    let now = format_timestamp(tx.now());
    tx.update(
        &TASK,
        &Key::from(id),
        &[
            ("level", level.as_i64().into()),
            ("next_step_at", next_step_at.map(format_timestamp).into()),
            ("escalated_at", now.into()),
        ],
    )
    .await
}

const SELECT: &str = "SELECT t.task_id, t.kind, t.record_type, t.record_id, t.mine_id, m.name AS mine_name, \
    t.title, t.assignee_kind, t.assignee_account_id, t.assignee_role, t.agency_code, t.due_at, t.level, \
    t.next_step_at, t.escalated_at, t.created_at, t.closed_at FROM task t LEFT JOIN mine m ON m.mine_id = t.mine_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<TaskRow> {
    let kind: String = get(r, "assignee_kind")?;
    let agency = get_opt_code(r, "agency_code", AgencyCode::parse)?;
    let role = get_opt_code(r, "assignee_role", Role::parse)?;
    let corrupt = || crate::StorageError::Corrupt(format!("task.assignee_kind: “{kind}”"));
    let assignee = match kind.as_str() {
        "account" => Assignee::Account(AccountId(
            get::<Option<i64>>(r, "assignee_account_id")?.ok_or_else(corrupt)?,
        )),
        "agency" => Assignee::Agency {
            agency: agency.clone().ok_or_else(corrupt)?,
            role,
        },
        "office" => Assignee::Office,
        "role" => Assignee::Role(role.ok_or_else(corrupt)?),
        _ => return Err(corrupt()),
    };
    let level: i64 = get(r, "level")?;
    Ok(TaskRow {
        id: TaskId(get(r, "task_id")?),
        task: Task {
            kind: get_code(r, "kind", TaskKind::parse)?,
            assignee,
            agency,
            due_at: get_time(r, "due_at")?,
            level: Level::from_i64(level)
                .ok_or_else(|| crate::StorageError::Corrupt(format!("task.level: {level}")))?,
        },
        record_type: get_code(r, "record_type", RecordType::parse)?,
        record_id: get(r, "record_id")?,
        mine_id: get::<Option<i64>>(r, "mine_id")?.map(MineId),
        mine_name: get(r, "mine_name")?,
        title: TaskTitle::decode(&get::<String>(r, "title")?),
        next_step_at: get_opt_time(r, "next_step_at")?,
        escalated_at: get_opt_time(r, "escalated_at")?,
        created_at: get_time(r, "created_at")?,
        closed_at: get_opt_time(r, "closed_at")?,
    })
}

pub async fn find(conn: &mut Conn, id: TaskId) -> Result<Option<TaskRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.task_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The open tasks about a record, of one kind or of every kind.
pub async fn open_for(
    conn: &mut Conn,
    record: RecordType,
    record_id: &str,
    kind: Option<TaskKind>,
) -> Result<Vec<TaskRow>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE t.record_type = $1 AND t.record_id = $2 AND t.closed_at IS NULL \
         AND ($3 = '' OR t.kind = $3) ORDER BY t.task_id"
    ))
    .bind(record.as_str().to_string())
    .bind(record_id.to_string())
    .bind(kind.map(TaskKind::as_str).unwrap_or("").to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many tasks are open.
pub async fn open_count(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM task WHERE closed_at IS NULL")
            .fetch_one(conn)
            .await?,
    )
}

/// Open tasks whose next step has come, oldest first.
pub async fn due_for_sweep(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> Result<Vec<TaskRow>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE t.next_step_at <= $1 AND t.closed_at IS NULL ORDER BY t.next_step_at, t.task_id LIMIT $2"
    ))
    .bind(format_timestamp(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The SQL condition for one way a task reaches an inbox.
fn reach_condition(reach: &Reach, binds: &mut Vec<Value>) -> String {
    let mut push = |v: Value| {
        binds.push(v);
        format!("${}", binds.len())
    };
    match reach {
        Reach::Account(id) => {
            let p = push(id.0.into());
            format!("(t.assignee_kind = 'account' AND t.assignee_account_id = {p})")
        }
        Reach::Agency { agency, role } => {
            let a = push(agency.as_str().into());
            let r = push(role.as_str().into());
            format!(
                "(t.assignee_kind = 'agency' AND t.agency_code = {a} AND \
                 (t.assignee_role IS NULL OR t.assignee_role = {r}))"
            )
        }
        Reach::Office => "(t.assignee_kind = 'office')".to_string(),
        Reach::Role(role) => {
            let r = push(role.as_str().into());
            format!("(t.assignee_kind = 'role' AND t.assignee_role = {r})")
        }
        Reach::EscalatedInAgency { agency, level } => {
            let a = push(agency.as_str().into());
            let l = push(level.as_i64().into());
            format!("(t.agency_code = {a} AND t.level >= {l})")
        }
        Reach::EscalatedAnywhere { level } => {
            let l = push(level.as_i64().into());
            format!("(t.level >= {l})")
        }
    }
}

/// Which part of an inbox to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InboxPart {
    /// Everything that reaches the inbox.
    #[default]
    All,
    /// Assigned to this person.
    Mine,
    /// Past due.
    Overdue,
    /// Due from now until `week_end`.
    DueThisWeek,
}

/// The counts shown in the navigation and at the top of the inbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxCounts {
    pub all: i64,
    pub mine: i64,
    pub overdue: i64,
    pub this_week: i64,
}

fn inbox_where(reach: &[Reach], binds: &mut Vec<Value>) -> Option<String> {
    if reach.is_empty() {
        return None;
    }
    let ors: Vec<String> = reach.iter().map(|r| reach_condition(r, binds)).collect();
    Some(format!("t.closed_at IS NULL AND ({})", ors.join(" OR ")))
}

/// The open tasks that reach an inbox, most urgent first.
///
/// One branch per way of reaching the inbox, each reading at most `limit` tasks in due order from its
/// own index, then merged: an agency with thousands of open tasks costs a hundred index entries per
/// branch, not a sort of all of them.
pub async fn inbox(
    conn: &mut Conn,
    reach: &[Reach],
    part: InboxPart,
    me: Option<AccountId>,
    now: DateTime<Utc>,
    week_end: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<TaskRow>> {
    if reach.is_empty() {
        return Ok(Vec::new());
    }
    let mut binds: Vec<Value> = Vec::new();
    let mut branches = Vec::with_capacity(reach.len());
    for r in reach {
        let mut clause = format!("t.closed_at IS NULL AND {}", reach_condition(r, &mut binds));
        let push = |v: Value, binds: &mut Vec<Value>| {
            binds.push(v);
            format!("${}", binds.len())
        };
        match part {
            InboxPart::All => {}
            InboxPart::Mine => {
                let p = push(me.map_or(0, |m| m.0).into(), &mut binds);
                clause.push_str(&format!(
                    " AND t.assignee_kind = 'account' AND t.assignee_account_id = {p}"
                ));
            }
            InboxPart::Overdue => {
                let p = push(format_timestamp(now).into(), &mut binds);
                clause.push_str(&format!(" AND t.due_at <= {p}"));
            }
            InboxPart::DueThisWeek => {
                let a = push(format_timestamp(now).into(), &mut binds);
                let b = push(format_timestamp(week_end).into(), &mut binds);
                clause.push_str(&format!(" AND t.due_at > {a} AND t.due_at <= {b}"));
            }
        }
        let l = push(limit.into(), &mut binds);
        branches.push(format!(
            "SELECT * FROM (SELECT t.task_id FROM task t WHERE {clause} ORDER BY t.due_at, t.task_id LIMIT {l}) b"
        ));
    }
    binds.push(limit.into());
    let sql = format!(
        "{SELECT} WHERE t.task_id IN ({}) ORDER BY t.due_at, t.task_id LIMIT ${}",
        branches.join(" UNION "),
        binds.len()
    );
    let rows = crate::bound::bind_values(sqlx::query(&sql), &binds)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The inbox's counts, in one query.
pub async fn inbox_counts(
    conn: &mut Conn,
    reach: &[Reach],
    me: Option<AccountId>,
    now: DateTime<Utc>,
    week_end: DateTime<Utc>,
) -> Result<InboxCounts> {
    let mut binds = Vec::new();
    let Some(clause) = inbox_where(reach, &mut binds) else {
        return Ok(InboxCounts::default());
    };
    let n = binds.len();
    let sql = format!(
        "SELECT COUNT(*) AS all_n, \
         COALESCE(SUM(CASE WHEN t.assignee_kind = 'account' AND t.assignee_account_id = ${} THEN 1 ELSE 0 END), 0) AS mine_n, \
         COALESCE(SUM(CASE WHEN t.due_at <= ${} THEN 1 ELSE 0 END), 0) AS overdue_n, \
         COALESCE(SUM(CASE WHEN t.due_at > ${} AND t.due_at <= ${} THEN 1 ELSE 0 END), 0) AS week_n \
         FROM task t WHERE {clause}",
        n + 1,
        n + 2,
        n + 2,
        n + 3
    );
    binds.push(me.map_or(0, |m| m.0).into());
    binds.push(format_timestamp(now).into());
    binds.push(format_timestamp(week_end).into());
    let row = crate::bound::bind_values(sqlx::query(&sql), &binds)
        .fetch_one(conn)
        .await?;
    Ok(InboxCounts {
        all: get(&row, "all_n")?,
        mine: get(&row, "mine_n")?,
        overdue: get(&row, "overdue_n")?,
        this_week: get(&row, "week_n")?,
    })
}

/// Takes or renews the sweep's lease for `holder` until `until`; true when this holder has it now.
/// Another holder's lease is taken over only once it has expired.
pub async fn take_lease(
    tx: &mut impl Operational,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE sweep_lease SET holder = $1, expires_at = $2 \
         WHERE name = $3 AND (holder = $1 OR holder IS NULL OR expires_at <= $4)",
    )
    .bind(holder.to_string())
    .bind(format_timestamp(until))
    .bind(name.to_string())
    .bind(format_timestamp(now))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Gives the lease up (a process shutting down), so another takes it at once.
pub async fn release_lease(tx: &mut impl Operational, name: &str, holder: &str) -> Result<()> {
    sqlx::query("UPDATE sweep_lease SET holder = NULL WHERE name = $1 AND holder = $2")
        .bind(name.to_string())
        .bind(holder.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
