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
        Ok(())
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
    fn draw_ratios_are_four_percentages() {
        let config: Config = toml::from_str("draw_ratios = [100, 80, 40, 10]").unwrap();
        assert_eq!(config.ratios().unwrap().b, 80);
        let mut bad: Config = toml::from_str("draw_ratios = [100, 180, 40, 10]").unwrap();
        assert!(bad.apply_env(|_| None).is_err());
        assert!(toml::from_str::<Config>("draw_ratios = [100, 80]").is_err());
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
