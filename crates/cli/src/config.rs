//! Configuration: defaults, then the TOML file, then `OREWATCH_*` environment variables.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Everything an `orewatch` process can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Folder for the SQLite database and (later) the file store.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; empty means SQLite in `data_dir`.
    pub database_url: String,
    /// Address to listen on.
    pub bind: String,
    /// County name shown in the title.
    pub county_name: String,
    /// The county's name in the English interface.
    pub county_name_en: String,
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Login attempts per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Database connections per process.
    pub max_connections: u32,
    /// Hours recipients have to acknowledge a sharing-feed item before it shows as overdue.
    pub share_ack_hours: i64,
    /// Seconds a worker's claim on an analysis job lasts without a heartbeat (its heartbeat comes every
    /// sixth of it): how soon another worker takes over a job whose worker died.
    pub job_lease_seconds: i64,
    /// The 3-degree Gauss-Krüger zone of the county map (CGCS2000).
    pub map_zone: u32,
    /// The county's extent in the map zone: [min easting, min northing, max easting, max northing] in
    /// metres (easting without the zone prefix). Empty: taken from an imported county boundary.
    pub county_extent: Vec<f64>,
    /// The Ed25519 key that signs audit checkpoints (created with mode 0600 when missing). Keep it
    /// outside `data_dir`. Empty: no signing.
    pub audit_key_file: String,
    /// Where signed checkpoints are written (outside the database's folder; copy them off the server).
    pub checkpoint_dir: String,
    /// Minutes between checkpoints while serving.
    pub checkpoint_minutes: u64,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// Seconds a client may take to send a request's headers.
    pub header_read_seconds: u64,
    /// Connections served at once.
    pub max_http_connections: usize,
    /// 双随机: the share of each risk grade's mines drawn, in percent, for grades A, B, C, D (the draw
    /// form starts from these; the office may change them for one draw).
    pub draw_ratios: [u32; 4],
    /// 较大数额: a fine or confiscation from this many yuan is a heavy penalty (the party may ask for a
    /// hearing; a legal review is required). Set by each province.
    pub heavy_penalty_yuan: i64,
    /// 应移未移: the value of illegal mining from which a case must be referred (数额较大), in yuan …
    pub referral_threshold_yuan: i64,
    /// … and in planned mining areas, for protected minerals and in no-mining areas.
    pub referral_threshold_restricted_yuan: i64,
    /// Days after a case meets the standard before it is flagged when not referred.
    pub referral_flag_days: i64,
    /// The finding categories that are illegal mining (out-of-bounds counts as unlicensed).
    pub illegal_mining_categories: Vec<String>,
    /// The price table of the estimated value in penalty cases: per mineral (as the registry writes
    /// it), the ore's density in t/m³ and its unit price in yuan per tonne.
    pub minerals: std::collections::BTreeMap<String, MineralConfig>,
    /// The S3-compatible bucket for attachments and survey files (a city or province running several
    /// servers and workers); empty: the folder `files` in `data_dir`.
    pub s3_bucket: String,
    /// The bucket's server (`https://s3.example.gov.cn`, `http://10.0.0.5:9000`); empty for AWS.
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    /// Better given as `OREWATCH_S3_SECRET_ACCESS_KEY` than written in the file.
    pub s3_secret_access_key: String,
    /// Plain HTTP to `s3_endpoint` (a server on the same private network).
    pub s3_allow_http: bool,
    /// Parameters that convert corner points published in 1980西安 or 1954北京 coordinates to CGCS2000,
    /// as the county's surveying authority publishes them (`[[datum_transforms]]`, method
    /// `four_parameter` or `seven_parameter`). Without them such lists are refused.
    pub datum_transforms: Vec<orewatch_spatial::corners::DatumTransform>,
    /// Public holidays per year beyond the built-in 2026, from the State Council's yearly notice: the
    /// days off and the weekend days worked instead (`[holidays.2027] off = [...] work = [...]`).
    pub holidays: std::collections::BTreeMap<String, HolidayConfig>,
}

/// One mineral's line of the price table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineralConfig {
    pub density_t_m3: f64,
    pub price_yuan_t: f64,
}

