//! A deterministic, fictional registry around Luzhai's townships (zone 37): companies, mines,
//! licences with realistic boundaries (some in two parts), and permits in every status. It is produced
//! as workbook rows so the demo, the tests and the benchmark load it through the same import as a real
//! spreadsheet. Nothing here is real: names, codes and numbers are made up (credit codes have valid
//! check characters).

use chrono::{Duration, NaiveDate};
use orewatch_spatial::parcel::Parcel;
use orewatch_spatial::polygon::ring_contains;

/// The demo county's boundary: fictional, written by `fixtures/layers/make_boundaries.py` (GeoJSON,
/// CGCS2000 Gauss-Krüger zone 37).
pub const COUNTY_LAYER: &str = include_str!("../../../../fixtures/layers/luzhai_county.geojson");
/// The demo county's nine townships, tiling the county, named in a 名称 property.
pub const TOWNSHIP_LAYER: &str = include_str!("../../../../fixtures/layers/luzhai_townships.geojson");

/// The townships' outer rings in zone-37 metres (easting without the zone prefix), by name.
fn township_rings() -> Vec<(String, Vec<(f64, f64)>)> {
    let Ok(layer) = serde_json::from_str::<serde_json::Value>(TOWNSHIP_LAYER) else {
        return Vec::new();
    };
    let features = layer
        .pointer("/features")
        .and_then(|f| f.as_array())
        .cloned()
        .unwrap_or_default();
    features
        .iter()
        .filter_map(|f| {
            let name = f.pointer("/properties/名称")?.as_str()?.to_string();
            let ring = f
                .pointer("/geometry/coordinates/0")?
                .as_array()?
                .iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()? - 37_000_000.0, p.get(1)?.as_f64()?)))
                .collect();
            Some((name, ring))
        })
        .collect()
}

/// The townships of Luzhai (DOMAIN.md §8), the demo's managed list.
pub const TOWNSHIPS: [&str; 9] = [
    "鹿寨镇",
    "中渡镇",
    "寨沙镇",
    "平山镇",
    "黄冕镇",
    "四排镇",
    "江口乡",
    "导江乡",
    "拉沟乡",
];
const MINERALS: [&str; 6] = [
    "建筑用灰岩",
    "水泥用灰岩",
    "建筑用白云岩",
    "砖瓦用页岩",
    "高岭土",
    "锰矿",
];
const SURNAMES: [&str; 12] = [
    "韦", "覃", "黄", "蓝", "莫", "梁", "陆", "潘", "罗", "廖", "吴", "谢",
];
const GIVEN: [&str; 10] = [
    "建华", "志强", "秀英", "海军", "丽萍", "永福", "德明", "春燕", "国庆", "桂林",
];
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const AGENCIES: [&str; 6] = ["nr", "em", "ee", "fo", "wa", "ps"];

/// The generated rows, in the column order of [`super::workbook::SHEETS`].
#[derive(Debug, Clone, Default)]
pub struct SampleRegistry {
    pub companies: Vec<Vec<String>>,
    pub mines: Vec<Vec<String>>,
    pub licences: Vec<Vec<String>>,
    pub permits: Vec<Vec<String>>,
    /// A protected area (nature reserve) as corner-point text, overlapping the licence of mine 2.
    pub protected_reserve: String,
}

/// A valid unified social credit code built from a number (prefix 91450223 = Luzhai enterprise).
pub fn credit_code(n: usize) -> String {
    let mut body: Vec<u8> = b"91450223".to_vec();
    let mut x = n as u64 * 7919 + 104_729;
    for _ in 0..9 {
        body.push(CREDIT_ALPHABET.get((x % 31) as usize).copied().unwrap_or(b'0'));
        x /= 31;
    }
    let check = orewatch_domain::CreditCode::check_character(&String::from_utf8_lossy(&body)).unwrap_or('0');
    body.push(check as u8);
    String::from_utf8_lossy(&body).into_owned()
}

