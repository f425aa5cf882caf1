//! The error of a use case. Each variant says which HTTP status the web layer turns it into.

use chrono::{DateTime, Utc};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::FieldErrors;
use orewatch_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 403: the policy refused.
    #[error("无权执行此操作")]
    Forbidden(DenyReason),
    /// 404: the record does not exist.
    #[error("记录不存在")]
    NotFound,
    /// 422: the input is invalid; nothing was changed.
    #[error("输入有误：{0}")]
    Invalid(FieldErrors),
    /// 401 on the login form: wrong username or password. `remaining`: attempts before the first wait.
    #[error("用户名或密码错误")]
    BadCredentials { remaining: u32 },
    /// 429 on the login form: too many failures from this client; try again after `until`.
    #[error("尝试次数过多，请稍后再试")]
    Delayed { until: DateTime<Utc> },
    /// 403 on the login form: the account was disabled by the office.
    #[error("账户已停用")]
    Disabled,
    /// 503: the database stayed busy with another write (a large import) for longer than a request waits.
    #[error("系统正忙，请稍后再试")]
    Busy,
    /// 409: a stored file failed its integrity check (its content no longer matches its SHA-256).
    #[error("文件未通过完整性校验：{0}")]
    FileAltered(String),
    /// 413: a file or chunk larger than the route accepts; nothing was kept.
    #[error("文件过大（上限 {max_bytes} 字节）")]
    TooLarge { max_bytes: u64 },
    /// 500: a file or folder of the server could not be read or written.
    #[error("读写 {} 失败", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// 500: a value could not be written as JSON (`what` names it).
    #[error("无法写出{what}的 JSON")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// 500: a value the platform stored cannot be read back (damaged, or written by another version).
    #[error("存储的{what}无法读取")]
    Corrupt {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// 500: a document (a workbook, a package) could not be produced.
    #[error("无法生成{what}")]
    Document {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// 500: work handed to a blocking thread panicked or was cancelled.
    #[error("后台计算（{what}）未完成")]
    Thread {
        what: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },
    /// 500: the password hasher failed (its parameters, or the system's randomness).
    #[error("密码哈希失败")]
    Hashing(#[source] argon2::password_hash::Error),
    /// The installation's configuration or its operator's files are wrong (a key file, a checkpoint
    /// folder): the message says what to fix.
    #[error("{0}")]
    Config(String),
    /// 500: a rule of the code itself was broken (a bug): what was expected, for the log. Never shown.
    #[error("内部错误：{0}")]
    Invariant(String),
    /// 500 (or 409 for a conflict the use case did not foresee).
    #[error("存储错误")]
    Storage(#[source] StorageError),
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Busy => AppError::Busy,
            StorageError::FileAltered { sha256 } => AppError::FileAltered(sha256),
            other => AppError::Storage(other),
        }
    }
}

impl AppError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
        move |source| AppError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A JSON encoding error of `what`.
    pub fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> AppError {
        move |source| AppError::Json { what, source }
    }

    /// A stored value named `what` that cannot be read back.
    pub fn corrupt<E: std::error::Error + Send + Sync + 'static>(
        what: impl Into<String>,
    ) -> impl FnOnce(E) -> AppError {
        let what = what.into();
        move |source| AppError::Corrupt {
            what,
            source: Box::new(source),
        }
    }

    pub fn invalid(field: &'static str, problem: orewatch_domain::Problem) -> Self {
        AppError::Invalid(FieldErrors::single(field, problem))
    }

    /// The error with its causes, for logs: "存储错误: 数据库错误：…: …".
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            out.push_str(": ");
            out.push_str(&cause.to_string());
            source = cause.source();
        }
        out
    }
}

impl From<orewatch_storage::DriverError> for AppError {
    /// Committing or rolling back a transaction.
    fn from(error: orewatch_storage::DriverError) -> Self {
        StorageError::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_keeps_its_cause_for_the_log() {
        let path = std::path::Path::new("/srv/orewatch/checkpoints");
        let e = AppError::io(path)(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "权限不足",
        ));
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(e.chain(), "读写 /srv/orewatch/checkpoints 失败: 权限不足");
        let bad = serde_json::from_str::<u32>("x").unwrap_err();
        let e = AppError::corrupt("analysis report")(bad);
        assert!(
            e.chain()
                .starts_with("存储的analysis report无法读取: expected value"),
            "{}",
            e.chain()
        );
    }
}