/// One year's holidays.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HolidayConfig {
    pub off: Vec<String>,
    pub work: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("orewatch-data"),
            database_url: String::new(),
            bind: "127.0.0.1:8080".into(),
            county_name: "鹿寨县".into(),
            county_name_en: "Luzhai County".into(),
            session_idle_minutes: 30,
            share_ack_hours: 72,
            job_lease_seconds: 60,
            secure_cookies: false,
            login_attempts_per_minute: 30,
            max_connections: 16,
            map_zone: 37,
            county_extent: Vec::new(),
            audit_key_file: String::new(),
            checkpoint_dir: String::new(),
            checkpoint_minutes: 10,
            trusted_proxies: Vec::new(),
            header_read_seconds: 10,
            max_http_connections: 512,
            draw_ratios: [100, 70, 50, 30],
            heavy_penalty_yuan: 100_000,
            referral_threshold_yuan: 100_000,
            referral_threshold_restricted_yuan: 50_000,
            referral_flag_days: 3,
            illegal_mining_categories: vec!["unlicensed".into(), "out_of_bounds".into()],
            minerals: std::collections::BTreeMap::new(),
            holidays: std::collections::BTreeMap::new(),
            datum_transforms: Vec::new(),
            s3_bucket: String::new(),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_allow_http: false,
        }
    }
}

impl Config {
    /// Loads `file` (if given, or `orewatch.toml` if it exists) and applies the environment.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let default_file = Path::new("orewatch.toml");
        let file = match file {
            Some(path) => Some(path.to_path_buf()),
            None if default_file.exists() => Some(default_file.to_path_buf()),
            None => None,
        };
        let mut config = match &file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("读取配置文件 {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("配置文件 {} 格式错误", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = var("OREWATCH_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("OREWATCH_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("OREWATCH_BIND") {
            self.bind = v;
        }
        if let Some(v) = var("OREWATCH_COUNTY_NAME") {
            self.county_name = v;
        }
        if let Some(v) = var("OREWATCH_COUNTY_NAME_EN") {
            self.county_name_en = v;
        }
        if let Some(v) = var("OREWATCH_SESSION_IDLE_MINUTES") {
            self.session_idle_minutes = v
                .parse()
                .context("OREWATCH_SESSION_IDLE_MINUTES 应为整数（分钟）")?;
        }
        if let Some(v) = var("OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE") {
            self.login_attempts_per_minute =
                v.parse().context("OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE 应为整数")?;
        }
        if let Some(v) = var("OREWATCH_JOB_LEASE_SECONDS") {
            self.job_lease_seconds = v.parse().context("OREWATCH_JOB_LEASE_SECONDS 应为整数（秒）")?;
        }
        if self.job_lease_seconds < 3 {
            anyhow::bail!("job_lease_seconds 至少为 3 秒");
        }
        if let Some(v) = var("OREWATCH_SHARE_ACK_HOURS") {
            self.share_ack_hours = v.parse().context("OREWATCH_SHARE_ACK_HOURS 应为整数（小时）")?;
        }
        if self.share_ack_hours < 1 {
            anyhow::bail!("share_ack_hours 至少为 1 小时");
        }
        if let Some(v) = var("OREWATCH_MAX_CONNECTIONS") {
            self.max_connections = v.parse().context("OREWATCH_MAX_CONNECTIONS 应为整数")?;
        }
        if self.session_idle_minutes < 1 {
            anyhow::bail!("session_idle_minutes 至少为 1 分钟");
        }
        for (name, field) in [
            ("OREWATCH_S3_BUCKET", &mut self.s3_bucket),
            ("OREWATCH_S3_ENDPOINT", &mut self.s3_endpoint),
            ("OREWATCH_S3_REGION", &mut self.s3_region),
            ("OREWATCH_S3_ACCESS_KEY_ID", &mut self.s3_access_key_id),
            ("OREWATCH_S3_SECRET_ACCESS_KEY", &mut self.s3_secret_access_key),
        ] {
            if let Some(v) = var(name) {
                *field = v;
            }
        }
        if let Some(v) = var("OREWATCH_S3_ALLOW_HTTP") {
            self.s3_allow_http = v.parse().context("OREWATCH_S3_ALLOW_HTTP 应为 true 或 false")?;
        }
        if !self.s3_bucket.is_empty() && self.s3_endpoint.starts_with("http://") && !self.s3_allow_http {
            anyhow::bail!(
                "s3_endpoint 是明文 http:// 地址：仅在内网可用，须同时设置 s3_allow_http = true（或 OREWATCH_S3_ALLOW_HTTP=true）"
            );
        }
        if !self.s3_bucket.is_empty()
            && (self.s3_access_key_id.is_empty() || self.s3_secret_access_key.is_empty())
        {
            anyhow::bail!("配置了 s3_bucket 时须同时配置 s3_access_key_id 和 s3_secret_access_key（或 OREWATCH_S3_SECRET_ACCESS_KEY）");
        }
        if let Some(v) = var("OREWATCH_AUDIT_KEY_FILE") {
            self.audit_key_file = v;
        }
        if let Some(v) = var("OREWATCH_CHECKPOINT_DIR") {
            self.checkpoint_dir = v;
        }
        if let Some(v) = var("OREWATCH_MAP_ZONE") {
            self.map_zone = v.parse().context("OREWATCH_MAP_ZONE 应为整数（3度带带号）")?;
        }
        if !(25..=45).contains(&self.map_zone) {
            anyhow::bail!(
                "map_zone 应为 25 至 45 之间的 3 度带带号（中国境内），实际为 {}",
                self.map_zone
            );
        }
        if !self.county_extent.is_empty() {
            self.extent()?;
        }
        if self.checkpoint_minutes < 1 {
            anyhow::bail!("checkpoint_minutes 至少为 1 分钟");
        }
        self.proxies()?;
        self.ratios()?;
        self.case_rules()?;
        self.flag_rules()?;
        self.transforms()?;
        Ok(())
    }

