//! Raw input of a company or a mine (a form or a spreadsheet row) checked into values that are always
//! valid, every problem at once, keyed by the form field's name (the workbook import maps the names to
//! its column headings). Licences and permits are checked in `app::registry::input`, where their
//! boundaries are read by the spatial engine.

use crate::agency::AgencyCode;
use crate::company::CreditCode;
use crate::field::{optional_text, required_text, FieldErrors};
use crate::mine::{MineStatus, MiningMethod};

#[derive(Debug, Clone, Default)]
pub struct CompanyInput<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    pub legal_rep: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
}

#[derive(Debug, Clone)]
pub struct CheckedCompany {
    pub credit_code: CreditCode,
    pub name: String,
    pub legal_rep: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

pub fn check_company(i: &CompanyInput<'_>) -> Result<CheckedCompany, FieldErrors> {
    let mut e = FieldErrors::new();
    let credit_code = e.take("credit_code", CreditCode::parse(i.credit_code));
    let name = e.take("name", required_text(i.name, 100));
    let legal_rep = e.take("legal_rep", required_text(i.legal_rep, 50));
    let address = e.take("address", optional_text(i.address, 200));
    let phone = e.take("phone", optional_text(i.phone, 50));
    match (credit_code, name, legal_rep, address, phone) {
        (Some(credit_code), Some(name), Some(legal_rep), Some(address), Some(phone)) if e.is_empty() => {
            Ok(CheckedCompany {
                credit_code,
                name,
                legal_rep,
                address,
                phone,
            })
        }
        _ => Err(e),
    }
}

#[derive(Debug, Clone, Default)]
pub struct MineInput<'a> {
    pub name: &'a str,
    pub township: &'a str,
    pub mineral: &'a str,
    pub method: &'a str,
    pub status: &'a str,
    /// Credit code of the operating company.
    pub company: &'a str,
    pub area_agency: &'a str,
    pub supervisor: &'a str,
}

#[derive(Debug, Clone)]
pub struct CheckedMine {
    pub name: String,
    pub township: String,
    pub mineral: String,
    pub method: MiningMethod,
    pub status: MineStatus,
    pub company: CreditCode,
    pub area_agency: Option<AgencyCode>,
    pub supervisor: Option<String>,
}

pub fn check_mine(i: &MineInput<'_>) -> Result<CheckedMine, FieldErrors> {
    let mut e = FieldErrors::new();
    let name = e.take("name", required_text(i.name, 100));
    let township = e.take("township", required_text(i.township, 50));
    let mineral = e.take("mineral", required_text(i.mineral, 50));
    let method = e.take("method", MiningMethod::parse(i.method));
    let status = e.take("status", MineStatus::parse(i.status));
    let company = e.take("company", CreditCode::parse(i.company));
    let area_agency = if i.area_agency.trim().is_empty() {
        Some(None)
    } else {
        e.take("area_agency", AgencyCode::parse(i.area_agency).map(Some))
    };
    let supervisor = e.take("supervisor", optional_text(i.supervisor, 50));
    match (
        name,
        township,
        mineral,
        method,
        status,
        company,
        area_agency,
        supervisor,
    ) {
        (
            Some(name),
            Some(township),
            Some(mineral),
            Some(method),
            Some(status),
            Some(company),
            Some(area_agency),
            Some(supervisor),
        ) if e.is_empty() => Ok(CheckedMine {
            name,
            township,
            mineral,
            method,
            status,
            company,
            area_agency,
            supervisor,
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Problem;

    #[test]
    fn a_company_with_a_bad_check_character_and_no_name_reports_both() {
        let e = check_company(&CompanyInput {
            credit_code: "91450481MACGA1K676",
            legal_rep: "张三",
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["credit_code", "name"]);
    }

    #[test]
    fn a_mine_names_every_problem_and_an_empty_area_agency_is_none() {
        let e = check_mine(&MineInput {
            name: "",
            township: "鹿寨镇",
            mineral: "建筑石料用灰岩",
            method: "露天",
            status: "停产",
            company: "not a code",
            area_agency: "",
            supervisor: "",
        })
        .unwrap_err();
        assert_eq!(e.get("name"), Some(&Problem::Required));
        assert!(e.get("company").is_some());
        assert!(e.get("area_agency").is_none());
    }
}
