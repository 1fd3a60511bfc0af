//! User names and passwords: what the installation accepts before anything is stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::role::Role;
use crate::validation::ValidationErrors;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A user name: 3 to 64 characters of lower-case letters, digits, `.`, `_` and `-`,
/// starting with a letter. Kept strict so that names are unambiguous in logs and URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid_chars = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        let starts_with_letter = raw.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if (3..=64).contains(&raw.len()) && valid_chars && starts_with_letter {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 3 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a new password against the policy. Length is what matters most; a password that
/// merely repeats the user name is refused as well.
pub fn check_new_password(
    errors: &mut ValidationErrors,
    field: &str,
    password: &str,
    username: &str,
) {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        errors.add(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        );
    } else if chars > MAX_PASSWORD_CHARS {
        errors.add(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        );
    } else if password.to_lowercase().contains(&username.to_lowercase()) {
        errors.add(field, "must not contain the user name");
    }
}

/// An organisation hosted by the installation. Nothing of one organisation is visible
/// from another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A user as a member of one organisation, with the role held there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    /// An inactive member cannot sign in to this organisation; the record stays for the history.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An API token as listed: never the token itself, which is shown once at creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenInfo {
    pub id: Uuid,
    pub name: String,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Sign-in throttling for one key (a user name): after [`Throttle::MAX_FAILURES`] failures
/// within [`Throttle::WINDOW_MINUTES`], sign-in is refused for [`Throttle::LOCK_MINUTES`],
/// whether or not the next password is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    pub failures: i64,
    pub window_start: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Throttle {
    pub const MAX_FAILURES: i64 = 5;
    pub const WINDOW_MINUTES: i64 = 15;
    pub const LOCK_MINUTES: i64 = 15;

    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    /// The state after one more failure at `now`.
    pub fn after_failure(previous: Option<Throttle>, now: DateTime<Utc>) -> Throttle {
        let window = chrono::Duration::minutes(Self::WINDOW_MINUTES);
        let mut next = match previous {
            Some(p) if now - p.window_start < window && p.locked_until.is_none_or(|u| u > now) => p,
            _ => Throttle {
                failures: 0,
                window_start: now,
                locked_until: None,
            },
        };
        next.failures += 1;
        if next.failures >= Self::MAX_FAILURES {
            next.locked_until = Some(now + chrono::Duration::minutes(Self::LOCK_MINUTES));
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("admin").is_ok());
        assert!(Username::parse("j.doe-2").is_ok());
        for bad in ["ab", "Admin", "1admin", "a b c", "élodie", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        let check = |p: &str| {
            let mut e = ValidationErrors::new();
            check_new_password(&mut e, "password", p, "alice");
            e.0.first().map(|e| e.message.clone())
        };
        assert_eq!(check("correct horse battery"), None);
        assert!(check("short").unwrap().contains("at least 12"));
        assert!(check("my name is ALICE ok").unwrap().contains("user name"));
    }

    #[test]
    fn throttle_locks_after_five_failures_in_the_window_and_releases() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let minutes = |m| t0 + chrono::Duration::minutes(m);
        let mut state = None;
        for i in 0..4 {
            state = Some(Throttle::after_failure(state, minutes(i)));
        }
        assert!(!state.unwrap().is_locked(minutes(4)));
        let locked = Throttle::after_failure(state, minutes(4));
        assert!(locked.is_locked(minutes(5)));
        assert!(!locked.is_locked(minutes(20)));
        // After the lock has passed, counting starts again.
        let fresh = Throttle::after_failure(Some(locked), minutes(20));
        assert_eq!(fresh.failures, 1);
        // Failures spread beyond the window never lock.
        let mut spread = None;
        for i in 0..10 {
            spread = Some(Throttle::after_failure(spread, minutes(i * 16)));
        }
        assert!(!spread.unwrap().is_locked(minutes(150)));
    }
}