    /// Where the file store keeps its files: the S3 bucket when one is configured, else `data_dir/files`.
    pub fn file_backend(&self) -> orewatch_storage::files::FileBackend {
        use orewatch_storage::files::{FileBackend, S3Settings};
        if self.s3_bucket.is_empty() {
            FileBackend::Local(self.data_dir.join("files"))
        } else {
            FileBackend::S3(S3Settings {
                endpoint: self.s3_endpoint.clone(),
                bucket: self.s3_bucket.clone(),
                region: self.s3_region.clone(),
                access_key_id: self.s3_access_key_id.clone(),
                secret_access_key: self.s3_secret_access_key.clone(),
                allow_http: self.s3_allow_http,
            })
        }
    }

    /// The old-datum parameters, checked: one set per datum, from 1980西安 or 1954北京, with values a
    /// real set has (shifts under 1 km, rotations under a minute of arc, scale under 100 ppm).
    pub fn transforms(&self) -> Result<Vec<orewatch_spatial::corners::DatumTransform>> {
        let mut seen = Vec::new();
        for (k, t) in self.datum_transforms.iter().enumerate() {
            let which = format!("datum_transforms 第 {} 组", k + 1);
            t.check()
                .map_err(|problem| anyhow::anyhow!("{which}：{problem}"))?;
            if seen.contains(&t.from()) {
                anyhow::bail!("{which}：同一坐标系只能配置一组参数");
            }
            seen.push(t.from());
        }
        Ok(self.datum_transforms.clone())
    }

