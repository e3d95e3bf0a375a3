//! Exit rules evaluated on every tick of a held position: stop-loss, take-profit, trailing stop, maximum
//! holding time. Stop-loss is checked first, so a price that is at once below the stop and past the deadline
//! is reported as the loss it is.

use chrono::{DateTime, Duration, Utc};
use kis_model::Price;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::position::Position;
use crate::signal::ExitReason;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// A trailing stop: exit when the price falls `distance_pct` below the high-water mark since entry, once that
/// mark has risen `arm_pct` above the entry price.
///
/// Arming matters: armed from the entry, a 0.3 % trail would always fire before a 0.8 % stop-loss and the
/// stop-loss would never be the exit. Armed at +0.3 %, the trailing stop only ever protects a gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailingStop {
    pub distance_pct: Decimal,
    #[serde(default)]
    pub arm_pct: Decimal,
}

/// Percentages are of the average entry price (0.8 means 0.8 %); `None` disables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExitRules {
    pub stop_loss_pct: Option<Decimal>,
    pub take_profit_pct: Option<Decimal>,
    pub trailing_stop: Option<TrailingStop>,
    pub max_holding_secs: Option<u64>,
}

impl Default for ExitRules {
    /// The KRX scalping exits: −0.8 %, +1.2 %, 0.3 % trail armed at +0.3 %, 15 minutes.
    fn default() -> Self {
        ExitRules {
            stop_loss_pct: Some(Decimal::new(8, 1)),
            take_profit_pct: Some(Decimal::new(12, 1)),
            trailing_stop: Some(TrailingStop { distance_pct: Decimal::new(3, 1), arm_pct: Decimal::new(3, 1) }),
            max_holding_secs: Some(15 * 60),
        }
    }
}

impl ExitRules {
    /// No rule at all: positions are only closed by strategy signals.
    pub const NONE: ExitRules =
        ExitRules { stop_loss_pct: None, take_profit_pct: None, trailing_stop: None, max_holding_secs: None };

    pub fn validate(&self) -> Result<(), ConfigError> {
        let pct = |field: &'static str, v: Option<Decimal>, max: Decimal| match v {
            Some(v) if v <= Decimal::ZERO || v >= max => {
                Err(ConfigError::new(field, format!("must be above 0 and below {max} (percent), got {v}")))
            }
            _ => Ok(()),
        };
        pct("exits.stop_loss_pct", self.stop_loss_pct, HUNDRED)?;
        pct("exits.take_profit_pct", self.take_profit_pct, Decimal::from(10_000))?;
        if let Some(t) = self.trailing_stop {
            pct("exits.trailing_stop.distance_pct", Some(t.distance_pct), HUNDRED)?;
            if t.arm_pct < Decimal::ZERO {
                return Err(ConfigError::new(
                    "exits.trailing_stop.arm_pct",
                    format!("must be >= 0, got {}", t.arm_pct),
                ));
            }
        }
        if self.max_holding_secs == Some(0) {
            return Err(ConfigError::new("exits.max_holding_secs", "must be above 0"));
        }
        Ok(())
    }

    /// The first rule that fires for `position` at `price` and time `now`, in the order stop-loss,
    /// take-profit, trailing stop, max holding time. Stateless: the high-water mark is the larger of the
    /// position's and `price`.
    pub fn evaluate(&self, position: &Position, price: Price, now: DateTime<Utc>) -> Option<ExitReason> {
        let levels = Levels::new(self, position);
        levels.check(price.value(), position.high_water.max(price).value(), now)
    }
}

/// Thresholds of one position, computed once per position.
#[derive(Debug, Clone, Copy)]
struct Levels {
    stop: Option<Decimal>,
    take: Option<Decimal>,
    arm: Option<Decimal>,
    trail_keep: Decimal,
    deadline: Option<DateTime<Utc>>,
}

fn scaled(avg: Decimal, pct: Decimal) -> Decimal {
    avg.saturating_mul(HUNDRED.saturating_add(pct)) / HUNDRED
}

impl Levels {
    fn new(rules: &ExitRules, position: &Position) -> Levels {
        let avg = position.avg_price.value();
        Levels {
            stop: rules.stop_loss_pct.map(|p| scaled(avg, -p)),
            take: rules.take_profit_pct.map(|p| scaled(avg, p)),
            arm: rules.trailing_stop.map(|t| scaled(avg, t.arm_pct)),
            trail_keep: rules.trailing_stop.map_or(Decimal::ONE, |t| (HUNDRED - t.distance_pct) / HUNDRED),
            deadline: rules
                .max_holding_secs
                .and_then(|s| i64::try_from(s).ok())
                .and_then(Duration::try_seconds)
                .and_then(|d| position.opened_at.checked_add_signed(d)),
        }
    }

    fn trail_level(&self, high_water: Decimal, armed: bool) -> Option<Decimal> {
        self.arm.filter(|arm| armed || high_water >= *arm).map(|_| high_water.saturating_mul(self.trail_keep))
    }

