//! 成员单位 — the member agencies of the joint-supervision mechanism and their duties.
//!
//! The standard list (DOMAIN.md §1) is [`STANDARD_AGENCIES`]; the application seeds it into the
//! database on first run, after which the office maintains names and duties there.

use crate::field::Problem;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Short code of an agency (`nr`, `ps`, …): 2–12 lowercase ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        let ok = (2..=12).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase());
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(Problem::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether an agency is a member of the command centre or only coordinates with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyKind {
    /// 成员单位: holds a seat in the command centre and in the office.
    Member,
    /// 协调单位 (court, procuratorate): coordinated by the command, holds no seat.
    Coordination,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Member => "member",
            AgencyKind::Coordination => "coordination",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "member" => Some(AgencyKind::Member),
            "coordination" => Some(AgencyKind::Coordination),
            _ => None,
        }
    }
}

/// One agency as the mechanism defines it.
#[derive(Debug, Clone, Copy)]
pub struct StandardAgency {
    pub code: &'static str,
    pub kind: AgencyKind,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub duty_zh: &'static str,
    pub duty_en: &'static str,
}

/// The agencies of the Luzhai plan (鹿政办发〔2022〕31号, 二(二)), in the plan's order.
pub const STANDARD_AGENCIES: &[StandardAgency] = &[
    StandardAgency {
        code: "nr",
        kind: AgencyKind::Member,
        name_zh: "县自然资源和规划局",
        name_en: "Natural Resources and Planning Bureau",
        duty_zh: "负责全县矿产资源的储量管理、矿业权管理、矿产资源保护和合理利用的监督管理；组织查处违反矿产资源法律法规的违法行为；对发现的“矿霸”及其“保护伞”，及时移交县扫黑除恶专项斗争领导小组办公室及相关成员单位。",
        duty_en: "Reserves, mining rights, resource protection and rational use; investigates illegal mining; refers gang-linked cases (mining bullies and their protectors) to the anti-gang office.",
    },
    StandardAgency {
        code: "dr",
        kind: AgencyKind::Member,
        name_zh: "县发改局",
        name_en: "Development and Reform Bureau",
        duty_zh: "负责对矿业项目是否符合国家、自治区、柳州市及我县产业政策进行审查。",
        duty_en: "Reviews whether mining projects fit national, regional, city and county industrial policy.",
    },
    StandardAgency {
        code: "ps",
        kind: AgencyKind::Member,
        name_zh: "县公安局",
        name_en: "Public Security Bureau",
        duty_zh: "负责涉矿民用爆炸物、氰化钠等危险物品采购、运输、存储、使用的监督管理；依法打击非法采矿、破坏性采矿犯罪行为；负责打击“沙霸”、“矿霸”及其“保护伞”等涉黑涉恶违法犯罪行为。",
        duty_en: "Supervises procurement, transport, storage and use of explosives and hazardous chemicals; fights illegal and destructive mining crimes and gang-linked crime.",
    },
    StandardAgency {
        code: "tr",
        kind: AgencyKind::Member,
        name_zh: "县交通局",
        name_en: "Transport Bureau",
        duty_zh: "负责对矿产品运输车辆的路面监管；联合县公安局交管大队依法查处加高挡板等非法改装运输车辆、超载、超限运输矿产品等违法行为。",
        duty_en: "Road supervision of ore trucks; with the traffic police, acts against illegal modification, overloading and oversize transport of ore.",
    },
    StandardAgency {
        code: "wa",
        kind: AgencyKind::Member,
        name_zh: "县水利局",
        name_en: "Water Resources Bureau",
        duty_zh: "负责全县矿区水土保持监督管理工作，依法查处矿山企业水土保持违法行为；对发现的“沙霸”及其“保护伞”，及时移交县扫黑除恶专项斗争领导小组办公室及相关成员单位。",
        duty_en: "Soil and water conservation in mining areas; acts against conservation violations; refers gang-linked cases.",
    },
    StandardAgency {
        code: "em",
        kind: AgencyKind::Member,
        name_zh: "县应急管理局",
        name_en: "Emergency Management Bureau",
        duty_zh: "负责依法监督检查非煤矿山（含地质勘探）生产经营单位贯彻执行安全生产法律法规情况及其安全生产条件、设备设施安全管理情况，指导监督安全标准化、安全预防控制体系建设。",
        duty_en: "Safety of non-coal mines (including exploration): safety conditions, facilities, standardisation and prevention systems.",
    },
    StandardAgency {
        code: "mr",
        kind: AgencyKind::Member,
        name_zh: "县市场监管局",
        name_en: "Market Regulation Bureau",
        duty_zh: "负责涉矿企业营业执照的核发工作；负责对矿产资源加工、销售的监督管理；依法查处擅自收购无采矿许可证开采的矿产品等违法行为。",
        duty_en: "Business licences of mining companies; supervises processing and sale of ore; acts against buying ore from unlicensed mines.",
    },
    StandardAgency {
        code: "fo",
        kind: AgencyKind::Member,
        name_zh: "县林业局",
        name_en: "Forestry Bureau",
        duty_zh: "负责自然保护地和林地的监督和保护，对矿区范围是否占用自然保护地、是否符合征占用林地条件出具审核意见，依法查处未依法办理林地占用手续的违法行为。",
        duty_en: "Nature reserves and forest land: reviews whether a mining area occupies them, issues forest-land opinions, acts against unpermitted occupation.",
    },
    StandardAgency {
        code: "tx",
        kind: AgencyKind::Member,
        name_zh: "县税务局",
        name_en: "Tax Bureau",
        duty_zh: "根据县自然资源部门确定的费源信息，负责矿产资源专项收入的征收入库工作。",
        duty_en: "Collects mineral resource revenues from the fee-source information of natural resources.",
    },
    StandardAgency {
        code: "ee",
        kind: AgencyKind::Member,
        name_zh: "柳州市鹿寨生态环境局（执法大队）",
        name_en: "Ecology and Environment Bureau (enforcement brigade)",
        duty_zh: "负责对矿产资源开发利用活动、生态破坏修复过程中造成生态环境破坏的违法行为进行依法查处。",
        duty_en: "Acts against ecological and environmental damage from mining and from restoration work.",
    },
    StandardAgency {
        code: "pw",
        kind: AgencyKind::Member,
        name_zh: "柳州鹿寨供电局",
        name_en: "Power Supply Bureau",
        duty_zh: "负责矿山开采用电管理工作；根据县行政执法部门、县公安机关的协助要求，配合开展相关执法工作（如停止供电）。",
        duty_en: "Electricity to mines; assists enforcement agencies and the police on request, including cutting power.",
    },
    StandardAgency {
        code: "court",
        kind: AgencyKind::Coordination,
        name_zh: "县人民法院",
        name_en: "County People's Court",
        duty_zh: "由指挥部协调，做好涉矿案件审判和执行工作。",
        duty_en: "Coordinated by the command: trial and enforcement of mining cases.",
    },
    StandardAgency {
        code: "proc",
        kind: AgencyKind::Coordination,
        name_zh: "县人民检察院",
        name_en: "County People's Procuratorate",
        duty_zh: "由指挥部协调，做好涉矿案件审查起诉和公益诉讼工作。",
        duty_en: "Coordinated by the command: review, prosecution and public-interest litigation in mining cases.",
    },
];

/// The short form of an agency's name that document numbers start with: "县公安局" → "公安".
pub fn short_name(name_zh: &str) -> String {
    name_zh
        .trim_start_matches('县')
        .trim_end_matches('局')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_agency_code_parses_and_is_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for agency in STANDARD_AGENCIES {
            assert!(AgencyCode::parse(agency.code).is_ok(), "{}", agency.code);
            assert!(seen.insert(agency.code), "duplicate {}", agency.code);
        }
    }

    #[test]
    fn the_eleven_member_agencies_of_the_plan_are_listed() {
        let members: Vec<&str> = STANDARD_AGENCIES
            .iter()
            .filter(|a| a.kind == AgencyKind::Member)
            .map(|a| a.code)
            .collect();
        assert_eq!(
            members,
            ["nr", "dr", "ps", "tr", "wa", "em", "mr", "fo", "tx", "ee", "pw"]
        );
    }

    #[test]
    fn codes_with_capitals_or_digits_are_rejected() {
        assert_eq!(AgencyCode::parse("NR"), Err(Problem::Invalid));
        assert_eq!(AgencyCode::parse("n1"), Err(Problem::Invalid));
        assert_eq!(AgencyCode::parse(""), Err(Problem::Required));
    }
}
