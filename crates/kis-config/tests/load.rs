//! Loading through the real `config` crate layers: shipped defaults, a user file, a fake environment.

use std::collections::BTreeMap;

use kis_config::{
    DEFAULT_TOML, LoadError, Origin, RealMoneyError, Severity, SourceFile, TradingEnvironment, check, check_real_money,
    explain, load,
};
use kis_model::Environment;
use kis_strategy::StrategyConfig;
use kis_strategy::kst::KstTime;
use rust_decimal_macros::dec;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn user(text: &str) -> Option<SourceFile<'_>> {
    Some(SourceFile { name: "my.toml", text })
}

fn invalid(err: LoadError) -> String {
    match err {
        LoadError::Invalid(text) => text,
        other => panic!("expected a schema error, got {other}"),
    }
}

#[test]
fn shipped_defaults_load_and_are_valid() {
    let loaded = load(DEFAULT_TOML, None, &BTreeMap::new()).unwrap();
    let c = &loaded.config;
    assert_eq!(c.environment, TradingEnvironment::Sim);
    assert!(!c.real_trading.confirm);
    assert_eq!(
        (c.sim.symbols, c.sim.speed, c.sim.seed, c.sim.emulate),
        (Some(300), Some(60), Some(7), Environment::Real)
    );
    assert_eq!(c.exits.stop_loss_pct, Some(dec!(0.8)));
    assert_eq!(c.exits.max_holding_secs, Some(900));
    assert_eq!((c.feed.silence_timeout_ms, c.feed.data_silence_timeout_ms, c.feed.sim_sessions), (150_000, 10_000, 2));
    assert_eq!((c.router.cancel_unfilled_after_secs, c.router.poll_interval_secs), (60, 5));
    assert_eq!(c.screener.quotes_per_poll, 40);
    assert!(c.screener.universe.is_empty() && c.screener.pinned.is_empty());
    assert_eq!(c.screener.min_volume, 100_000);
    assert_eq!(c.screener.max_spread_pct, dec!(0.3));
    assert_eq!(c.screener.min_market_cap_krw, dec!(100000000000));
    assert_eq!(c.screener.watchlist_max, 30);
    assert_eq!(c.logging.dir.to_str(), Some("logs"));
    assert_eq!(c.daemon.state_dir.to_str(), Some("state"));
    assert_eq!(c.daemon.shutdown_at, Some(KstTime::hm(15, 40)));
    assert_eq!(c.api.effective_requests_per_second(c.environment, c.sim.emulate), 20);
    let [StrategyConfig::KrxScalping(s)] = c.strategies.as_slice() else { panic!("{:?}", c.strategies) };
    assert_eq!((s.upticks.count, s.volume.min_trade_strength, s.volume.surge_multiple), (3, 100.0, 2.0));
    assert_eq!(s.windows.pullback_rebound.start, KstTime::hm(9, 10));
    assert_eq!(s.windows.pullback_rebound.min_pullback_pct, dec!(0.5));
    // Untouched fields keep the strategy's own defaults.
    assert_eq!((s.rsi.min, s.rsi.max), (50.0, 70.0));
    let findings = check(c);
    assert!(findings.iter().all(|f| f.severity == Severity::Warning), "{findings:?}");
    assert_eq!(loaded.origins.of("environment"), Origin::DefaultFile);
    assert_eq!(loaded.origins.of("strategies[0].rsi.min"), Origin::DefaultFile);
    assert_eq!(loaded.origins.of("risk.sizing.max_open_positions"), Origin::BuiltIn);
}

#[test]
fn an_empty_defaults_text_gives_the_schema_defaults() {
    let c = load("", None, &BTreeMap::new()).unwrap().config;
    assert_eq!(c, kis_config::DaemonConfig::default());
    assert_eq!(c.api.effective_requests_per_second(TradingEnvironment::Real, Environment::Paper), 20);
}

