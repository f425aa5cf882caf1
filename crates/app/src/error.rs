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
    /// 401 on the login form: wrong username or password. `remaining` tries before a lock.
    #[error("用户名或密码错误")]
    BadCredentials { remaining: Option<u32> },
    /// 423 on the login form: too many failures.
    #[error("账户已临时锁定，请稍后再试")]
    Locked { until: DateTime<Utc> },
    /// 403 on the login form: the account was disabled by the office.
    #[error("账户已停用")]
    Disabled,
    /// 500: a programming or configuration fault. Logged, never shown.
    #[error("内部错误：{0}")]
    Internal(String),
    /// 500 (or 409 for a conflict the use case did not foresee).
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl AppError {
    pub fn invalid(field: &'static str, problem: orewatch_domain::Problem) -> Self {
        AppError::Invalid(FieldErrors::single(field, problem))
    }
}

impl From<orewatch_storage::DriverError> for AppError {
    /// Committing or rolling back a transaction.
    fn from(error: orewatch_storage::DriverError) -> Self {
        AppError::Storage(error.into())
    }
}
