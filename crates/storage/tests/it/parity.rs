//! Both backends' migrations give the same schema: the same tables, columns (with nullability),
//! named constraints and indexes. (On SQLite the working-state tables live in the attached `ops` file.)

use orewatch_testkit::{postgres, sqlite};
use std::collections::BTreeSet;

#[derive(Debug, Default, PartialEq)]
struct Schema {
    tables: BTreeSet<String>,
    /// table.column (NOT NULL marked "!").
    columns: BTreeSet<String>,
    constraints: BTreeSet<String>,
    indexes: BTreeSet<String>,
}

fn constraint_names(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find("CONSTRAINT ") {
        rest = &rest[i + "CONSTRAINT ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        out.push(name);
    }
    out
}

async fn sqlite_schema(db: &orewatch_storage::Db) -> Schema {
    let mut schema = Schema::default();
    for db_name in ["main", "ops"] {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "SELECT type, name, tbl_name, sql FROM {db_name}.sqlite_master WHERE name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '_sqlx%'"
        ))
        .fetch_all(db.pool())
        .await
        .unwrap();
        for (kind, name, table, sql) in rows {
            match kind.as_str() {
                "table" => {
                    schema.tables.insert(name.clone());
                    let sql = sql.unwrap_or_default();
                    for c in constraint_names(&sql) {
                        schema.constraints.insert(format!("{name}.{c}"));
                    }
                    let cols: Vec<(String, i64)> = sqlx::query_as(&format!(
                        "SELECT name, \"notnull\" FROM pragma_table_info('{name}', '{db_name}')"
                    ))
                    .fetch_all(db.pool())
                    .await
                    .unwrap();
                    for (col, notnull) in cols {
                        let mark = if notnull == 1 { "!" } else { "" };
                        schema.columns.insert(format!("{name}.{col}{mark}"));
                    }
                }
                "index" if sql.is_some() => {
                    schema
                        .indexes
                        .insert(format!("{}.{name}", table.unwrap_or_default()));
                }
                _ => {}
            }
        }
    }
    schema
}

async fn postgres_schema(db: &orewatch_storage::Db) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    for (t,) in tables {
        schema.tables.insert(t);
    }
    let cols: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    for (t, c, nullable) in cols {
        let mark = if nullable == "NO" { "!" } else { "" };
        schema.columns.insert(format!("{t}.{c}{mark}"));
    }
    let constraints: Vec<(String, String)> = sqlx::query_as(
        "SELECT cl.relname::text, co.conname::text FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = current_schema() AND co.contype <> 'n' \
         AND cl.relname NOT LIKE '_sqlx%'",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    for (t, c) in &constraints {
        schema.constraints.insert(format!("{t}.{c}"));
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
         AND tablename NOT LIKE '_sqlx%'",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    for (t, i) in indexes {
        // Primary keys and unique constraints are indexes in PostgreSQL; SQLite keeps them implicit.
        if !constraints.iter().any(|(ct, c)| *ct == t && *c == i) {
            schema.indexes.insert(format!("{t}.{i}"));
        }
    }
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_schema() {
    let lite = sqlite().await;
    let Some(pg) = postgres().await else { return };
    let a = sqlite_schema(&lite.db).await;
    let b = postgres_schema(&pg.db).await;
    assert!(a.tables.len() > 20, "{:?}", a.tables);
    let diff = |x: &BTreeSet<String>, y: &BTreeSet<String>| -> Vec<String> {
        x.symmetric_difference(y).cloned().collect()
    };
    assert_eq!(diff(&a.tables, &b.tables), Vec::<String>::new(), "tables");
    assert_eq!(
        diff(&a.columns, &b.columns),
        Vec::<String>::new(),
        "columns (! = NOT NULL)"
    );
    assert_eq!(
        diff(&a.constraints, &b.constraints),
        Vec::<String>::new(),
        "named constraints"
    );
    assert_eq!(diff(&a.indexes, &b.indexes), Vec::<String>::new(), "indexes");
    lite.finish().await;
    pg.finish().await;
}