#[test]
fn the_environment_overrides_the_file_which_overrides_the_defaults() {
    let file = "[screener]\npoll_interval_secs = 5\nwatchlist_max = 12\n";
    let only_file = load(DEFAULT_TOML, user(file), &BTreeMap::new()).unwrap();
    assert_eq!(only_file.config.screener.poll_interval_secs, 5);
    assert_eq!(only_file.origins.of("screener.poll_interval_secs"), Origin::UserFile("my.toml".into()));
    assert_eq!(only_file.origins.of("screener.min_volume"), Origin::DefaultFile);

    let e = env(&[("KIS__SCREENER__POLL_INTERVAL_SECS", "3"), ("KIS__SIM__SPEED", "120")]);
    let both = load(DEFAULT_TOML, user(file), &e).unwrap();
    assert_eq!(both.config.screener.poll_interval_secs, 3);
    assert_eq!(both.config.screener.watchlist_max, 12);
    assert_eq!(both.config.sim.speed, Some(120));
    assert_eq!(both.origins.of("screener.poll_interval_secs"), Origin::Env("KIS__SCREENER__POLL_INTERVAL_SECS".into()));
    assert_eq!(both.origins.of("screener.watchlist_max"), Origin::UserFile("my.toml".into()));

    // A user file's [[strategies]] replaces the shipped list whole.
    let strategies = "[[strategies]]\nkind = \"rsi_reversal\"\n";
    let replaced = load(DEFAULT_TOML, user(strategies), &BTreeMap::new()).unwrap().config;
    assert!(matches!(replaced.strategies.as_slice(), [StrategyConfig::RsiReversal(_)]), "{:?}", replaced.strategies);
}

#[test]
fn flat_and_nested_environment_forms() {
    let e = env(&[
        ("KIS_APP_KEY", "PSflatappkey000000000000000000000001"),
        ("KIS__API__APP_SECRET", "nested-secret-value-0000000000000"),
        ("KIS_ACCOUNT", "50012345-01"),
        ("KIS_HTS_ID", "trader01"),
        ("KIS_TELEGRAM_BOT_TOKEN", "123456:telegram-token-aaaaaaaaaaaa"),
        ("KIS_TELEGRAM_CHAT_ID", "00123"),
        ("KIS__ENVIRONMENT", "paper"),
        ("UNRELATED", "x"),
    ]);
    let loaded = load(DEFAULT_TOML, None, &e).unwrap();
    let c = &loaded.config;
    assert_eq!(c.environment, TradingEnvironment::Paper);
    assert_eq!(c.api.app_key.as_ref().unwrap().expose(), "PSflatappkey000000000000000000000001");
    assert_eq!(c.api.app_secret.as_ref().unwrap().expose(), "nested-secret-value-0000000000000");
    assert_eq!((c.api.account.as_ref().unwrap().cano(), c.api.account.as_ref().unwrap().product()), ("50012345", "01"));
    assert_eq!(c.api.hts_id.as_ref().unwrap().expose(), "trader01");
    // Strings stay strings: no number parsing that would eat leading zeros.
    assert_eq!(c.notifier.telegram.chat_id.as_deref(), Some("00123"));
    assert!(c.notifier.telegram.is_enabled());
    assert_eq!(loaded.origins.of("api.app_key"), Origin::Env("KIS_APP_KEY".into()));
    assert_eq!(loaded.origins.of("api.app_secret"), Origin::Env("KIS__API__APP_SECRET".into()));
    assert!(check(c).iter().all(|f| f.severity == Severity::Warning), "{:?}", check(c));

    // Both forms of one key: the nested one wins, and the loader says so.
    let e = env(&[("KIS_APP_KEY", "flat-key-0000000000"), ("KIS__API__APP_KEY", "nested-key-000000000")]);
    let loaded = load(DEFAULT_TOML, None, &e).unwrap();
    assert_eq!(loaded.config.api.app_key.unwrap().expose(), "nested-key-000000000");
    assert_eq!(loaded.notes, ["KIS_APP_KEY and KIS__API__APP_KEY are both set; KIS__API__APP_KEY wins"]);

    // An empty variable is unset, not an empty secret.
    let loaded = load(DEFAULT_TOML, None, &env(&[("KIS_APP_KEY", ""), ("KIS__API__APP_SECRET", "")])).unwrap();
    assert_eq!((loaded.config.api.app_key, loaded.config.api.app_secret), (None, None));
}

