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
        Ok(())
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
