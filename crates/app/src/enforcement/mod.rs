//! 执法 — what the agencies do about what was found: penalty cases ([`cases`]), the enforcement ladder on
//! them ([`measures`]), referrals of suspected crimes ([`referrals`], with their [`package`]), the
//! 应移未移 flags ([`flags`]) and the procuratorate's opinions coming in ([`opinions`]).

pub mod cases;
pub mod flags;
pub mod measures;
pub mod opinions;
pub mod package;
pub mod referrals;
