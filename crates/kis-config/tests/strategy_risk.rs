//! Per-strategy risk tables through the real loader, how they relate to the top-level `[risk]`, and the
//! shipped config/us.toml as a layer over the defaults.

use std::collections::BTreeMap;

use kis_config::{DEFAULT_TOML, LoadError, Severity, SourceFile, check, explain, load};
use kis_strategy::StrategyConfig;
use kis_strategy::bar_aggregator::BarInterval;
use kis_strategy::risk::{LimitAction, RiskConfig};
use rust_decimal_macros::dec;

const US_TOML: &str = include_str!("../../../config/us.toml");

fn user(text: &str) -> Option<SourceFile<'_>> {
    Some(SourceFile { name: "my.toml", text })
}

fn none() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn the_shipped_us_file_loads_as_a_layer_and_checks_clean() {
    let loaded = load(DEFAULT_TOML, Some(SourceFile { name: "config/us.toml", text: US_TOML }), &none()).unwrap();
    let c = &loaded.config;
    let [strategy @ StrategyConfig::UsRsiMacd(us)] = c.strategies.as_slice() else { panic!("{:?}", c.strategies) };
    assert_eq!(us.tickers, "NASDAQ:TQQQ,NYSE:O,AMEX:XLF");
    assert_eq!(us.symbols().unwrap().len(), 3);
    assert_eq!(
        (us.rsi_interval, us.macd_interval(), us.input_bar_interval),
        (BarInterval::Day, BarInterval::Day, BarInterval::Min1)
    );
    assert_eq!((us.rsi_period, us.oversold, us.overbought), (14, 50.0, 60.0));
    assert_eq!((us.macd_fast, us.macd_slow, us.macd_signal, us.golden_cross_bars), (12, 26, 9, 5));
    assert_eq!((us.buy_delay_secs, us.sell_delay_secs, us.check_interval_minutes), (300, 300, 1));
    assert_eq!((us.buy_cash_fraction, us.sell_position_fraction), (dec!(0.3), dec!(0.3)));
    assert_eq!((us.stop_loss_pct, us.limit_offset_pct), (dec!(5), dec!(0.5)));
    // No table of its own: the US rule, not the top-level (KRX) [risk].
    assert_eq!(c.strategy_risk(strategy), strategy.default_risk());
    assert_eq!(c.strategy_risk(strategy).sizing.max_position_pct, None);
    // Only warnings, and none about the strategy: the daemon trades it live.
    let findings = check(c);
    assert!(findings.iter().all(|f| f.severity == Severity::Warning), "{findings:?}");
    let about: Vec<_> = findings.iter().filter(|f| f.key.starts_with("strategies")).collect();
    assert!(about.is_empty(), "{about:?}");
    // check-config shows each value with the file it came from.
    let lines = explain(&loaded);
    let line = |key: &str| lines.iter().find(|l| l.key == key).unwrap_or_else(|| panic!("{key} missing"));
    assert_eq!(line("strategies[0].macd_interval").value, "\"day\"");
    assert_eq!(line("strategies[0].macd_interval").origin, "file config/us.toml");
    assert_eq!(line("strategies[0].risk").value, "(unset)");
}

#[test]
fn a_strategy_risk_table_parses_through_the_layers() {
    let file = r#"
[[strategies]]
kind = "us_rsi_macd"
tickers = "NASDAQ:TQQQ"
[strategies.risk.sizing]
max_position_pct = "none"
max_open_positions = 3
[strategies.risk.daily_loss]
max_loss_pct = 10
action = "halt"

[[strategies]]
kind = "krx_scalping"

[risk.sizing]
max_position_pct = 20
"#;
    let loaded = load(DEFAULT_TOML, user(file), &none()).unwrap();
    let c = &loaded.config;
    let [us, krx] = c.strategies.as_slice() else { panic!("{:?}", c.strategies) };
    let own = c.strategy_risk(us);
    assert_eq!((own.sizing.max_position_pct, own.sizing.max_open_positions), (None, 3));
    assert_eq!((own.daily_loss.max_loss_pct, own.daily_loss.action), (dec!(10), LimitAction::Halt));
    assert_eq!(own.order_rate, RiskConfig::default().order_rate, "unset: the default");
    // The KRX strategy has no table: the top-level [risk] is its rules.
    assert_eq!(c.strategy_risk(krx), c.risk);
    assert_eq!(c.strategy_risk(krx).sizing.max_position_pct, Some(dec!(20)));
    assert!(check(c).iter().all(|f| f.severity == Severity::Warning), "{:?}", check(c));
    let lines = explain(&loaded);
    let shown = lines.iter().find(|l| l.key == "strategies[0].risk.sizing.max_position_pct").unwrap();
    assert_eq!((shown.value.as_str(), shown.origin.as_str()), ("\"none\"", "file my.toml"));
}

