//! 账户 — accounts: who may log in, as what, and the rules of logging in.
//!
//! Holds the validated input types (`Username`, `DisplayName`, `Password`), the role/agency
//! consistency check, the failed-login lock-out schedule and the session idle rule. Hashing the password
//! and storing anything happen elsewhere (app and storage).

use crate::agency::AgencyCode;
use crate::field::{required_text, FieldErrors, Problem};
use crate::role::{AgencyRule, Role};
use chrono::{DateTime, Duration, Utc};
use std::fmt;

/// Database id of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl crate::ids::RecordId for AccountId {
    fn raw(self) -> i64 {
        self.0
    }

    fn parse(raw: &str) -> Option<Self> {
        crate::ids::parse_key(raw).map(Self)
    }
}

/// A login name: 3–32 characters of `a-z 0-9 . _ -`, starting with a letter. Stored lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() {
            return Err(Problem::Required);
        }
        if value.len() < 3 {
            return Err(Problem::TooShort { min: 3 });
        }
        if value.len() > Self::MAX {
            return Err(Problem::TooLong { max: Self::MAX });
        }
        let starts_with_letter = value.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        let allowed = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
        if !starts_with_letter || !allowed {
            return Err(Problem::BadUsername);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as shown in lists and the audit log (1–32 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        required_text(raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy: 8–128 characters with at least one letter and one digit.
///
/// Deliberately no `Debug` of the content and no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let count = raw.chars().count();
        if count == 0 {
            return Err(Problem::Required);
        }
        if count < Self::MIN {
            return Err(Problem::TooShort { min: Self::MIN });
        }
        if count > Self::MAX {
            return Err(Problem::TooLong { max: Self::MAX });
        }
        let has_letter = raw.chars().any(char::is_alphabetic);
        let has_digit = raw.chars().any(|c| c.is_ascii_digit());
        if !(has_letter && has_digit) {
            return Err(Problem::WeakPassword);
        }
        Ok(Self(raw.to_string()))
    }

    /// Parses a new password typed twice.
    pub fn parse_confirmed(raw: &str, again: &str) -> Result<Self, Problem> {
        let password = Self::parse(raw)?;
        if raw != again {
            return Err(Problem::PasswordMismatch);
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Checks that the role and the agency fit together (officers need an agency, enterprises have none).
pub fn check_role_agency(role: Role, agency: Option<&AgencyCode>) -> Result<(), Problem> {
    match (role.agency_rule(), agency) {
        (AgencyRule::Required, None) => Err(Problem::AgencyRequired),
        (AgencyRule::Forbidden, Some(_)) => Err(Problem::AgencyNotAllowed),
        _ => Ok(()),
    }
}

/// Adds the role/agency mismatch (if any) to a form's errors, once both fields parsed.
fn check_role_agency_fields(
    role: Option<Role>,
    agency: Option<&Option<AgencyCode>>,
    errors: &mut FieldErrors,
) {
    if let (Some(role), Some(agency)) = (role, agency) {
        if let Err(problem) = check_role_agency(role, agency.as_ref()) {
            errors.push("agency", problem);
        }
    }
}

/// The validated content of a new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub agency: Option<AgencyCode>,
    pub password: Password,
}

/// Raw form input for a new account.
#[derive(Debug, Clone, Default)]
pub struct NewAccountInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub agency: &'a str,
    pub password: &'a str,
    pub password_again: &'a str,
}

impl NewAccount {
    /// Validates every field and reports all problems at once.
    pub fn parse(input: &NewAccountInput<'_>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = errors.take("username", Username::parse(input.username));
        let display_name = errors.take("display_name", DisplayName::parse(input.display_name));
        let role = errors.take("role", Role::parse(input.role));
        let agency = errors.take("agency", parse_optional_agency(input.agency));
        let password = errors.take(
            "password",
            Password::parse_confirmed(input.password, input.password_again),
        );
        check_role_agency_fields(role, agency.as_ref(), &mut errors);
        match (username, display_name, role, agency, password) {
            (Some(username), Some(display_name), Some(role), Some(agency), Some(password))
                if errors.is_empty() =>
            {
                Ok(NewAccount {
                    username,
                    display_name,
                    role,
                    agency,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// What an administrator may change about an existing account, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChange {
    pub display_name: DisplayName,
    pub role: Role,
    pub agency: Option<AgencyCode>,
    pub status: AccountStatus,
}

/// Raw form input for [`AccountChange`].
#[derive(Debug, Clone, Default)]
pub struct AccountChangeInput<'a> {
    pub display_name: &'a str,
    pub role: &'a str,
    pub agency: &'a str,
    pub status: &'a str,
}

impl AccountChange {
    /// Validates every field and reports all problems at once.
    pub fn parse(input: &AccountChangeInput<'_>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let display_name = errors.take("display_name", DisplayName::parse(input.display_name));
        let role = errors.take("role", Role::parse(input.role));
        let agency = errors.take("agency", parse_optional_agency(input.agency));
        let status = errors.take(
            "status",
            AccountStatus::parse(input.status).ok_or(Problem::Invalid),
        );
        check_role_agency_fields(role, agency.as_ref(), &mut errors);
        match (display_name, role, agency, status) {
            (Some(display_name), Some(role), Some(agency), Some(status)) if errors.is_empty() => {
                Ok(AccountChange {
                    display_name,
                    role,
                    agency,
                    status,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Parses an optional agency code from a form select (empty means none).
pub fn parse_optional_agency(raw: &str) -> Result<Option<AgencyCode>, Problem> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        AgencyCode::parse(raw).map(Some)
    }
}

/// Whether an account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(AccountStatus::Active),
            "disabled" => Some(AccountStatus::Disabled),
            _ => None,
        }
    }
}

/// Failed password attempts (per username and client address) that cost nothing.
pub const FREE_LOGIN_FAILURES: u32 = 4;

/// Without a failure for this long, the failures of a username and client address are forgotten. It is
/// at least the longest delay, so the counter starts again once any delay has run out and nothing more
/// went wrong.
pub const LOGIN_FAILURE_MEMORY: Duration = Duration::minutes(15);

/// How long a client must wait before its next password attempt for a username, after `failures`
/// consecutive failures (counting the one just made).
///
/// The first [`FREE_LOGIN_FAILURES`] cost nothing; from the fifth, the wait starts at 15 seconds and
/// doubles with each further failure, up to 15 minutes. Failures are counted per username *and*
/// client address, so someone guessing from elsewhere slows only themselves and never locks the account's
/// owner out; unknown usernames are counted exactly like real ones, so the answers do not tell which
/// names exist. During a wait every attempt is refused without being checked (otherwise the wait would
/// not slow guessing) and without counting.
pub fn login_delay(failures: u32) -> Option<Duration> {
    if failures <= FREE_LOGIN_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_LOGIN_FAILURES - 1).min(6);
    Some(Duration::seconds((15_i64 << doublings).min(15 * 60)))
}

/// The failures that count now, given the stored count and the time of the last one.
pub fn failures_remembered(failures: u32, last_failure: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    if now - last_failure >= LOGIN_FAILURE_MEMORY {
        0
    } else {
        failures
    }
}

/// Attempts left before the first wait, after `failures` (for the warning under the login form).
pub fn attempts_before_delay(failures: u32) -> u32 {
    (FREE_LOGIN_FAILURES + 1).saturating_sub(failures)
}

/// What the security log records (登录日志).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum SecurityEventKind {
    Login,
    LoginFailed,
    /// An attempt refused unheard during a wait.
    LoginDelayed,
    Logout,
    /// A wrong current password when changing one's own password (counted like a failed login).
    PasswordFailed,
    /// The office lifted the waits of an account.
    Unlocked,
}

impl SecurityEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventKind::Login => "login",
            SecurityEventKind::LoginFailed => "login_failed",
            SecurityEventKind::LoginDelayed => "login_delayed",
            SecurityEventKind::Logout => "logout",
            SecurityEventKind::PasswordFailed => "password_failed",
            SecurityEventKind::Unlocked => "unlocked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        use strum::IntoEnumIterator;
        Self::iter().find(|k| k.as_str() == raw)
    }
}

/// Whether a session last used at `last_seen` has gone idle by `now`.
pub fn session_expired(last_seen: DateTime<Utc>, idle: Duration, now: DateTime<Utc>) -> bool {
    now - last_seen >= idle
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 8, minute, 0).single().unwrap()
    }

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(Username::parse(" Office ").unwrap().as_str(), "office");
        assert_eq!(Username::parse("ab"), Err(Problem::TooShort { min: 3 }));
        assert_eq!(Username::parse("1abc"), Err(Problem::BadUsername));
        assert_eq!(Username::parse("张三丰"), Err(Problem::BadUsername));
        assert_eq!(Username::parse("a b c"), Err(Problem::BadUsername));
        assert!(Username::parse("ps.officer_2").is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(33)),
            Err(Problem::TooLong { max: 32 })
        );
    }

    #[test]
    fn passwords_need_letters_digits_and_length() {
        assert_eq!(Password::parse("abc1"), Err(Problem::TooShort { min: 8 }));
        assert_eq!(Password::parse("abcdefgh"), Err(Problem::WeakPassword));
        assert_eq!(Password::parse("12345678"), Err(Problem::WeakPassword));
        assert!(Password::parse("矿山监管2026ab").is_ok());
        assert_eq!(
            Password::parse_confirmed("abcd1234", "abcd1235"),
            Err(Problem::PasswordMismatch)
        );
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let p = Password::parse("secret123").unwrap();
        assert!(!format!("{p:?}").contains("secret"));
    }

    #[test]
    fn agency_officer_without_agency_is_rejected() {
        assert_eq!(
            check_role_agency(Role::AgencyOfficer, None),
            Err(Problem::AgencyRequired)
        );
        let nr = AgencyCode::parse("nr").unwrap();
        assert_eq!(
            check_role_agency(Role::Enterprise, Some(&nr)),
            Err(Problem::AgencyNotAllowed)
        );
        assert_eq!(check_role_agency(Role::Office, Some(&nr)), Ok(()));
        assert_eq!(check_role_agency(Role::Office, None), Ok(()));
    }

    #[test]
    fn new_account_reports_every_bad_field_at_once() {
        let input = NewAccountInput {
            username: "x",
            display_name: "",
            role: "agency_officer",
            agency: "",
            password: "short",
            password_again: "short",
        };
        let errors = NewAccount::parse(&input).unwrap_err();
        assert_eq!(errors.get("username"), Some(&Problem::TooShort { min: 3 }));
        assert_eq!(errors.get("display_name"), Some(&Problem::Required));
        assert_eq!(errors.get("agency"), Some(&Problem::AgencyRequired));
        assert_eq!(errors.get("password"), Some(&Problem::TooShort { min: 8 }));
    }

    #[test]
    fn an_account_change_checks_role_against_agency_and_status() {
        let input = AccountChangeInput {
            display_name: "钟晓峰",
            role: "enterprise",
            agency: "ps",
            status: "gone",
        };
        let errors = AccountChange::parse(&input).unwrap_err();
        assert_eq!(errors.get("agency"), Some(&Problem::AgencyNotAllowed));
        assert_eq!(errors.get("status"), Some(&Problem::Invalid));
        let input = AccountChangeInput {
            display_name: "钟晓峰",
            role: "agency_officer",
            agency: "ps",
            status: "disabled",
        };
        assert_eq!(
            AccountChange::parse(&input).unwrap().status,
            AccountStatus::Disabled
        );
    }

    #[test]
    fn four_failures_are_free_then_the_wait_doubles_from_fifteen_seconds() {
        for failures in 0..=FREE_LOGIN_FAILURES {
            assert_eq!(login_delay(failures), None);
        }
        assert_eq!(login_delay(5), Some(Duration::seconds(15)));
        assert_eq!(login_delay(6), Some(Duration::seconds(30)));
        assert_eq!(login_delay(7), Some(Duration::seconds(60)));
        assert_eq!(attempts_before_delay(3), 2);
        assert_eq!(attempts_before_delay(5), 0);
    }

    #[test]
    fn the_wait_never_exceeds_fifteen_minutes_and_is_forgotten_after_them() {
        assert_eq!(login_delay(40), Some(Duration::minutes(15)));
        assert!(login_delay(40).unwrap() <= LOGIN_FAILURE_MEMORY);
        assert_eq!(failures_remembered(9, at(0), at(14)), 9);
        assert_eq!(failures_remembered(9, at(0), at(15)), 0);
    }

    #[test]
    fn security_event_kinds_round_trip() {
        use strum::IntoEnumIterator;
        for kind in SecurityEventKind::iter() {
            assert_eq!(SecurityEventKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn session_goes_idle_after_the_configured_minutes() {
        let idle = Duration::minutes(30);
        assert!(!session_expired(at(0), idle, at(29)));
        assert!(session_expired(at(0), idle, at(30)));
    }
}
