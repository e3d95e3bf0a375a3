//! Risk rules per strategy: the per-position cap can be off, held shares are valued as equity values them,
//! each strategy has its own default rules and may carry its own `risk` table.

mod common;

use common::*;
use kis_model::{Price, Qty, Side};
use kis_strategy::risk::*;
use kis_strategy::us_rsi_macd::{US_MAX_OPEN_POSITIONS, UsRsiMacdConfig};
use kis_strategy::{AccountSnapshot, Position, Signal, SignalKind, SignalQty, StrategyConfig, StrategyId};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn usd(d: Decimal) -> Price {
    Price::new(d).unwrap()
}

fn us_buy(limit: Decimal, quantity: SignalQty) -> Signal {
    Signal {
        symbol: tqqq(),
        side: Side::Buy,
        kind: SignalKind::Entry,
        quantity,
        limit: Some(usd(limit)),
        stop: None,
        order_type: kis_strategy::OrderType::Limit,
        strategy_id: StrategyId::new("us-rsi-macd"),
        reason: "test".into(),
    }
}

/// `qty` TQQQ held (bought at `avg`), `cash` left, equity = cash + qty × last, as the backtester and the
/// daemon count it.
fn holding(qty: u64, avg: Decimal, last: Decimal, cash: Decimal) -> AccountSnapshot {
    let position = Position {
        symbol: tqqq(),
        qty: Qty::new(qty),
        avg_price: usd(avg),
        opened_at: kst(2, 10, 0, 0),
        high_water: usd(avg),
    };
    AccountSnapshot {
        equity: cash + last * Decimal::from(qty),
        available_cash: cash,
        open_positions: 1,
        position: Some(position),
        order_pending: false,
        last_price: Some(usd(last)),
        last_buy_at: None,
        last_sell_at: None,
    }
}

fn engine(sizing: SizingRules) -> RiskEngine {
    RiskEngine::new(RiskConfig { sizing, ..RiskConfig::default() }).unwrap()
}

#[test]
fn a_cap_of_100_percent_never_refuses_a_buy_the_cash_pays_for() {
    // 99 shares at a last price of 100 and $100.50 of cash: equity 10,000.50. A one-share buy at the limit
    // 100.50 (last + 0.5 %) is exactly what the cash pays for. Valued at the limit, the held shares would be
    // worth 9,949.50 and the room 51 (half a share): refused. Valued at the last price, as equity is: 1 share.
    let all = SizingRules { max_position_pct: Some(dec!(100)), ..SizingRules::default() };
    let view = holding(99, dec!(100), dec!(100), dec!(100.50));
    let d = engine(all).evaluate(&us_buy(dec!(100.50), SignalQty::CashFraction(dec!(1))), &view, kst(2, 10, 0, 0));
    assert_eq!(d.approved().map(|o| o.qty), Some(Qty::new(1)), "{d:?}");
    // The same at every cash level: whatever the cash pays for at the limit is approved in full.
    for cents in [10_050u64, 20_100, 30_150, 99_999, 1_000_000] {
        let cash = Decimal::new(cents as i64, 2);
        let view = holding(99, dec!(100), dec!(100), cash);
        let want = (cash / dec!(100.50)).floor();
        let got =
            engine(all).evaluate(&us_buy(dec!(100.50), SignalQty::CashFraction(dec!(1))), &view, kst(2, 10, 0, 0));
        assert_eq!(got.approved().map(|o| o.qty.as_decimal()), Some(want), "cash {cash}");
    }
    // Without a last price the limit values the holding (the old behaviour, and the only price known).
    let unknown = AccountSnapshot { last_price: None, ..holding(99, dec!(100), dec!(100), dec!(100.50)) };
    let d = engine(all).evaluate(&us_buy(dec!(100.50), SignalQty::CashFraction(dec!(1))), &unknown, kst(2, 10, 0, 0));
    assert_eq!(d.refusal(), Some(RefuseReason::PositionCap));
}

