//! The one time convention of the state machines: wall-clock UTC instants passed in by
//! the caller, and arithmetic that saturates instead of panicking.
//!
//! The machines compare `now` with timestamps that peers put on the wire (item ids,
//! `expected_end`, `<delay/>` stamps), so time is wall-clock [`DateTime<Utc>`], not a
//! monotonic instant. A caller whose clock jumps backwards gets deadlines that fire
//! late, never a panic.
//!
//! ```
//! use chrono::TimeDelta;
//! use xep_core::time::{self, Time};
//! let t: Time = "2026-11-30T10:00:00Z".parse().unwrap();
//! assert_eq!(time::add(t, TimeDelta::MAX), Time::MAX_UTC);
//! assert_eq!(time::add(t, TimeDelta::hours(1)).to_rfc3339(), "2026-11-30T11:00:00+00:00");
//! assert_eq!(time::sub(t, TimeDelta::MAX), Time::MIN_UTC);
//! ```

use chrono::{DateTime, TimeDelta, Utc};

/// An instant, as every machine takes it: wall-clock UTC.
pub type Time = DateTime<Utc>;

/// `t + d`, saturating at [`Time::MAX_UTC`] / [`Time::MIN_UTC`].
pub fn add(t: Time, d: TimeDelta) -> Time {
    match t.checked_add_signed(d) {
        Some(sum) => sum,
        None if d < TimeDelta::zero() => Time::MIN_UTC,
        None => Time::MAX_UTC,
    }
}

/// `t - d`, saturating at [`Time::MIN_UTC`] / [`Time::MAX_UTC`].
pub fn sub(t: Time, d: TimeDelta) -> Time {
    match t.checked_sub_signed(d) {
        Some(difference) => difference,
        None if d < TimeDelta::zero() => Time::MAX_UTC,
        None => Time::MIN_UTC,
    }
}

/// `later - earlier`; the span between any two [`Time`]s fits a [`TimeDelta`].
pub fn since(later: Time, earlier: Time) -> TimeDelta {
    later.signed_duration_since(earlier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_both_ways() {
        let t: Time = "2026-11-30T10:00:00Z".parse().unwrap();
        assert_eq!(add(t, TimeDelta::MIN), Time::MIN_UTC);
        assert_eq!(sub(t, TimeDelta::MIN), Time::MAX_UTC);
        assert_eq!(add(Time::MAX_UTC, TimeDelta::seconds(1)), Time::MAX_UTC);
        assert_eq!(
            sub(t, TimeDelta::seconds(60)),
            "2026-11-30T09:59:00Z".parse::<Time>().unwrap()
        );
        assert_eq!(
            since(Time::MAX_UTC, Time::MIN_UTC),
            Time::MAX_UTC - Time::MIN_UTC
        );
    }
}