    /// The rules of penalty cases: the heavy-penalty threshold, the price table and the calendar,
    /// checked. A price with more than two decimals (fen), a density that is not positive, or a date
    /// that is not of its year is refused with the key named.
    pub fn case_rules(&self) -> Result<orewatch_domain::penalty::CaseRules> {
        use orewatch_domain::calendar::YearArrangement;
        use orewatch_domain::penalty::{CaseRules, MineralPrice};
        let mut rules = CaseRules::default();
        if self.heavy_penalty_yuan <= 0 {
            anyhow::bail!("heavy_penalty_yuan 应为正整数（元）");
        }
        rules.heavy_fen = self.heavy_penalty_yuan * 100;
        for (mineral, line) in &self.minerals {
            let fen = line.price_yuan_t * 100.0;
            if !(line.density_t_m3.is_finite() && line.density_t_m3 > 0.0 && line.density_t_m3 < 25.0) {
                anyhow::bail!("minerals.“{mineral}”.density_t_m3 应为大于 0 的密度（吨/立方米）");
            }
            if !(fen.is_finite() && fen > 0.0 && (fen - fen.round()).abs() < 1e-6 && fen < 1e12) {
                anyhow::bail!("minerals.“{mineral}”.price_yuan_t 应为大于 0 的单价（元/吨），最多两位小数");
            }
            rules.prices.0.insert(
                mineral.trim().to_string(),
                MineralPrice {
                    density_t_m3: line.density_t_m3,
                    price_fen_t: fen.round() as i64,
                },
            );
        }
        for (year, days) in &self.holidays {
            let y: i32 = year
                .parse()
                .with_context(|| format!("holidays.{year} 应为年份"))?;
            let parse = |list: &[String], key: &str| {
                list.iter()
                    .map(|d| {
                        d.parse::<chrono::NaiveDate>()
                            .with_context(|| format!("holidays.{year}.{key} 中的“{d}”不是日期（YYYY-MM-DD）"))
                    })
                    .collect::<Result<std::collections::BTreeSet<_>>>()
            };
            let arrangement = YearArrangement {
                off: parse(&days.off, "off")?,
                work: parse(&days.work, "work")?,
            };
            rules
                .calendar
                .set_year(y, arrangement)
                .map_err(|p| anyhow::anyhow!("holidays.{year}：{p}"))?;
        }
        Ok(rules)
    }

    /// The 应移未移 rules: the two thresholds (the restricted one not above the other), the days, the
    /// categories of illegal mining — checked.
    pub fn flag_rules(&self) -> Result<orewatch_domain::flag::FlagRules> {
        let mut rules = orewatch_domain::flag::FlagRules::default();
        let (normal, restricted) = (
            self.referral_threshold_yuan,
            self.referral_threshold_restricted_yuan,
        );
        if normal <= 0 || restricted <= 0 || restricted > normal || normal > 1_000_000_000 {
            anyhow::bail!(
                "referral_threshold_yuan 和 referral_threshold_restricted_yuan 应为正整数（元），且后者不大于前者"
            );
        }
        if !(0..=90).contains(&self.referral_flag_days) {
            anyhow::bail!("referral_flag_days 应为 0 到 90 之间的整数（日）");
        }
        if self.illegal_mining_categories.iter().all(|c| c.trim().is_empty()) {
            anyhow::bail!("illegal_mining_categories 不能为空");
        }
        rules.threshold_fen = normal * 100;
        rules.restricted_threshold_fen = restricted * 100;
        rules.after_days = self.referral_flag_days;
        rules.illegal_categories = self
            .illegal_mining_categories
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        Ok(rules)
    }

    /// The configured draw ratios, checked.
    pub fn ratios(&self) -> Result<orewatch_domain::draw::Ratios> {
        let [a, b, c, d] = self.draw_ratios.map(|r| r.to_string());
        orewatch_domain::draw::Ratios::parse([&a, &b, &c, &d]).map_err(|_| {
            anyhow::anyhow!(
                "draw_ratios 应为 4 个 0 到 100 之间的整数（A、B、C、D 级），实际为 {:?}",
                self.draw_ratios
            )
        })
    }

    /// The configured county extent, checked.
    pub fn extent(&self) -> Result<Option<[f64; 4]>> {
        match self.county_extent.as_slice() {
            [] => Ok(None),
            &[min_e, min_n, max_e, max_n] if min_e < max_e && min_n < max_n => Ok(Some([min_e, min_n, max_e, max_n])),
            _ => anyhow::bail!(
                "county_extent 应为 [最小东坐标, 最小北坐标, 最大东坐标, 最大北坐标]（米，东坐标不含带号），且最小值小于最大值"
            ),
        }
    }

