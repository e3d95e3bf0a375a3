//! Errors for bad parameters and bad input values.

use thiserror::Error;

/// Largest period accepted, TA-Lib's own limit. It also bounds the memory a ring buffer may take,
/// so a corrupt config value cannot ask for a multi-gigabyte allocation.
pub const MAX_PERIOD: usize = 100_000;

/// Largest input magnitude accepted. Far above any price or volume, and small enough that sums of
/// squares over [`MAX_PERIOD`] values stay finite, so an accepted input can never turn a running sum
/// into infinity (and from there into NaN for every later update).
pub const MAX_ABS_INPUT: f64 = 1e100;

/// An indicator was constructed with parameters it cannot work with.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    #[error("{indicator}: {name} must be between 1 and {MAX_PERIOD}, got {value}")]
    PeriodOutOfRange { indicator: &'static str, name: &'static str, value: usize },
    #[error("{indicator}: fast period ({fast}) must be shorter than slow period ({slow})")]
    FastNotShorter { indicator: &'static str, fast: usize, slow: usize },
    #[error("{indicator}: {name} must be a finite number >= 0, got {value}")]
    BadMultiplier { indicator: &'static str, name: &'static str, value: f64 },
}

/// An input value was refused. The indicator's state is left exactly as it was before the call.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum InputError {
    #[error("{field} is {value}, not a finite number")]
    NotFinite { field: &'static str, value: f64 },
    #[error("{field} = {value:e} is larger in magnitude than the supported {MAX_ABS_INPUT:e}")]
    TooLarge { field: &'static str, value: f64 },
    #[error("{field} must not be negative, got {value}")]
    Negative { field: &'static str, value: f64 },
}

impl InputError {
    /// The name of the offending input (`"close"`, `"volume"`, ...), for callers that map it to a column.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NotFinite { field, .. } | Self::TooLarge { field, .. } | Self::Negative { field, .. } => field,
        }
    }
}

pub(crate) fn check_period(indicator: &'static str, name: &'static str, value: usize) -> Result<usize, ParamError> {
    if (1..=MAX_PERIOD).contains(&value) {
        Ok(value)
    } else {
        Err(ParamError::PeriodOutOfRange { indicator, name, value })
    }
}

/// Accepts finite values within [`MAX_ABS_INPUT`].
pub(crate) fn check_value(field: &'static str, value: f64) -> Result<f64, InputError> {
    if !value.is_finite() {
        Err(InputError::NotFinite { field, value })
    } else if value.abs() > MAX_ABS_INPUT {
        Err(InputError::TooLarge { field, value })
    } else {
        Ok(value)
    }
}

/// Like [`check_value`], and also refuses negative values (volumes).
pub(crate) fn check_non_negative(field: &'static str, value: f64) -> Result<f64, InputError> {
    let value = check_value(field, value)?;
    if value < 0.0 { Err(InputError::Negative { field, value }) } else { Ok(value) }
}