    fn check(&self, price: Decimal, high_water: Decimal, now: DateTime<Utc>) -> Option<ExitReason> {
        self.check_with_trail(price, self.trail_level(high_water, false), now)
    }

    fn check_with_trail(&self, price: Decimal, trail: Option<Decimal>, now: DateTime<Utc>) -> Option<ExitReason> {
        self.check_rules(price, trail, now, false)
    }

    /// `protective_only` skips take-profit, so a position above it whose holding time is up is reported as
    /// the protective exit it also is (the one a halt lets through).
    fn check_rules(
        &self,
        price: Decimal,
        trail: Option<Decimal>,
        now: DateTime<Utc>,
        protective_only: bool,
    ) -> Option<ExitReason> {
        if self.stop.is_some_and(|s| price <= s) {
            Some(ExitReason::StopLoss)
        } else if !protective_only && self.take.is_some_and(|t| price >= t) {
            Some(ExitReason::TakeProfit)
        } else if trail.is_some_and(|t| price <= t) {
            Some(ExitReason::TrailingStop)
        } else if self.deadline.is_some_and(|d| now >= d) {
            Some(ExitReason::MaxHoldingTime)
        } else {
            None
        }
    }
}

/// [`ExitRules`] for a stream of ticks: the thresholds are computed once per position and the trailing level
/// only when the high-water mark rises, so a tick costs a few decimal comparisons. Same answers as
/// [`ExitRules::evaluate`].
#[derive(Debug, Clone)]
pub struct ExitMonitor {
    rules: ExitRules,
    cached: Option<Cached>,
}

#[derive(Debug, Clone, Copy)]
struct Cached {
    avg_price: Price,
    opened_at: DateTime<Utc>,
    levels: Levels,
    high_water: Price,
    /// Once armed, a trailing stop stays armed for the position.
    armed: bool,
    trail: Option<Decimal>,
}

impl ExitMonitor {
    pub fn new(rules: ExitRules) -> Result<ExitMonitor, ConfigError> {
        rules.validate()?;
        Ok(ExitMonitor { rules, cached: None })
    }

    /// A monitor that carries on the exits of a position from an earlier run: its high-water mark is
    /// `position.high_water`, and a trailing stop that was armed then stays armed (even if the arming
    /// threshold was raised since: the stop the position had is not taken away by a restart).
    pub fn resume(rules: ExitRules, position: &Position, trailing_armed: bool) -> Result<ExitMonitor, ConfigError> {
        let mut monitor = ExitMonitor::new(rules)?;
        monitor.cache(position, trailing_armed);
        Ok(monitor)
    }

    pub fn rules(&self) -> &ExitRules {
        &self.rules
    }

    fn cache(&mut self, position: &Position, armed: bool) -> &mut Cached {
        let levels = Levels::new(&self.rules, position);
        let trail = levels.trail_level(position.high_water.value(), armed);
        self.cached.insert(Cached {
            avg_price: position.avg_price,
            opened_at: position.opened_at,
            levels,
            high_water: position.high_water,
            armed: trail.is_some(),
            trail,
        })
    }

    /// Checks one tick of `position`. A position with a different average price or opening time than the
    /// last one (a new position, or an add) gets fresh thresholds.
    pub fn check(&mut self, position: &Position, price: Price, now: DateTime<Utc>) -> Option<ExitReason> {
        self.check_in(position, price, now, false)
    }

    /// [`check`](Self::check), with only the [protective](ExitReason::is_protective) rules when
    /// `protective_only` (while halted: a take-profit would be refused, a holding time that is up must not be
    /// hidden behind it).
    pub fn check_in(
        &mut self,
        position: &Position,
        price: Price,
        now: DateTime<Utc>,
        protective_only: bool,
    ) -> Option<ExitReason> {
        let same = self.cached.is_some_and(|c| c.avg_price == position.avg_price && c.opened_at == position.opened_at);
        let cached = match (&mut self.cached, same) {
            (Some(c), true) => c,
            _ => self.cache(position, false),
        };
        let high_water = cached.high_water.max(position.high_water).max(price);
        if high_water > cached.high_water {
            cached.high_water = high_water;
            cached.trail = cached.levels.trail_level(high_water.value(), cached.armed);
            cached.armed = cached.trail.is_some();
        }
        cached.levels.check_rules(price.value(), cached.trail, now, protective_only)
    }

    /// The high-water mark the monitor has seen for the current position (it also counts ticks the caller's
    /// position record may not have been marked with yet).
    pub fn high_water(&self) -> Option<Price> {
        self.cached.map(|c| c.high_water)
    }

    /// Whether the monitor's figures are for `position` (same average and opening; a new position or an add
    /// is not, until its first check).
    pub fn tracks(&self, position: &Position) -> bool {
        self.cached.is_some_and(|c| c.avg_price == position.avg_price && c.opened_at == position.opened_at)
    }

    /// Whether the trailing stop of the current position is armed.
    pub fn trailing_armed(&self) -> bool {
        self.cached.is_some_and(|c| c.armed)
    }

    /// Forgets the current position (after it was closed).
    pub fn clear(&mut self) {
        self.cached = None;
    }
}