#[test]
fn the_position_cap_can_be_off() {
    let off = SizingRules { max_position_pct: None, ..SizingRules::default() };
    assert_eq!(off.validate(), Ok(()));
    let cap = off.max_entry(dec!(10_000), usd(dec!(50)), None, dec!(9_000));
    assert_eq!(cap, SizeCap { qty: Qty::new(u64::MAX), limit: SizeLimit::Uncapped });
    // Other caps still apply: a stop 5 below risks 1.5 % of 10,000 = 150 → 30 shares.
    let cap = off.max_entry(dec!(10_000), usd(dec!(50)), Some(dec!(5)), dec!(9_000));
    assert_eq!(cap, SizeCap { qty: Qty::new(30), limit: SizeLimit::Risk });
    // Holding 90 % of equity in the symbol: 30 % of the cash left still buys, in full.
    let view = holding(180, dec!(50), dec!(50), dec!(1_000));
    let d = engine(off).evaluate(&us_buy(dec!(50.25), SignalQty::CashFraction(dec!(0.3))), &view, kst(2, 10, 0, 0));
    assert_eq!(d.approved().map(|o| o.qty), Some(Qty::new(5))); // 300 / 50.25 = 5.97
    // With the KRX cap (30 %) the same buy is refused.
    let d = engine(SizingRules::default()).evaluate(
        &us_buy(dec!(50.25), SignalQty::CashFraction(dec!(0.3))),
        &view,
        kst(2, 10, 0, 0),
    );
    assert_eq!(d.refusal(), Some(RefuseReason::PositionCap));
}

#[test]
fn max_position_pct_is_a_number_or_none() {
    let parse = |text: &str| toml::from_str::<SizingRules>(text);
    assert_eq!(parse("max_position_pct = \"none\"").unwrap().max_position_pct, None);
    assert_eq!(parse("max_position_pct = \"None\"").unwrap().max_position_pct, None);
    assert_eq!(parse("max_position_pct = 45").unwrap().max_position_pct, Some(dec!(45)));
    assert_eq!(parse("max_position_pct = 12.5").unwrap().max_position_pct, Some(dec!(12.5)));
    assert_eq!(parse("max_position_pct = \"20\"").unwrap().max_position_pct, Some(dec!(20)));
    assert_eq!(parse("").unwrap().max_position_pct, Some(dec!(30)), "absent: the default");
    let err = parse("max_position_pct = \"off\"").unwrap_err().to_string();
    assert!(err.contains("a percentage of equity (e.g. 30) or \"none\""), "{err}");
    let err = parse("max_position_pct = true").unwrap_err().to_string();
    assert!(err.contains("or \"none\""), "{err}");
    // Out of range is a validation error naming the field; "none" is always valid.
    let bad = parse("max_position_pct = 0").unwrap();
    assert_eq!(bad.validate().unwrap_err().field, "sizing.max_position_pct");
    // It serialises as written, so check-config shows "none".
    let off = SizingRules { max_position_pct: None, ..SizingRules::default() };
    assert_eq!(serde_json::to_value(off).unwrap()["max_position_pct"], "none");
    assert_eq!(serde_json::to_value(SizingRules::default()).unwrap()["max_position_pct"], "30");
    for rules in [off, SizingRules::default()] {
        let round: SizingRules = serde_json::from_value(serde_json::to_value(rules).unwrap()).unwrap();
        assert_eq!(round, rules);
    }
}