#[test]
fn unknown_keys_are_errors_that_name_the_key() {
    let err = invalid(load(DEFAULT_TOML, user("[api]\napp_kye = \"x\"\n"), &BTreeMap::new()).unwrap_err());
    assert!(err.contains("app_kye"), "{err}");
    let err = invalid(load(DEFAULT_TOML, user("enviroment = \"paper\"\n"), &BTreeMap::new()).unwrap_err());
    assert!(err.contains("enviroment"), "{err}");
    let err = invalid(
        load(DEFAULT_TOML, user("[[strategies]]\nkind = \"krx_scalping\"\nupticks = { cnt = 2 }\n"), &BTreeMap::new())
            .unwrap_err(),
    );
    assert!(err.contains("cnt"), "{err}");
    let err = invalid(load(DEFAULT_TOML, None, &env(&[("KIS__SCREENER__WATCHLIST", "5")])).unwrap_err());
    assert!(err.contains("watchlist"), "{err}");
}

#[test]
fn bad_values_name_the_key_and_syntax_errors_give_a_position() {
    let err =
        invalid(load(DEFAULT_TOML, user("[api]\nrequests_per_second = \"fast\"\n"), &BTreeMap::new()).unwrap_err());
    assert!(err.contains("requests_per_second"), "{err}");
    let err = invalid(load(DEFAULT_TOML, user("environment = \"moon\"\n"), &BTreeMap::new()).unwrap_err());
    assert!(err.contains("moon") && err.contains("environment"), "{err}");
    let err = invalid(load(DEFAULT_TOML, None, &env(&[("KIS_ACCOUNT", "1234")])).unwrap_err());
    assert!(err.contains("account") && err.contains("8 digits"), "{err}");
    match load(DEFAULT_TOML, user("[logging]\nlevel = \"info\"\ndir = \n"), &BTreeMap::new()).unwrap_err() {
        LoadError::Syntax { name, line, column, .. } => assert_eq!((name.as_str(), line, column), ("my.toml", 3, 7)),
        other => panic!("{other}"),
    }
}

#[test]
fn a_path_must_be_a_string_and_list_items_keep_the_dot_in_their_key() {
    for (text, key) in [
        ("[daemon]\nstate_dir = 5\n", "daemon.state_dir"),
        ("[logging]\ndir = true\n", "logging.dir"),
        ("[sim]\nfile = 7\n", "sim.file"),
    ] {
        let err = invalid(load(DEFAULT_TOML, user(text), &BTreeMap::new()).unwrap_err());
        assert!(err.contains("expected a path in quotes") && err.contains(&format!("`{key}`")), "{text}: {err}");
    }
    // From the environment every value is a string: a directory named 5 is what was asked for.
    let c = load(DEFAULT_TOML, None, &env(&[("KIS__DAEMON__STATE_DIR", "5")])).unwrap().config;
    assert_eq!(c.daemon.state_dir, std::path::PathBuf::from("5"));

    let err = invalid(load(DEFAULT_TOML, user("[[strategies]]\nkind = \"bogus\"\n"), &BTreeMap::new()).unwrap_err());
    assert!(err.contains("for key `strategies[0].kind`"), "{err}");
}

