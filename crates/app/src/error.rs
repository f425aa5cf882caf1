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
    /// 500: a programming or configuration fault. Logged, never shown.
    #[error("内部错误：{0}")]
    Internal(String),
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
