//! Excel workbooks (.xlsx): the import template, the all-or-nothing import of companies, mines,
//! licences and permits with a row-by-row error list, and the export of lists.
//!
//! A workbook holds up to four sheets named 企业, 矿山, 矿业权 and 许可证 (others, such as the
//! template's 填表说明, are ignored); the first row of each holds the column headings of [`SHEETS`]
//! (a trailing `*` marks a required column and is optional).
//!
//! - [`read`]: the workbook's rows as text, within [`super::limits::UploadLimits`] (a bomb is refused
//!   before anything is allocated for it; a file that is not .xlsx is told how to save it as one).
//! - [`import`]: one generic per-sheet check (the same checks as the forms, duplicates in the file,
//!   existing records, references between sheets), then one write transaction that calls the same
//!   `register` functions as the forms, batched — the credit check included.
//! - [`export`]: the template and the exported lists, with typed cells and agency names.

pub(crate) mod export;
mod import;
mod read;

pub use export::{build, export_companies, export_credit, export_mines, export_permits, template};
pub use import::{import, ImportCounts, ImportOptions, ImportOutcome, RowError, MAX_LISTED_ERRORS};

/// One column of a sheet: its heading and the form field it feeds.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub heading: &'static str,
    pub field: &'static str,
    pub required: bool,
    pub hint: &'static str,
}

/// One importable sheet.
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub name: &'static str,
    pub columns: &'static [Column],
}

impl Sheet {
    /// The heading of the column feeding `field`.
    pub fn heading_of(&self, field: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.heading.to_string())
    }
}

const fn col(heading: &'static str, field: &'static str, required: bool, hint: &'static str) -> Column {
    Column {
        heading,
        field,
        required,
        hint,
    }
}

pub const COMPANIES: Sheet = Sheet {
    name: "企业",
    columns: &[
        col(
            "统一社会信用代码",
            "credit_code",
            true,
            "18位，末位为校验位，如 91450481MACGA1K675",
        ),
        col("企业名称", "name", true, ""),
        col("法定代表人", "legal_rep", true, ""),
        col("地址", "address", false, ""),
        col("联系电话", "phone", false, ""),
    ],
};

pub const MINES: Sheet = Sheet {
    name: "矿山",
    columns: &[
        col(
            "矿山名称",
            "name",
            true,
            "全县唯一，矿业权、许可证工作表按此名称关联",
        ),
        col("乡镇", "township", true, "须为乡镇名录中的名称"),
        col("矿种", "mineral", true, ""),
        col("开采方式", "method", true, "露天 / 地下"),
        col("状态", "status", true, "筹建 / 生产 / 停产整顿 / 关闭"),
        col("企业信用代码", "company", true, "须已登记或在“企业”工作表中"),
        col("包片单位代码", "area_agency", false, "如 nr、em、ee"),
        col("督导员", "supervisor", false, ""),
    ],
};

pub const LICENCES: Sheet = Sheet {
    name: "矿业权",
    columns: &[
        col("证号", "licence_no", true, "23位新版证号或旧版证号"),
        col("类型", "kind", true, "采矿权 / 探矿权"),
        col("矿山名称", "mine", true, ""),
        col("矿业权人信用代码", "holder", true, ""),
        col("矿种", "mineral", true, ""),
        col("开采方式", "method", true, "露天 / 地下"),
        col("生产规模", "scale", false, "数字"),
        col("规模单位", "scale_unit", false, "万吨/年 / 万立方米/年"),
        col("面积（平方公里）", "declared_area_km2", true, "证载面积，4位小数"),
        col("有效期起", "valid_from", true, "2026-01-01"),
        col("有效期止", "valid_to", true, "2031-01-01"),
        col(
            "拐点坐标",
            "boundary",
            true,
            "每行一个拐点：点号, X, Y；多个矿段用“*”行或“矿段2”分隔，可写标高范围",
        ),
    ],
};

pub const PERMITS: Sheet = Sheet {
    name: "许可证",
    columns: &[
        col("证照类型", "kind", true, "安全生产许可证、排污许可证、环评批复、使用林地审核同意书、水土保持方案批复、取水许可证、用地批准、营业执照、爆破作业单位许可证"),
        col("编号", "permit_no", true, ""),
        col("持证企业信用代码", "holder", true, ""),
        col("矿山名称", "mine", true, ""),
        col("有效期起", "valid_from", true, ""),
        col("有效期止", "valid_to", true, ""),
        col("许可范围", "scope", false, ""),
        col("状态", "state", false, "有效 / 吊销 / 暂扣，空为有效"),
    ],
};

pub const SHEETS: [Sheet; 4] = [COMPANIES, MINES, LICENCES, PERMITS];
