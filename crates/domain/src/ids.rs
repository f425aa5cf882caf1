//! Newtype ids of the registry's records, so that a mine's id cannot be passed where a company's is
//! expected. Each wraps the database's 64-bit key; `Display` prints the bare number (URLs, audit rows).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Defines one id type: a `Copy` wrapper around the database key.
macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl $name {
            /// Parses an id from a URL segment or form field; `None` for anything but a positive integer.
            pub fn parse(raw: &str) -> Option<Self> {
                raw.trim().parse::<i64>().ok().filter(|n| *n > 0).map(Self)
            }
        }
    };
}

record_id!(
    /// 矿山 — a mine.
    MineId
);
record_id!(
    /// 企业 — a company.
    CompanyId
);
record_id!(
    /// 矿业权 — a mining or exploration licence.
    LicenceId
);
record_id!(
    /// 许可证 — a permit of any agency.
    PermitId
);
record_id!(
    /// A person behind a company (or on the credit list).
    PersonId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_positive_integers() {
        assert_eq!(MineId::parse(" 17 "), Some(MineId(17)));
        assert_eq!(MineId::parse("0"), None);
        assert_eq!(MineId::parse("-3"), None);
        assert_eq!(MineId::parse("abc"), None);
        assert_eq!(MineId(17).to_string(), "17");
    }
}
