//! 执法 — what the agencies do about what was found: penalty cases ([`cases`]). The enforcement
//! measures, referrals of suspected crimes and the 应移未移 flag will live here too.

pub mod cases;
