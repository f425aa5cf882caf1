//! 整改台账 — the rectification ledger: findings followed from recording to verified closure
//! ([`findings`]). Joint inspections, the annual plan and the quarterly figures will live beside it.

pub mod export;
pub mod figures;
pub mod findings;
