//! 双随机: the mines' risk grades and the stored draws (seed, inputs and result as canonical JSON).
//!
//! No rule lives here: what is drawn, and who may see a drawn list when, are decided in `domain::draw`.

use crate::bound::{Key, Value, DRAW, RISK_GRADE};
use crate::{get, get_time, Conn, Result, StorageError, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::draw::{DrawInput, DrawResult, RiskGrade};
use orewatch_domain::{DrawId, MineId};

/// A mine's risk grade as set by the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub mine_id: MineId,
    pub grade: RiskGrade,
    pub reason: Option<String>,
    pub set_by_label: String,
    pub set_at: DateTime<Utc>,
}

/// Every graded mine's grade.
pub async fn grades(conn: &mut Conn) -> Result<Vec<Grade>> {
    let rows =
        sqlx::query("SELECT mine_id, grade, reason, set_by_label, set_at FROM risk_grade ORDER BY mine_id")
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            let grade: String = get(r, "grade")?;
            Ok(Grade {
                mine_id: MineId(get(r, "mine_id")?),
                grade: RiskGrade::parse(&grade)
                    .map_err(|_| StorageError::Corrupt(format!("risk_grade.grade {grade}")))?,
                reason: get(r, "reason")?,
                set_by_label: get(r, "set_by_label")?,
                set_at: get_time(r, "set_at")?,
            })
        })
        .collect()
}

/// Sets a mine's grade (inserting its row the first time).
pub async fn set_grade(
    tx: &mut WriteTx,
    mine: MineId,
    grade: RiskGrade,
    reason: Option<&str>,
    by_label: &str,
    exists: bool,
) -> Result<()> {
    let now = format_timestamp(tx.now());
    let cols: [(&str, Value); 4] = [
        ("grade", grade.as_str().into()),
        ("reason", reason.into()),
        ("set_by_label", by_label.into()),
        ("set_at", now.into()),
    ];
    if exists {
        tx.update(&RISK_GRADE, &Key::Int(mine.0), &cols).await?;
    } else {
        let mut all = vec![("mine_id", mine.0.into())];
        all.extend(cols);
        tx.insert(&RISK_GRADE, &all).await?;
    }
    Ok(())
}

/// A stored draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    pub id: DrawId,
    pub inspection_id: orewatch_domain::InspectionId,
    pub algorithm: String,
    pub seed: u64,
    pub input: DrawInput,
    pub result: DrawResult,
    pub drawn_by_label: String,
    pub drawn_at: DateTime<Utc>,
}

/// Stores a draw with the joint inspection it created; returns its id.
pub async fn insert_draw(
    tx: &mut WriteTx,
    inspection_id: orewatch_domain::InspectionId,
    algorithm: &str,
    input: &DrawInput,
    result: &DrawResult,
    by_label: &str,
) -> Result<DrawId> {
    let now = format_timestamp(tx.now());
    let corrupt = |e: serde_json::Error| StorageError::Corrupt(format!("draw json: {e}"));
    // Canonical JSON: serde_json writes struct fields in their declared order.
    let input_json = serde_json::to_string(input).map_err(corrupt)?;
    let result_json = serde_json::to_string(result).map_err(corrupt)?;
    let key = tx
        .insert(
            &DRAW,
            &[
                ("inspection_id", inspection_id.0.into()),
                ("algorithm", algorithm.into()),
                ("seed", input.seed.to_string().into()),
                ("input_json", input_json.into()),
                ("result_json", result_json.into()),
                ("drawn_by_label", by_label.into()),
                ("drawn_at", now.into()),
            ],
        )
        .await?;
    key.id(DrawId)
}

/// The draw that created a joint inspection, if it was drawn.
pub async fn draw_of(conn: &mut Conn, inspection_id: orewatch_domain::InspectionId) -> Result<Option<Draw>> {
    let row = sqlx::query(
        "SELECT draw_id, inspection_id, algorithm, seed, input_json, result_json, drawn_by_label, drawn_at \
         FROM inspection_draw WHERE inspection_id = $1",
    )
    .bind(inspection_id.0)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let corrupt = |what: &str| StorageError::Corrupt(format!("inspection_draw.{what}"));
    let seed: String = get(&r, "seed")?;
    let input: String = get(&r, "input_json")?;
    let result: String = get(&r, "result_json")?;
    Ok(Some(Draw {
        id: DrawId(get(&r, "draw_id")?),
        inspection_id: orewatch_domain::InspectionId(get(&r, "inspection_id")?),
        algorithm: get(&r, "algorithm")?,
        seed: seed.parse().map_err(|_| corrupt("seed"))?,
        input: serde_json::from_str(&input).map_err(|_| corrupt("input_json"))?,
        result: serde_json::from_str(&result).map_err(|_| corrupt("result_json"))?,
        drawn_by_label: get(&r, "drawn_by_label")?,
        drawn_at: get_time(&r, "drawn_at")?,
    }))
}