#[test]
fn real_money_needs_environment_confirm_and_flag() {
    let creds =
        [("KIS_APP_KEY", "k-0000000000000000"), ("KIS_APP_SECRET", "s-000000000000000"), ("KIS_ACCOUNT", "1234567801")];
    let mut pairs = creds.to_vec();
    pairs.push(("KIS__ENVIRONMENT", "real"));
    let unconfirmed = load(DEFAULT_TOML, None, &env(&pairs)).unwrap().config;
    assert_eq!(check_real_money(&unconfirmed, true), Err(RealMoneyError::NotConfirmed));
    let errors: Vec<_> = check(&unconfirmed).into_iter().filter(|f| f.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "real_trading.confirm");

    pairs.push(("KIS__REAL_TRADING__CONFIRM", "true"));
    let confirmed = load(DEFAULT_TOML, None, &env(&pairs)).unwrap().config;
    assert_eq!(check_real_money(&confirmed, false), Err(RealMoneyError::FlagMissing));
    assert_eq!(check_real_money(&confirmed, true), Ok(()));
    assert!(check(&confirmed).iter().all(|f| f.severity == Severity::Warning));
    assert!(check(&confirmed).iter().any(|f| f.key == "real_trading.confirm"));

    // Paper and sim need no confirmation, even with the confirm switch off and no flag.
    let paper = load(DEFAULT_TOML, user("environment = \"paper\"\n"), &BTreeMap::new()).unwrap().config;
    assert_eq!(check_real_money(&paper, false), Ok(()));
}

#[test]
fn checks_name_missing_credentials_rates_telegram_and_strategy_problems() {
    let paper = load(DEFAULT_TOML, user("environment = \"paper\"\n[api]\nrequests_per_second = 5\n"), &BTreeMap::new())
        .unwrap()
        .config;
    let findings = check(&paper);
    let keys = |sev: Severity| -> Vec<String> {
        findings.iter().filter(|f| f.severity == sev).map(|f| f.key.clone()).collect()
    };
    assert_eq!(keys(Severity::Error), ["api.app_key", "api.app_secret", "api.account"]);
    assert_eq!(keys(Severity::Warning), ["api.hts_id", "api.requests_per_second"]);
    assert!(findings[0].to_string().starts_with("error: api.app_key: required on paper"), "{}", findings[0]);

    let e = env(&[("KIS_TELEGRAM_BOT_TOKEN", "123:abc-def-ghi-jkl-mno")]);
    let c = load(DEFAULT_TOML, None, &e).unwrap().config;
    assert!(check(&c).iter().any(|f| f.key == "notifier.telegram.chat_id" && f.severity == Severity::Warning));

    let bad = "[[strategies]]\nkind = \"krx_scalping\"\nrsi = { min = 80.0, max = 20.0 }\n[sim]\nspeed = 5000\n";
    let c = load(DEFAULT_TOML, user(bad), &BTreeMap::new()).unwrap().config;
    let errors: Vec<String> =
        check(&c).iter().filter(|f| f.severity == Severity::Error).map(|f| f.key.clone()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|k| k.starts_with("strategies[0].rsi")), "{errors:?}");
    assert!(errors.contains(&"sim.speed".to_string()), "{errors:?}");
}

