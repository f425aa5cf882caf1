//! 保护区域与行政区划 — the layers drawn under the licences on the county map: protected areas (a mine
//! must not overlap them) and administrative boundaries (the county and its townships, for orientation).

use crate::field::Problem;
use serde::Serialize;
use strum::IntoEnumIterator;

/// A kind of protected area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum ProtectedKind {
    /// 自然保护区
    Reserve,
    /// 生态保护红线
    RedLine,
    /// 林地
    Forest,
    /// 永久基本农田
    Farmland,
    /// 湿地
    Wetland,
}

impl ProtectedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProtectedKind::Reserve => "reserve",
            ProtectedKind::RedLine => "red_line",
            ProtectedKind::Forest => "forest",
            ProtectedKind::Farmland => "farmland",
            ProtectedKind::Wetland => "wetland",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        Self::iter().find(|k| k.as_str() == raw).ok_or(Problem::Invalid)
    }
}

/// A kind of administrative boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum BoundaryKind {
    /// 县界
    County,
    /// 乡镇界
    Township,
}

impl BoundaryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BoundaryKind::County => "county",
            BoundaryKind::Township => "township",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        Self::iter().find(|k| k.as_str() == raw).ok_or(Problem::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_are_refused() {
        for kind in ProtectedKind::iter() {
            assert_eq!(ProtectedKind::parse(kind.as_str()), Ok(kind));
        }
        for kind in BoundaryKind::iter() {
            assert_eq!(BoundaryKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(ProtectedKind::parse("park"), Err(Problem::Invalid));
        assert_eq!(BoundaryKind::parse(" "), Err(Problem::Required));
    }
}