#[test]
fn each_strategy_has_its_own_default_risk() {
    let krx = StrategyConfig::KrxScalping(Default::default());
    assert_eq!(krx.default_risk(), RiskConfig::default());
    assert_eq!(krx.default_risk().sizing.max_position_pct, Some(dec!(30)));
    let us = StrategyConfig::UsRsiMacd(UsRsiMacdConfig::default());
    let rule = us.default_risk();
    assert_eq!(rule.sizing.max_position_pct, None, "the user's rule has no per-position cap");
    assert_eq!(rule.sizing.max_open_positions, US_MAX_OPEN_POSITIONS);
    assert_eq!((rule.daily_loss, rule.order_rate), (DailyLossLimit::default(), OrderRateLimit::default()));
    assert_eq!(rule.validate(), Ok(()));
    assert_eq!(us.effective_risk(), rule);
    // An account-wide table applies to the KRX strategies only.
    let shared = RiskConfig {
        sizing: SizingRules { max_position_pct: Some(dec!(10)), ..SizingRules::default() },
        ..RiskConfig::default()
    };
    assert_eq!(krx.risk_under(&shared), shared);
    assert_eq!(us.risk_under(&shared), rule);
    assert!(krx.follows_shared_risk() && !us.follows_shared_risk());
}

#[test]
fn a_strategy_may_carry_its_own_risk_table() {
    let config: StrategyConfig = toml::from_str(
        r#"
        kind = "us_rsi_macd"
        tickers = "NASDAQ:TQQQ"
        [risk.sizing]
        max_position_pct = 50
        [risk.daily_loss]
        max_loss_pct = 100
        [risk.order_rate]
        max_per_minute = 5
    "#,
    )
    .unwrap();
    let own = *config.risk().unwrap();
    assert_eq!(own.sizing.max_position_pct, Some(dec!(50)));
    assert_eq!(own.sizing.max_open_positions, 5, "unset fields keep RiskConfig's defaults");
    assert_eq!((own.daily_loss.max_loss_pct, own.order_rate.max_per_minute), (dec!(100), 5));
    assert_eq!(config.effective_risk(), own);
    assert_eq!(config.risk_under(&RiskConfig::default()), own);
    assert_eq!(config.validate(), Ok(()));

    let krx: StrategyConfig =
        toml::from_str("kind = \"krx_scalping\"\n[risk.sizing]\nmax_position_pct = \"none\"\n").unwrap();
    assert_eq!(krx.effective_risk().sizing.max_position_pct, None);
    let shared =
        RiskConfig { order_rate: OrderRateLimit { max_per_minute: 7, ..Default::default() }, ..Default::default() };
    assert_eq!(krx.risk_under(&shared).order_rate.max_per_minute, 30, "its own table wins over the shared one");

    // Unknown keys are errors that name them; bad values name the field under `risk.`.
    let err = toml::from_str::<StrategyConfig>("kind = \"us_rsi_macd\"\n[risk.sizing]\nmax_pos = 1\n").unwrap_err();
    assert!(err.to_string().contains("unknown field `max_pos`"), "{err}");
    let err = toml::from_str::<StrategyConfig>("kind = \"us_rsi_macd\"\n[risk]\nsizng = {}\n").unwrap_err();
    assert!(err.to_string().contains("unknown field `sizng`"), "{err}");
    for (table, field) in [
        ("[risk.sizing]\nmax_position_pct = 150", "risk.sizing.max_position_pct"),
        ("[risk.sizing]\nmax_open_positions = 0", "risk.sizing.max_open_positions"),
        ("[risk.daily_loss]\nmax_loss_pct = 0", "risk.daily_loss.max_loss_pct"),
        ("[risk.order_rate]\nmax_per_minute = 0", "risk.order_rate.max_per_minute"),
        (
            "[risk.sizing.kelly]\nwin_rate = 2\npayoff_ratio = 1\nmultiplier = 0.5\nmax_fraction = 0.2",
            "risk.sizing.kelly.win_rate",
        ),
    ] {
        let config: StrategyConfig = toml::from_str(&format!("kind = \"rsi_reversal\"\n{table}\n")).unwrap();
        let err = config.validate().unwrap_err();
        assert_eq!(err.field, field, "{table}: {err}");
    }
}
