//! 执法 — what the agencies do about what was found: penalty cases ([`cases`]) and the enforcement ladder on
//! them ([`measures`]). Referrals of suspected crimes and the 应移未移 flag will live here too.

pub mod cases;
pub mod measures;