/// A tiny deterministic generator (xorshift), so every run gives the same county.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1_000_000) as f64 / 1_000_000.0
    }
}

/// An irregular polygon around (e, n) with `vertices` corners and radius `r` metres, as `(e, n)`.
fn blob(rng: &mut Rng, e: f64, n: f64, r: f64, vertices: usize) -> Vec<(f64, f64)> {
    (0..vertices)
        .map(|i| {
            let angle = std::f64::consts::TAU * (i as f64 + 0.3 * rng.next()) / vertices as f64;
            let radius = r * (0.75 + 0.4 * rng.next());
            // Clockwise, as licences list their points.
            (e + radius * angle.cos(), n - radius * angle.sin())
        })
        .collect()
}

fn corner_lines(points: &[(f64, f64)], first: usize) -> String {
    points
        .iter()
        .enumerate()
        .map(|(i, (e, n))| format!("J{}, {n:.2}, 37{e:06.2}\n", first + i))
        .collect()
}

/// `mines` mines with `permits_per_mine` permits each (at least 6 for every status to appear).
pub fn generate(mines: usize, permits_per_mine: usize, today: NaiveDate) -> SampleRegistry {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = SampleRegistry::default();
    let day = |d: i64| (today + Duration::days(d)).format("%Y-%m-%d").to_string();
    let companies = mines.div_ceil(2).max(1);
    for c in 0..companies {
        let rep = format!(
            "{}{}",
            SURNAMES.get(c % SURNAMES.len()).unwrap_or(&"韦"),
            GIVEN.get((c / SURNAMES.len()) % GIVEN.len()).unwrap_or(&"建华")
        );
        out.companies.push(vec![
            credit_code(c),
            format!("鹿寨县{}矿业有限公司", company_word(c)),
            rep,
            format!(
                "广西柳州市鹿寨县{}",
                TOWNSHIPS.get(c % TOWNSHIPS.len()).unwrap_or(&"鹿寨镇")
            ),
            format!("0772-68{:05}", c % 100_000),
        ]);
    }
    // Mines on a jittered grid over the county (about 70 km by 70 km, every township), 1.2 km apart at
    // most density.
    let per_row = ((mines as f64).sqrt().ceil() as usize).max(1);
    let rows = mines.div_ceil(per_row).max(1);
    let step_e = (66_000.0 / per_row as f64).clamp(1_200.0, 14_000.0);
    let step_n = (66_000.0 / rows as f64).clamp(1_200.0, 14_000.0);
    let spacing = step_e.min(step_n);
    let mut centres: Vec<(f64, f64)> = (0..mines)
        .map(|m| {
            let e = 370_000.0 + step_e / 2.0 + (m % per_row) as f64 * step_e + 0.2 * step_e * rng.next();
            let n = 2_685_000.0 + step_n / 2.0 + (m / per_row) as f64 * step_n + 0.2 * step_n * rng.next();
            (e, n)
        })
        .collect();
    // Mine 4 lies 300 m east of mine 3: both licences are at least 190 m in radius, so they overlap.
    if let Some(&(e3, n3)) = centres.get(3) {
        if let Some(four) = centres.get_mut(4) {
            *four = (e3 + 300.0, n3 + 60.0);
        }
    }
    let reserve_mine = 2.min(mines.saturating_sub(1));
    let rings = township_rings();
    for (m, &(e0, n0)) in centres.iter().enumerate() {
        let company = m / 2;
        // The township the mine lies in on the demo's boundary layer.
        let township = rings.iter().find(|(_, ring)| ring_contains(ring, e0, n0)).map_or(
            *TOWNSHIPS.get(m % TOWNSHIPS.len()).unwrap_or(&"鹿寨镇"),
            |(name, _)| name.as_str(),
        );
        let mineral = MINERALS.get(m % MINERALS.len()).unwrap_or(&"建筑用灰岩");
        let name = format!(
            "{}{}{}矿",
            township.trim_end_matches(['镇', '乡']),
            mine_word(m),
            mineral_short(mineral)
        );
        let status = match m % 10 {
            0 => "筹建",
            7 => "停产整顿",
            9 if m > 20 => "关闭",
            _ => "生产",
        };
        let method = if mineral.contains('锰') {
            "地下"
        } else {
            "露天"
        };
        out.mines.push(vec![
            name.clone(),
            township.to_string(),
            mineral.to_string(),
            method.into(),
            status.into(),
            credit_code(company),
            AGENCIES.get(m % AGENCIES.len()).unwrap_or(&"nr").to_string(),
            format!("{}督导", SURNAMES.get((m + 3) % SURNAMES.len()).unwrap_or(&"韦")),
        ]);
        let radius = (spacing * 0.3).min(420.0) * (0.6 + 0.4 * rng.next());
        let top = 180.0 + (200.0 * rng.next()).round();
        let floor = top - 60.0 - (80.0 * rng.next()).round();
        // Every fifth mine has a second part (开采区二).
        let outer = blob(&mut rng, e0, n0, radius, 6 + m % 3);
        let mut text = if m % 5 == 4 {
            format!("开采区一 +{top:.0}m至+{floor:.0}m\n{}", corner_lines(&outer, 1))
        } else {
            format!("{}+{top:.0}m至+{floor:.0}m\n", corner_lines(&outer, 1))
        };
        if m % 5 == 4 {
            let second = blob(&mut rng, e0, n0 + radius * 2.4, radius * 0.5, 5);
            text.push_str(&format!(
                "开采区二 +{:.0}m至+{:.0}m\n{}",
                top - 20.0,
                floor + 10.0,
                corner_lines(&second, outer.len() + 1)
            ));
        }
        let area_km2 = Parcel::from_text(&text, 37)
            .map(|p| p.area_m2 / 1e6)
            .unwrap_or(0.0);
        // Mine 5's declared area was typed wrong (a digit swapped): the registry warns.
        let declared = if m == 5 { area_km2 * 1.1 } else { area_km2 };
        let years = 5 + (m % 6) as i64;
        let valid_to = if m == 6 {
            day(-20)
        } else {
            day(40 + (m as i64 * 97) % 1800)
        };
        out.licences.push(vec![
            format!("C4502232{:04}{:011}", 2010 + m % 14, 127_130_000 + m),
            "采矿权".into(),
            name.clone(),
            credit_code(company),
            mineral.to_string(),
            method.into(),
            format!("{}", 10 + (m * 7) % 90),
            if mineral.contains("页岩") {
                "万立方米/年"
            } else {
                "万吨/年"
            }
            .into(),
            format!("{declared:.4}"),
            day(-365 * years + 40),
            valid_to,
            text.trim_end().to_string(),
        ]);
        for k in 0..permits_per_mine {
            out.permits
                .push(permit_row(m, k, permits_per_mine, &name, company, &day));
        }
        if m == reserve_mine {
            let reserve = blob(&mut rng, e0 + radius * 0.9, n0, radius * 0.8, 6);
            out.protected_reserve = corner_lines(&reserve, 1);
        }
    }
    out
}