#[test]
fn bad_strategy_risk_values_are_named() {
    let err = |file: &str| match load(DEFAULT_TOML, user(file), &none()).unwrap_err() {
        LoadError::Invalid(text) => text,
        other => panic!("expected a schema error, got {other}"),
    };
    let text = err("[[strategies]]\nkind = \"us_rsi_macd\"\n[strategies.risk.sizing]\nmax_postion_pct = 5\n");
    assert!(text.contains("unknown field `max_postion_pct`"), "{text}");
    let text = err("[[strategies]]\nkind = \"us_rsi_macd\"\n[strategies.risk]\nexits = {}\n");
    assert!(text.contains("unknown field `exits`"), "{text}");
    let text = err("[[strategies]]\nkind = \"us_rsi_macd\"\n[strategies.risk.sizing]\nmax_position_pct = \"off\"\n");
    assert!(text.contains("or \"none\""), "{text}");
    let text = err("[[strategies]]\nkind = \"us_rsi_macd\"\nmacd_interval = \"7m\"\n");
    assert!(text.contains("invalid bar interval \"7m\""), "{text}");

    let findings_of = |file: &str| check(&load(DEFAULT_TOML, user(file), &none()).unwrap().config);
    for (table, key) in [
        ("[strategies.risk.sizing]\nmax_position_pct = 101", "strategies[0].risk.sizing.max_position_pct"),
        ("[strategies.risk.daily_loss]\nmax_loss_pct = 0", "strategies[0].risk.daily_loss.max_loss_pct"),
        ("[strategies.risk.order_rate]\nmax_per_minute = 0", "strategies[0].risk.order_rate.max_per_minute"),
    ] {
        let findings = findings_of(&format!("[[strategies]]\nkind = \"us_rsi_macd\"\n{table}\n"));
        let errors: Vec<_> = findings.iter().filter(|f| f.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{table}: {findings:?}");
        assert_eq!(errors[0].key, key);
    }
    let findings =
        findings_of("[[strategies]]\nkind = \"us_rsi_macd\"\ninput_bar_interval = \"5m\"\nmacd_interval = \"1m\"\n");
    assert!(
        findings.iter().any(|f| f.key == "strategies[0].input_bar_interval"
            && f.message == "5m bars cannot build macd_interval = 1m candles"),
        "{findings:?}"
    );
    // A top-level [risk] set while a US strategy has none of its own: told it does not apply to it.
    let findings = findings_of("[[strategies]]\nkind = \"us_rsi_macd\"\n[risk.sizing]\nmax_position_pct = 50\n");
    let warn = findings.iter().find(|f| f.key == "strategies[0].risk").expect("a warning about the US rules");
    assert_eq!(warn.severity, Severity::Warning);
    assert!(warn.message.contains("KRX strategies only"), "{}", warn.message);
    let quiet = findings_of("[[strategies]]\nkind = \"us_rsi_macd\"\n");
    assert!(quiet.iter().all(|f| f.key != "strategies[0].risk"), "{quiet:?}");
}

#[test]
fn the_position_cap_can_be_turned_off_from_the_environment() {
    let e: BTreeMap<String, String> =
        [("KIS__RISK__SIZING__MAX_POSITION_PCT".to_string(), "none".to_string())].into_iter().collect();
    let c = load(DEFAULT_TOML, None, &e).unwrap().config;
    assert_eq!(c.risk.sizing.max_position_pct, None);
    let e: BTreeMap<String, String> =
        [("KIS__RISK__SIZING__MAX_POSITION_PCT".to_string(), "45".to_string())].into_iter().collect();
    assert_eq!(load(DEFAULT_TOML, None, &e).unwrap().config.risk.sizing.max_position_pct, Some(dec!(45)));
}