#[test]
fn no_secret_reaches_debug_explanations_or_errors() {
    const KEY: &str = "PSzzSECRETAPPKEYzz0000000000000000qq";
    const SECRET: &str = "zzSECRETAPPSECRETzz00000000000000000000000ww";
    const TOKEN: &str = "987654:zzSECRETBOTTOKENzz0000000ee";
    const HTS: &str = "zzhtsidzz";
    let e = env(&[
        ("KIS_APP_KEY", KEY),
        ("KIS__API__APP_SECRET", SECRET),
        ("KIS_TELEGRAM_BOT_TOKEN", TOKEN),
        ("KIS_HTS_ID", HTS),
        ("KIS_ACCOUNT", "98765432-01"),
    ]);
    let forbidden = [KEY, SECRET, TOKEN, HTS, "98765432", "zzSECRET"];
    let loaded = load(DEFAULT_TOML, None, &e).unwrap();
    let mut shown = format!("{:?}\n", loaded.config);
    for line in explain(&loaded) {
        shown.push_str(&format!("{} = {}  # {}\n", line.key, line.value, line.origin));
    }
    for f in check(&loaded.config) {
        shown.push_str(&format!("{f}\n"));
    }
    for s in forbidden {
        assert!(!shown.contains(s), "{s} leaked:\n{shown}");
    }
    assert!(shown.contains("api.app_key = \"***qq\"  # env KIS_APP_KEY"), "{shown}");
    assert!(shown.contains("api.hts_id = \"***\"  # env KIS_HTS_ID"), "{shown}");
    assert!(shown.contains("api.account = \"***\"  # env KIS_ACCOUNT"), "{shown}");

    // Errors: a syntax error on a secret's own line, and a schema error while secrets are in the env and file.
    let file = format!("[api]\napp_secret = \"{SECRET}\" x\n");
    let err = load(DEFAULT_TOML, user(&file), &e).unwrap_err().to_string();
    assert!(!err.contains(SECRET) && err.contains("line 2"), "{err}");
    let only_key = env(&[("KIS_APP_KEY", KEY)]);
    let file =
        format!("[api]\napp_secret = \"{SECRET}\"\n[notifier.telegram]\nbot_token = {{ value = \"{TOKEN}\" }}\n");
    let err = load(DEFAULT_TOML, user(&file), &only_key).unwrap_err().to_string();
    for s in forbidden {
        assert!(!err.contains(s), "{s} leaked: {err}");
    }
    assert!(err.contains("bot_token"), "{err}");
    // A secret pasted under a key that wants a number: whatever the parser quotes is scrubbed.
    let file = format!("[api]\napp_secret = \"{SECRET}\"\nrequests_per_second = \"{SECRET}\"\n");
    let err = load(DEFAULT_TOML, user(&file), &only_key).unwrap_err().to_string();
    assert!(!err.contains(SECRET) && err.contains("requests_per_second"), "{err}");
}

#[test]
fn an_external_simulator_needs_loopback_urls() {
    let errors_of = |text: &str| -> Vec<String> {
        let c = load(DEFAULT_TOML, user(text), &BTreeMap::new()).unwrap().config;
        check(&c).iter().filter(|f| f.severity == Severity::Error).map(|f| f.to_string()).collect()
    };
    let missing = errors_of("[sim]\nexternal = true\n");
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(missing[0].starts_with("error: api.rest_base: required with [sim] external = true"), "{missing:?}");
    let remote = errors_of(
        "[sim]\nexternal = true\n[api]\nrest_base = \"https://openapi.koreainvestment.com:9443\"\n\
         ws_url = \"ws://localhost:21000\"\n",
    );
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert!(remote[0].contains("api.rest_base") && remote[0].contains("loopback"), "{remote:?}");
    let ok = errors_of(
        "[sim]\nexternal = true\n[api]\nrest_base = \"http://127.0.0.1:40123\"\nws_url = \"ws://[::1]:40124/x\"\n",
    );
    assert!(ok.is_empty(), "{ok:?}");
    // Off by default: the embedded simulator needs no URL.
    assert!(errors_of("").is_empty());
}

#[test]
fn simulator_sessions_are_limited_by_what_they_carry_not_by_a_constant() {
    let errors_of = |text: &str| -> Vec<String> {
        let c = load(DEFAULT_TOML, user(text), &BTreeMap::new()).unwrap().config;
        check(&c).iter().filter(|f| f.severity == Severity::Error).map(|f| f.key.clone()).collect()
    };
    assert!(errors_of("[feed]\nsim_sessions = 16\n[screener]\nwatchlist_max = 500\n").is_empty());
    assert_eq!(errors_of("[feed]\nsim_sessions = 0\n"), ["feed.sim_sessions"]);
    // 16 sessions of 41 registrations, one taken by the notices: 655 symbols at most, 656 cannot be watched.
    assert_eq!(errors_of("[feed]\nsim_sessions = 16\n[screener]\nwatchlist_max = 656\n"), ["screener.watchlist_max"]);
}