    /// The trusted proxies' addresses.
    pub fn proxies(&self) -> Result<Vec<std::net::IpAddr>> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                p.parse()
                    .with_context(|| format!("trusted_proxies 中的“{p}”不是 IP 地址"))
            })
            .collect()
    }

    /// The checkpoint key file and folder, when both are configured.
    pub fn checkpoints(&self) -> Result<Option<(PathBuf, PathBuf)>> {
        match (self.audit_key_file.is_empty(), self.checkpoint_dir.is_empty()) {
            (true, true) => Ok(None),
            (false, false) => Ok(Some((
                PathBuf::from(&self.audit_key_file),
                PathBuf::from(&self.checkpoint_dir),
            ))),
            _ => anyhow::bail!("audit_key_file 和 checkpoint_dir 须同时配置（签名审计检查点）"),
        }
    }

    /// The database URL, defaulting to SQLite in the data folder.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite:{}", self.data_dir.join("orewatch.db").display())
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file_and_defaults() {
        let mut config: Config =
            toml::from_str("bind = \"0.0.0.0:9000\"\nsession_idle_minutes = 45").unwrap();
        config
            .apply_env(|name| match name {
                "OREWATCH_DATABASE_URL" => Some("postgres://db/orewatch".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.bind, "0.0.0.0:9000");
        assert_eq!(config.session_idle_minutes, 45);
        assert_eq!(config.database_url(), "postgres://db/orewatch");
    }

    #[test]
    fn old_datum_parameters_are_read_and_checked() {
        let config: Config = toml::from_str(
            "[[datum_transforms]]\nmethod = \"seven_parameter\"\nfrom = \"xian80\"\nname = \"某县自然资源局 2019 年公布\"\n\
             dx_m = -15.4\ndy_m = 120.3\ndz_m = 80.1\nrx_arcsec = 0.5\nry_arcsec = -1.2\nrz_arcsec = 2.0\nscale_ppm = 3.5\n\
             [[datum_transforms]]\nmethod = \"four_parameter\"\nfrom = \"beijing54\"\nname = \"某市\"\n\
             dx_m = 12.5\ndy_m = -30.25\nrotation_arcsec = 1.5\nscale_ppm = -2.0\n",
        )
        .unwrap();
        assert_eq!(config.transforms().unwrap().len(), 2);
        let twice: Config = toml::from_str(
            "[[datum_transforms]]\nmethod = \"four_parameter\"\nfrom = \"xian80\"\nname = \"a\"\ndx_m = 1\ndy_m = 1\nrotation_arcsec = 0\nscale_ppm = 0\n\
             [[datum_transforms]]\nmethod = \"four_parameter\"\nfrom = \"xian80\"\nname = \"b\"\ndx_m = 1\ndy_m = 1\nrotation_arcsec = 0\nscale_ppm = 0\n",
        )
        .unwrap();
        assert!(twice.transforms().is_err());
        let absurd: Config = toml::from_str(
            "[[datum_transforms]]\nmethod = \"four_parameter\"\nfrom = \"xian80\"\nname = \"a\"\ndx_m = 5000\ndy_m = 1\nrotation_arcsec = 0\nscale_ppm = 0\n",
        )
        .unwrap();
        assert!(absurd.transforms().is_err());
    }

    #[test]
    fn files_go_to_a_bucket_only_when_one_is_configured_with_its_keys() {
        use orewatch_storage::files::FileBackend;
        let local = Config::default();
        assert_eq!(
            local.file_backend(),
            FileBackend::Local(PathBuf::from("orewatch-data/files"))
        );
        let mut plain: Config =
            toml::from_str("s3_bucket = \"b\"\ns3_endpoint = \"http://10.0.0.5:9000\"\ns3_access_key_id = \"k\"\ns3_secret_access_key = \"s\"")
                .unwrap();
        // Plain HTTP must be asked for.
        assert!(plain.apply_env(|_| None).is_err());
        let mut s3: Config = toml::from_str(
            "s3_bucket = \"orewatch\"\ns3_endpoint = \"http://10.0.0.5:9000\"\ns3_allow_http = true\ns3_access_key_id = \"county\"",
        )
        .unwrap();
        // The secret is missing: refused.
        assert!(s3.apply_env(|_| None).is_err());
        s3.apply_env(|name| (name == "OREWATCH_S3_SECRET_ACCESS_KEY").then(|| "s3cr3t".to_string()))
            .unwrap();
        let FileBackend::S3(settings) = s3.file_backend() else {
            panic!("a bucket is configured");
        };
        assert_eq!(
            (settings.bucket.as_str(), settings.allow_http),
            ("orewatch", true)
        );
        assert!(
            !format!("{settings:?}").contains("s3cr3t"),
            "the secret stays out of logs"
        );
    }

    #[test]
    fn sqlite_in_the_data_folder_is_the_default() {
        assert_eq!(
            Config::default().database_url(),
            "sqlite:orewatch-data/orewatch.db"
        );
    }

    #[test]
    fn a_county_extent_must_be_four_ordered_numbers() {
        let mut config: Config = toml::from_str("county_extent = [1.0, 2.0, 3.0]").unwrap();
        assert!(config.apply_env(|_| None).is_err());
        let mut config: Config =
            toml::from_str("county_extent = [400000.0, 2700000.0, 300000.0, 2800000.0]").unwrap();
        assert!(config.apply_env(|_| None).is_err());
        let mut config: Config =
            toml::from_str("county_extent = [400000.0, 2700000.0, 470000.0, 2780000.0]").unwrap();
        config.apply_env(|_| None).unwrap();
        assert_eq!(
            config.extent().unwrap(),
            Some([400000.0, 2700000.0, 470000.0, 2780000.0])
        );
    }

    #[test]
    fn checkpoints_need_both_a_key_and_a_folder() {
        let config: Config = toml::from_str("audit_key_file = \"/keys/audit.key\"").unwrap();
        assert!(config.checkpoints().is_err());
        assert!(Config::default().checkpoints().unwrap().is_none());
    }

    #[test]
    fn referral_thresholds_are_checked() {
        let config: Config =
            toml::from_str("referral_threshold_yuan = 150000\nreferral_threshold_restricted_yuan = 75000")
                .unwrap();
        let rules = config.flag_rules().unwrap();
        assert_eq!(
            (rules.threshold_fen, rules.restricted_threshold_fen),
            (15_000_000, 7_500_000)
        );
        assert_eq!(rules.illegal_categories, vec!["unlicensed", "out_of_bounds"]);
        let upside_down: Config =
            toml::from_str("referral_threshold_yuan = 50000\nreferral_threshold_restricted_yuan = 75000")
                .unwrap();
        assert!(upside_down.flag_rules().is_err());
        let none: Config = toml::from_str("illegal_mining_categories = []").unwrap();
        assert!(none.flag_rules().is_err());
    }

    #[test]
    fn draw_ratios_are_four_percentages() {
        let config: Config = toml::from_str("draw_ratios = [100, 80, 40, 10]").unwrap();
        assert_eq!(config.ratios().unwrap().b, 80);
        let mut bad: Config = toml::from_str("draw_ratios = [100, 180, 40, 10]").unwrap();
        assert!(bad.apply_env(|_| None).is_err());
        assert!(toml::from_str::<Config>("draw_ratios = [100, 80]").is_err());
    }

    #[test]
    fn the_price_table_and_holidays_are_read_exactly_or_refused() {
        let config: Config = toml::from_str(
            "heavy_penalty_yuan = 50000\n\
             [minerals.\"建筑用灰岩\"]\ndensity_t_m3 = 2.7\nprice_yuan_t = 45.5\n\
             [holidays.2027]\noff = [\"2027-01-01\"]\nwork = []\n",
        )
        .unwrap();
        let rules = config.case_rules().unwrap();
        assert_eq!(rules.heavy_fen, 5_000_000);
        assert_eq!(rules.prices.get("建筑用灰岩").unwrap().price_fen_t, 4_550);
        assert_eq!(rules.calendar.years(), vec![2026, 2027]);
        let cents: Config =
            toml::from_str("[minerals.x]\ndensity_t_m3 = 2.7\nprice_yuan_t = 45.555").unwrap();
        assert!(cents.case_rules().is_err());
        let stray: Config = toml::from_str("[holidays.2027]\noff = [\"2026-12-31\"]").unwrap();
        assert!(stray.case_rules().unwrap_err().to_string().contains("2026-12-31"));
        let bad_date: Config = toml::from_str("[holidays.2027]\noff = [\"2027-02-30\"]").unwrap();
        assert!(bad_date.case_rules().is_err());
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error() {
        assert!(toml::from_str::<Config>("bnd = \"x\"").is_err());
    }

    #[test]
    fn a_bad_number_in_the_environment_is_named() {
        let mut config = Config::default();
        let err = config
            .apply_env(|n| (n == "OREWATCH_SESSION_IDLE_MINUTES").then(|| "abc".into()))
            .unwrap_err();
        assert!(err.to_string().contains("OREWATCH_SESSION_IDLE_MINUTES"));
    }
}