/// Permit `k` of mine `m`: the first six kinds cycle through every status across the mines.
fn permit_row(
    m: usize,
    k: usize,
    permits_per_mine: usize,
    mine: &str,
    company: usize,
    day: &dyn Fn(i64) -> String,
) -> Vec<String> {
    let kinds = [
        ("营业执照", "mr"),
        ("安全生产许可证", "em"),
        ("排污许可证", "ee"),
        ("水土保持方案批复", "wa"),
        ("使用林地审核同意书", "fo"),
        ("爆破作业单位许可证", "ps"),
        ("环评批复", "ee"),
        ("取水许可证", "wa"),
        ("用地批准", "nr"),
    ];
    let (kind, _) = kinds.get(k % kinds.len()).copied().unwrap_or(("营业执照", "mr"));
    let round = k / kinds.len();
    let holder = if m == 8 && k == 3 {
        credit_code(company + 1)
    } else {
        credit_code(company)
    };
    // Days left until expiry. Every third mine has one permit near or past its end, cycling through
    // 90/60/30 days and expired; the rest run for one to three more years.
    let due = m.is_multiple_of(3) && k == m % permits_per_mine.max(1);
    let left = match (due, (m / 3) % 4) {
        (true, 0) => 75,
        (true, 1) => 45,
        (true, 2) => 12,
        (true, _) => -30,
        (false, _) => 400 + ((m * 31 + k * 17) % 900) as i64,
    };
    // The producing mine 1 has let its safety licence lapse.
    let left = if m == 1 && kind == "安全生产许可证" {
        -10
    } else {
        left
    };
    let state = match (m + 3 * k) % 23 {
        5 => "吊销",
        9 => "暂扣",
        _ => "有效",
    };
    let state = if kind == "安全生产许可证" && m != 1 && left > 0 {
        "有效"
    } else {
        state
    };
    let number = if kind == "排污许可证" {
        format!("{}{:03}{}", credit_code(company), (m + round) % 1000, 'P')
    } else {
        format!(
            "（桂）{}字〔{}〕{:05}-{}",
            kind_short(kind),
            2020 + (m + k) % 6,
            m,
            round
        )
    };
    vec![
        kind.into(),
        number,
        holder,
        mine.into(),
        // Issued three years before its end, and in every case before today (the sample has no permit
        // that is not in force yet).
        day((left - 365 * 3).min(-30)),
        day(left),
        if kind == "安全生产许可证" {
            "露天矿山开采".into()
        } else {
            String::new()
        },
        state.into(),
    ]
}

