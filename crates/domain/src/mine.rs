//! 矿山 — a mine's status and mining method.

use crate::field::Problem;
use serde::Serialize;

/// Where a mine is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MineStatus {
    /// 筹建
    Preparing,
    /// 生产
    Producing,
    /// 停产整顿
    Suspended,
    /// 关闭
    Closed,
}

impl MineStatus {
    pub const ALL: [MineStatus; 4] = [
        MineStatus::Preparing,
        MineStatus::Producing,
        MineStatus::Suspended,
        MineStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MineStatus::Preparing => "preparing",
            MineStatus::Producing => "producing",
            MineStatus::Suspended => "suspended",
            MineStatus::Closed => "closed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MineStatus::Preparing => "筹建",
            MineStatus::Producing => "生产",
            MineStatus::Suspended => "停产整顿",
            MineStatus::Closed => "关闭",
        }
    }

    /// From the stored code or the Chinese word (spreadsheets use the word).
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_choice(raw, &Self::ALL, |s| [s.as_str(), s.label_zh()])
    }
}

/// 开采方式
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MiningMethod {
    /// 露天开采
    OpenPit,
    /// 地下开采
    Underground,
}

impl MiningMethod {
    pub const ALL: [MiningMethod; 2] = [MiningMethod::OpenPit, MiningMethod::Underground];

    pub fn as_str(self) -> &'static str {
        match self {
            MiningMethod::OpenPit => "open_pit",
            MiningMethod::Underground => "underground",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MiningMethod::OpenPit => "露天开采",
            MiningMethod::Underground => "地下开采",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let short = |m: MiningMethod| match m {
            MiningMethod::OpenPit => "露天",
            MiningMethod::Underground => "地下",
        };
        parse_choice(raw, &Self::ALL, |m| [m.as_str(), m.label_zh()])
            .or_else(|_| parse_choice(raw, &Self::ALL, |m| [short(m), short(m)]))
    }
}

/// Finds the value whose code (`code`, an enum's `as_str`) is `raw` (trimmed); empty is
/// [`Problem::Required`], anything else unknown [`Problem::Invalid`].
pub(crate) fn parse_code<T: Copy>(
    raw: &str,
    all: impl IntoIterator<Item = T>,
    code: impl Fn(T) -> &'static str,
) -> Result<T, Problem> {
    if raw.trim().is_empty() {
        return Err(Problem::Required);
    }
    find_code(raw, all, code)
}

/// Like [`parse_code`], but empty is [`Problem::Invalid`] too (a stored code, or a choice that has a
/// default).
pub(crate) fn find_code<T: Copy>(
    raw: &str,
    all: impl IntoIterator<Item = T>,
    code: impl Fn(T) -> &'static str,
) -> Result<T, Problem> {
    let raw = raw.trim();
    all.into_iter().find(|c| code(*c) == raw).ok_or(Problem::Invalid)
}

/// Finds the choice whose code or label is `raw` (trimmed); empty is [`Problem::Required`].
pub(crate) fn parse_choice<T: Copy>(
    raw: &str,
    all: &[T],
    names: impl Fn(T) -> [&'static str; 2],
) -> Result<T, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    all.iter()
        .copied()
        .find(|c| names(*c).contains(&raw))
        .ok_or(Problem::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_methods_read_codes_and_chinese_words() {
        assert_eq!(MineStatus::parse("生产"), Ok(MineStatus::Producing));
        assert_eq!(MineStatus::parse("suspended"), Ok(MineStatus::Suspended));
        assert_eq!(MineStatus::parse("营业"), Err(Problem::Invalid));
        assert_eq!(MiningMethod::parse("露天"), Ok(MiningMethod::OpenPit));
        assert_eq!(MiningMethod::parse("地下开采"), Ok(MiningMethod::Underground));
        assert_eq!(MiningMethod::parse(""), Err(Problem::Required));
    }
}
