//! 文号 — the numbers of the documents the workflows issue, made here and nowhere else.
//!
//! An enforcement document is numbered `{issuer}{word}〔{year}〕{n}号`: the issuing agency's short name
//! (公安局 → 公安), the document's word (责改, 检, 罚告 …), the year it is issued in the county and its
//! running number within that prefix (the issuer's documents of that kind in that year, plus one). The
//! consultation's minutes are the command's, `矿监纪〔{year}〕{n}号`. A 整改复查意见书 carries the
//! number of the order it reviews with 复查 for 责改.
//!
//! What must not live here: counting the documents already issued (storage counts by prefix).

use crate::measure::MeasureKind;
use strum::IntoEnumIterator;

/// A kind of numbered document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// 责令限期整改通知书.
    RectificationOrder,
    /// 现场检查笔录.
    InspectionRecord,
    /// 立案审批表 (the case number).
    CaseFiling,
    /// 行政处罚告知书.
    PenaltyNotice,
    /// 行政处罚决定书.
    PenaltyDecision,
    /// 涉嫌犯罪案件移送书.
    Referral,
    /// The written decision of an enforcement measure.
    Measure(MeasureKind),
    /// 联席会商纪要.
    Minutes,
}

impl DocumentKind {
    /// Every kind (each measure's separately).
    pub fn all() -> Vec<DocumentKind> {
        let mut out = vec![
            DocumentKind::RectificationOrder,
            DocumentKind::InspectionRecord,
            DocumentKind::CaseFiling,
            DocumentKind::PenaltyNotice,
            DocumentKind::PenaltyDecision,
            DocumentKind::Referral,
            DocumentKind::Minutes,
        ];
        out.extend(MeasureKind::iter().map(DocumentKind::Measure));
        out
    }

    /// The word that tells the documents of this kind apart in a number.
    pub fn word(self) -> &'static str {
        match self {
            DocumentKind::RectificationOrder => "责改",
            DocumentKind::InspectionRecord => "检",
            DocumentKind::CaseFiling => "罚立",
            DocumentKind::PenaltyNotice => "罚告",
            DocumentKind::PenaltyDecision => "罚决",
            DocumentKind::Referral => "移",
            DocumentKind::Measure(kind) => kind.number_word(),
            DocumentKind::Minutes => "矿监纪",
        }
    }

    /// Whether an agency issues it (its short name leads the number); the minutes are the command's.
    pub fn by_agency(self) -> bool {
        self != DocumentKind::Minutes
    }

    /// The part of the number before the running number: `公安责改〔2026〕`. `issuer` is the agency's
    /// short name; it is left out for the command's documents.
    pub fn prefix(self, issuer: &str, year: i32) -> String {
        let issuer = if self.by_agency() { issuer } else { "" };
        format!("{issuer}{}〔{year}〕", self.word())
    }
}

/// The number after `issued` documents with the same prefix.
pub fn next_number(prefix: &str, issued: i64) -> String {
    format!("{prefix}{}号", issued.saturating_add(1))
}

/// The number of the 整改复查意见书 that answers a rectification order.
pub fn review_number(order_no: &str) -> String {
    order_no.replacen(DocumentKind::RectificationOrder.word(), "复查", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_issuer_word_year_and_the_next_running_number() {
        let prefix = DocumentKind::RectificationOrder.prefix("公安", 2026);
        assert_eq!(prefix, "公安责改〔2026〕");
        assert_eq!(next_number(&prefix, 0), "公安责改〔2026〕1号");
        assert_eq!(next_number(&prefix, 41), "公安责改〔2026〕42号");
        assert_eq!(
            next_number(&DocumentKind::InspectionRecord.prefix("自然资源和规划", 2026), 2),
            "自然资源和规划检〔2026〕3号"
        );
        assert_eq!(
            next_number(
                &DocumentKind::Measure(MeasureKind::PowerCut).prefix("自然资源和规划", 2026),
                0
            ),
            "自然资源和规划停电〔2026〕1号"
        );
    }

    #[test]
    fn the_minutes_are_numbered_in_the_commands_name() {
        assert_eq!(
            next_number(&DocumentKind::Minutes.prefix("公安", 2026), 0),
            "矿监纪〔2026〕1号"
        );
    }

    #[test]
    fn a_review_opinion_carries_its_orders_number() {
        assert_eq!(review_number("公安责改〔2026〕3号"), "公安复查〔2026〕3号");
    }

    #[test]
    fn every_kind_has_its_own_word() {
        let words: std::collections::BTreeSet<&str> = DocumentKind::all().iter().map(|k| k.word()).collect();
        assert_eq!(words.len(), DocumentKind::all().len());
    }
}