fn kind_short(kind: &str) -> &str {
    kind.get(..6).unwrap_or(kind)
}

fn mineral_short(mineral: &str) -> &str {
    if mineral.contains("页岩") {
        "页岩"
    } else if mineral.contains("白云") {
        "白云岩"
    } else if mineral.contains("高岭") {
        "高岭土"
    } else if mineral.contains("锰") {
        "锰"
    } else {
        "石灰岩"
    }
}

fn company_word(c: usize) -> String {
    const A: [&str; 10] = ["兴", "宏", "鑫", "顺", "通", "源", "泰", "盛", "隆", "达"];
    const B: [&str; 10] = ["桂", "鹿", "龙", "华", "新", "丰", "安", "恒", "远", "昌"];
    let a = A.get(c % 10).unwrap_or(&"兴");
    let b = B.get((c / 10) % 10).unwrap_or(&"桂");
    if c < 100 {
        format!("{a}{b}")
    } else {
        format!("{a}{b}{}", c / 100)
    }
}

fn mine_word(m: usize) -> String {
    const W: [&str; 12] = [
        "大岭",
        "石门",
        "龙岩",
        "青山",
        "白石",
        "黄泥冲",
        "马鞍山",
        "狮子岭",
        "牛岩",
        "古木",
        "岩口",
        "长塘",
    ];
    let w = W.get(m % W.len()).unwrap_or(&"大岭");
    let n = m / W.len();
    if n == 0 {
        w.to_string()
    } else {
        format!("{w}{n}号")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orewatch_domain::CreditCode;

    #[test]
    fn generated_credit_codes_are_valid_and_distinct() {
        let codes: std::collections::HashSet<String> = (0..5000).map(credit_code).collect();
        assert_eq!(codes.len(), 5000);
        assert!(codes.iter().all(|c| CreditCode::parse(c).is_ok()));
    }

    #[test]
    fn every_generated_boundary_is_a_valid_parcel_in_zone_37() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let s = generate(60, 6, today);
        for row in &s.licences {
            let text = row.last().unwrap();
            let parcel = Parcel::from_text(text, 37).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(parcel.zone, 37);
        }
        assert!(Parcel::from_text(&s.protected_reserve, 37).is_ok());
    }
}
