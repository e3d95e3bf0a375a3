//! `kis-trader check-config`: explanation with origins, exit codes, and no secret in any output. Each run gets
//! a cleared environment plus exactly the variables the test names.

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(config: Option<&PathBuf>, env: &[(&str, &str)]) -> (Output, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kis-trader"));
    cmd.arg("check-config").env_clear();
    if let Some(path) = config {
        cmd.arg("--config").arg(path);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out, text)
}

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kis-check-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(&format!("{key} = "))).unwrap_or_else(|| panic!("no {key} in\n{text}"))
}

#[test]
fn the_shipped_defaults_are_valid_and_explained() {
    let (out, text) = run(None, &[]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(line(&text, "environment").starts_with("environment = \"sim\""), "{text}");
    assert!(line(&text, "environment").ends_with("# config/default.toml"), "{text}");
    assert!(line(&text, "strategies[0].kind").contains("\"krx_scalping\""), "{text}");
    assert!(line(&text, "strategies[0].upticks.count").contains("= 3"), "{text}");
    assert!(line(&text, "risk.sizing.max_open_positions").ends_with("# built-in default"), "{text}");
    assert!(line(&text, "api.app_key").contains("(unset)"), "{text}");
    assert!(text.contains("config is valid (sim environment, 0 warnings)"), "{text}");
}

#[test]
fn file_and_environment_layers_are_shown_with_their_origin() {
    let path = file("layers.toml", "[screener]\npoll_interval_secs = 5\nwatchlist_max = 12\n");
    let (out, text) =
        run(Some(&path), &[("KIS__SCREENER__POLL_INTERVAL_SECS", "3"), ("KIS_TELEGRAM_CHAT_ID", "-100200300")]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let poll = line(&text, "screener.poll_interval_secs");
    assert!(
        poll.starts_with("screener.poll_interval_secs = 3")
            && poll.ends_with("# env KIS__SCREENER__POLL_INTERVAL_SECS")
    );
    let watch = line(&text, "screener.watchlist_max");
    assert!(watch.starts_with("screener.watchlist_max = 12") && watch.ends_with(&format!("# file {}", path.display())));
    assert!(line(&text, "notifier.telegram.chat_id").contains("\"-100200300\""), "{text}");
    assert!(text.contains("warning: notifier.telegram.bot_token: a chat id without a bot token"), "{text}");
}

#[test]
fn invalid_configs_exit_1_naming_each_problem() {
    let typo = file("typo.toml", "[screener]\nwatchlist_maxx = 10\n");
    let (out, text) = run(Some(&typo), &[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("watchlist_maxx") && text.contains("config is invalid"), "{text}");

    let (out, text) = run(None, &[("KIS__ENVIRONMENT", "real")]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for key in ["real_trading.confirm", "api.app_key", "api.app_secret", "api.account"] {
        assert!(text.contains(&format!("error: {key}: ")), "{key} not named:\n{text}");
    }
    assert!(text.contains("config is invalid: 4 errors"), "{text}");

    let (out, text) = run(Some(&PathBuf::from("/nonexistent/kis.toml")), &[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("/nonexistent/kis.toml"), "{text}");
}

#[test]
fn each_bad_value_is_an_error_under_its_own_key() {
    let bad = file(
        "bad-values.toml",
        "[screener]\nmin_market_cap_krw = -5\nwatchlist_max = 100000\nmin_range_pct = -1\nmax_spread_pct = -0.5\n\
         [[strategies]]\nkind = \"krx_scalping\"\nid = \"a\"\n[strategies.rsi]\nmax = inf\n",
    );
    let (out, text) = run(Some(&bad), &[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "error: screener.min_market_cap_krw: must not be negative, got -5",
        "error: screener.watchlist_max: 100000 symbols cannot be watched: 2 WebSocket session(s) of 41 registrations \
         carry at most 81",
        "error: screener.min_range_pct: must not be negative, got -1",
        "error: screener.max_spread_pct: must not be negative, got -0.5",
        "error: strategies[0].rsi.max: must be between 0 and 100, got inf",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(text.contains("config is invalid: 5 errors"), "{text}");
    assert!(!text.contains("error: screener: "), "every finding names its key:\n{text}");

    let (out, text) = run(Some(&file("state-dir.toml", "[daemon]\nstate_dir = 5\n")), &[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("expected a path in quotes for key `daemon.state_dir`"), "{text}");

    let (out, text) = run(Some(&file("kind.toml", "[[strategies]]\nkind = \"bogus\"\n")), &[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("for key `strategies[0].kind`"), "{text}");
}

#[test]
fn no_secret_value_appears_in_any_output() {
    const KEY: &str = "PSqqDISTINCTIVEKEYqq0000000000000042";
    const SECRET: &str = "qqDISTINCTIVESECRETqq/abcdefghijklmnopqrstuvwxyz0123456789+=";
    const TOKEN: &str = "424242:qqDISTINCTIVEBOTTOKENqq000000000";
    const HTS: &str = "qqhtsqq";
    const ACCOUNT: &str = "97531864-01";
    let env = [
        ("KIS_APP_KEY", KEY),
        ("KIS__API__APP_SECRET", SECRET),
        ("KIS_ACCOUNT", ACCOUNT),
        ("KIS_HTS_ID", HTS),
        ("KIS_TELEGRAM_BOT_TOKEN", TOKEN),
    ];
    let forbidden = [KEY, SECRET, TOKEN, HTS, "97531864", "DISTINCTIVE"];
    let paper = file("paper.toml", "environment = \"paper\"\n[api]\nrequests_per_second = 9\n");
    let real = file("real.toml", "environment = \"real\"\n[real_trading]\nconfirm = true\n");
    let syntax = file("syntax.toml", &format!("[api]\napp_secret = \"{SECRET}\" oops\n"));
    let schema =
        file("schema.toml", &format!("[api]\napp_secret = \"{SECRET}\"\nrequests_per_second = \"{SECRET}\"\n"));
    let mut codes = Vec::new();
    for config in [None, Some(&paper), Some(&real), Some(&syntax), Some(&schema)] {
        let (out, text) = run(config, &env);
        for secret in forbidden {
            assert!(!text.contains(secret), "{secret} leaked with {config:?}:\n{text}");
        }
        codes.push(out.status.code());
        if config == Some(&paper) {
            assert!(line(&text, "api.app_key").contains("\"***42\""), "{text}");
            assert!(line(&text, "api.app_secret").contains("\"***+=\""), "{text}");
            assert!(text.contains("warning: api.requests_per_second: 9/s is above KIS's 2/s"), "{text}");
        }
    }
    assert_eq!(codes, [Some(0), Some(0), Some(0), Some(1), Some(1)]);
}

#[test]
fn paper_explains_which_key_serves_what_and_hides_the_market_data_key() {
    let paper = [
        ("KIS__ENVIRONMENT", "paper"),
        ("KIS_APP_KEY", "PSpaperKeyForCheckConfig0000000001"),
        ("KIS_APP_SECRET", "paper-secret-for-check-config-000001"),
        ("KIS_ACCOUNT", "12345678-01"),
    ];
    let (out, text) = run(None, &paper);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("# screener: KIS offers no rank lists on paper, so it quotes the universe"), "{text}");
    assert!(text.contains("244 codes of config/krx-universe.toml (built in), as of 2024-06-28"), "{text}");

    let mut with_md = paper.to_vec();
    with_md.push(("KIS_MARKET_DATA_APP_KEY", "PSrealMarketDataKey00000000000000042"));
    with_md.push(("KIS_MARKET_DATA_APP_SECRET", "real-market-data-secret-0000000000042"));
    let (out, text) = run(None, &with_md);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("# screener rank lists and quotes: api.market_data.app_key (KIS's real domain)"), "{text}");
    assert!(text.contains("never used for orders or account reads"), "{text}");
    assert!(!text.contains("MarketDataKey0000") && !text.contains("real-market-data-secret"), "{text}");
    assert!(line(&text, "api.market_data.app_key").contains("***42"), "{text}");

    let bad = file("bad-universe.toml", "[screener]\nuniverse_file = \"/nonexistent/universe.toml\"\n");
    let (out, text) = run(Some(&bad), &paper);
    assert!(!out.status.success());
    assert!(text.contains("error: screener.universe_file: cannot read /nonexistent/universe.toml"), "{text}");
}

/// LOO/LOC/MOO/MOC are real-only at KIS: refused by the config check on paper (and on a simulator emulating
/// paper), naming the key; accepted on real. MOO/MOC cannot buy on any account.
#[test]
fn auction_order_types_are_refused_on_paper_naming_the_key() {
    let us = file(
        "us-auction.toml",
        "[[strategies]]\nkind = \"us_rsi_macd\"\ntickers = \"NASDAQ:TQQQ\"\nbuy_order_type = \"loc\"\n\
         sell_order_type = \"moc\"\n",
    );
    let creds = [
        ("KIS_APP_KEY", "PSpaperKeyForCheckConfig0000000001"),
        ("KIS_APP_SECRET", "paper-secret-for-check-config-000001"),
        ("KIS_ACCOUNT", "12345678-01"),
        ("KIS_HTS_ID", "tester"),
    ];
    let mut paper = creds.to_vec();
    paper.push(("KIS__ENVIRONMENT", "paper"));
    let (out, text) = run(Some(&us), &paper);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for (key, kind) in [("buy_order_type", "loc"), ("sell_order_type", "moc")] {
        let expected = format!(
            "error: strategies[0].{key}: {kind} is a US auction order KIS takes on real accounts only (paper accepts \
             limit orders, ORD_DVSN 00); set {key} = \"limit\" on paper"
        );
        assert!(text.contains(&expected), "missing {expected:?} in\n{text}");
    }
    assert!(text.contains("config is invalid: 2 errors"), "{text}");
    // A simulator emulating paper refuses them as KIS would: the same finding; emulating real (the shipped
    // default), they pass.
    let (out, text) = run(Some(&us), &[("KIS__SIM__EMULATE", "paper")]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("error: strategies[0].sell_order_type: moc is a US auction order"), "{text}");
    let (out, text) = run(Some(&us), &[]);
    assert_eq!(out.status.code(), Some(0), "{text}");

    let mut real = creds.to_vec();
    real.extend([("KIS__ENVIRONMENT", "real"), ("KIS__REAL_TRADING__CONFIRM", "true")]);
    let (out, text) = run(Some(&us), &real);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(line(&text, "strategies[0].sell_order_type").contains("\"moc\""), "{text}");

    let moo_buy = file("us-moo-buy.toml", "[[strategies]]\nkind = \"us_rsi_macd\"\nbuy_order_type = \"moo\"\n");
    let (out, text) = run(Some(&moo_buy), &real);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: strategies[0].buy_order_type: moo sells only at KIS (MOO/MOC take no buys)"),
        "{text}"
    );
}

#[test]
fn the_account_resync_period_has_a_floor() {
    let (out, text) = run(None, &[("KIS__DAEMON__ACCOUNT_RESYNC_SECS", "1")]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("error: daemon.account_resync_secs: must be at least 5"), "{text}");
    let (out, text) = run(None, &[("KIS__DAEMON__ACCOUNT_RESYNC_SECS", "30")]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(line(&text, "daemon.account_resync_secs").starts_with("daemon.account_resync_secs = 30"), "{text}");
}
