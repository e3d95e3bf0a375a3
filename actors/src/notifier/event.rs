//! What the notifier reports and how each report reads to a trader glancing at a phone. Formatting is pure so
//! the exact wording is unit-tested; the actor only moves the finished text.

use chrono::{DateTime, NaiveDate, Utc};
use kis_config::TradingEnvironment;
use kis_model::grouping::group_decimal;
use kis_model::{Market, Money, OrderNo, Price, Qty, Side, Symbol};
use kis_strategy::{KstTime, StrategyConfig};
use rust_decimal::{Decimal, RoundingStrategy};

/// One position as shown in the start-up message.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    pub symbol: Symbol,
    pub qty: Qty,
    pub avg_price: Price,
    /// Unrealised profit or loss when the caller knows the last price.
    pub unrealized_pnl: Option<Money>,
}

/// Everything worth a message. Reasons are free text because they come from several typed sources (risk
/// refusals, strategy signals, exit rules) whose `Display` already says what happened.
#[derive(Debug, Clone, PartialEq)]
pub enum NotifyEvent {
    /// The daemon is up; shows what it already holds so an unexpected position is noticed at once.
    Started { environment: TradingEnvironment, holdings: Vec<Holding>, cash: Money },
    /// A buy order was sent.
    Buy { symbol: Symbol, qty: Qty, price: Price, reason: String },
    /// A sell order was sent (take-profit, trailing stop, time exit, manual...).
    Sell { symbol: Symbol, qty: Qty, price: Price, pnl: Option<Money>, reason: String },
    /// A stop-loss exit: reported apart from ordinary sells because it is the one a trader must see.
    StopLoss { symbol: Symbol, qty: Qty, price: Price, pnl: Money, reason: String },
    /// An order is completely filled.
    FullyFilled { symbol: Symbol, side: Side, qty: Qty, avg_price: Price, order_no: Option<OrderNo> },
    /// Something failed that the trader may need to act on.
    Error { context: String, message: String },
    /// Trading was switched off (daily loss limit, repeated restarts, operator request).
    Halt { reason: String },
    /// An order whose outcome is unknown (no usable answer from KIS), and later what the broker showed.
    /// While unknown, its symbol takes no new order.
    OrderOutcome { symbol: Symbol, side: Side, qty: Qty, outcome: OrderOutcome },
    /// A restriction lifted by itself (an order-rate breach once the rate is back under the limit).
    Resumed { reason: String },
    /// A market's session opened (or was open when the daemon started): the settings of the strategies
    /// trading it, and its holdings and cash in its currency (`cash` unset when the account was not read).
    SessionOpen {
        market: Market,
        open: DateTime<Utc>,
        strategies: Vec<StrategyConfig>,
        shutdown_at: Option<KstTime>,
        holdings: Vec<Holding>,
        cash: Option<Money>,
    },
    /// End-of-day totals, sent at the close.
    DailySummary {
        date: NaiveDate,
        realized_pnl: Money,
        trades: u32,
        wins: u32,
        losses: u32,
        open_positions: u32,
        equity: Option<Money>,
    },
}

/// What became of an order (or a modify of it) whose POST got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderOutcome {
    Unknown {
        detail: String,
    },
    FoundAtBroker,
    NeverReached,
    Conflict,
    /// A re-price to `price` got no usable answer; the symbol takes no new order until it is settled.
    ModifyUnknown {
        price: Price,
        detail: String,
    },
    /// The broker's list shows the re-price: the order works at `price`.
    ModifyFound {
        price: Price,
    },
    /// The broker's lists show no re-price past its deadline: the order works on at its old price.
    ModifyLapsed,
}

impl NotifyEvent {
    /// Short machine name used as the `event` field of the log line.
    pub fn kind(&self) -> &'static str {
        match self {
            NotifyEvent::Started { .. } => "started",
            NotifyEvent::Buy { .. } => "buy",
            NotifyEvent::Sell { .. } => "sell",
            NotifyEvent::StopLoss { .. } => "stop_loss",
            NotifyEvent::FullyFilled { .. } => "fully_filled",
            NotifyEvent::Error { .. } => "error",
            NotifyEvent::Halt { .. } => "halt",
            NotifyEvent::Resumed { .. } => "resumed",
            NotifyEvent::SessionOpen { .. } => "session_open",
            NotifyEvent::DailySummary { .. } => "daily_summary",
            NotifyEvent::OrderOutcome { .. } => "order_outcome",
        }
    }

    /// Alerts are logged at `warn` so they stand out in the log as well as on the phone.
    pub fn is_alert(&self) -> bool {
        matches!(
            self,
            NotifyEvent::StopLoss { .. }
                | NotifyEvent::Error { .. }
                | NotifyEvent::Halt { .. }
                | NotifyEvent::OrderOutcome {
                    outcome: OrderOutcome::Unknown { .. } | OrderOutcome::Conflict | OrderOutcome::ModifyUnknown { .. },
                    ..
                }
        )
    }
}

/// The message text for an event: one or two short lines, Korean label first, English after it.
pub fn format_event(event: &NotifyEvent) -> String {
    match event {
        NotifyEvent::Started { environment, holdings, cash } => {
            let list = if holdings.is_empty() {
                "보유 없음 no holdings".to_string()
            } else {
                let items: Vec<String> = holdings.iter().map(format_holding).collect();
                format!("보유 {}종목 holdings: {}", holdings.len(), items.join("; "))
            };
            format!("[시작 START] kis-trader ({environment}) | {list} | 예수금 cash {}", money(*cash))
        }
        NotifyEvent::Buy { symbol, qty, price, reason } => format!(
            "[매수 BUY] {symbol} {qty}주 @ {} (= {}) | reason: {reason}",
            priced(symbol, *price),
            priced_amount(symbol, *price * *qty)
        ),
        NotifyEvent::Sell { symbol, qty, price, pnl, reason } => {
            let pnl = pnl.map(|p| format!(" | 손익 P&L {}", signed_money(p))).unwrap_or_default();
            format!("[매도 SELL] {symbol} {qty}주 @ {}{pnl} | reason: {reason}", priced(symbol, *price))
        }
        NotifyEvent::StopLoss { symbol, qty, price, pnl, reason } => format!(
            "[손절 STOP-LOSS] {symbol} {qty}주 @ {} | 손익 P&L {} | reason: {reason}",
            priced(symbol, *price),
            signed_money(*pnl)
        ),
        NotifyEvent::FullyFilled { symbol, side, qty, avg_price, order_no } => {
            let label = match side {
                Side::Buy => "매수 BUY",
                Side::Sell => "매도 SELL",
            };
            let order = order_no.map(|n| format!(" | order {n}")).unwrap_or_default();
            format!("[체결 FILLED] {symbol} {label} {qty}주 전량체결 avg {}{order}", priced(symbol, *avg_price))
        }
        NotifyEvent::Error { context, message } => format!("[오류 ERROR] {context}: {message}"),
        NotifyEvent::Halt { reason } => format!("[중단 HALT] 거래 중단 trading halted: {reason}"),
        NotifyEvent::OrderOutcome { symbol, side, qty, outcome } => match outcome {
            OrderOutcome::Unknown { detail } => format!(
                "[확인중 UNKNOWN] {symbol} {side} {qty}주: 주문 결과 미확인 outcome unknown ({detail}); \
                     no new order on {symbol} until the broker's order list shows it"
            ),
            OrderOutcome::FoundAtBroker => {
                format!("[확인 FOUND] {symbol} {side} {qty}주: 주문 접수 확인 the broker has the order; trading on")
            }
            OrderOutcome::NeverReached => format!(
                "[미접수 NOT PLACED] {symbol} {side} {qty}주: 주문 미접수 never reached KIS \
                     (absent from its order list after the latest time it could have been accepted); not resent"
            ),
            OrderOutcome::Conflict => format!(
                "[확인불가 CONFLICT] {symbol} {side} {qty}주: the broker's orders do not tell which is ours; \
                     {symbol} paused for a person"
            ),
            OrderOutcome::ModifyUnknown { price, detail } => format!(
                "[확인중 UNKNOWN] {symbol} {side} {qty}주: 정정 결과 미확인 re-price to {} unknown ({detail}); \
                     no new order on {symbol} until the broker's order list settles it",
                priced(symbol, *price)
            ),
            OrderOutcome::ModifyFound { price } => format!(
                "[정정 확인 MODIFIED] {symbol} {side} {qty}주: 정정 확인 the broker shows the re-price; working at {}",
                priced(symbol, *price)
            ),
            OrderOutcome::ModifyLapsed => format!(
                "[정정 미접수 NOT MODIFIED] {symbol} {side} {qty}주: 정정 미접수 the re-price never reached KIS; \
                     the order works on at its old price"
            ),
        },
        NotifyEvent::Resumed { reason } => format!("[재개 RESUME] 거래 재개 trading resumed: {reason}"),
        NotifyEvent::SessionOpen { market, open, strategies, shutdown_at, holdings, cash } => {
            format_session_open(*market, *open, strategies, *shutdown_at, holdings, *cash)
        }
        NotifyEvent::DailySummary { date, realized_pnl, trades, wins, losses, open_positions, equity } => {
            let equity = equity.map(|e| format!(" | 평가 equity {}", money(e))).unwrap_or_default();
            format!(
                "[일일 요약 DAILY] {date} 실현손익 P&L {} | 거래 trades {trades} (승 win {wins} / 패 loss {losses}) \
                 | 보유 open {open_positions}{equity}",
                signed_money(*realized_pnl)
            )
        }
    }
}

/// One line per part (a phone shows a long single line badly): the open, each strategy's settings, the
/// holdings, the cash.
fn format_session_open(
    market: Market,
    open: DateTime<Utc>,
    strategies: &[StrategyConfig],
    shutdown_at: Option<KstTime>,
    holdings: &[Holding],
    cash: Option<Money>,
) -> String {
    let (name, zone) = match market {
        Market::Krx => ("KRX", market.tz()),
        Market::Us => ("NYSE", market.tz()),
    };
    let local = open.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z");
    let mut lines = vec![format!("[장 시작 OPEN] {name} {local}")];
    lines.extend(strategies.iter().map(format_settings));
    let stop = shutdown_at.map_or_else(|| "none".to_string(), |t| format!("{t} KST"));
    lines.push(format!("종료 shutdown: {stop}"));
    lines.push(if holdings.is_empty() {
        "보유 없음 no holdings".to_string()
    } else {
        let items: Vec<String> = holdings.iter().map(format_holding).collect();
        format!("보유 {}종목 holdings: {}", holdings.len(), items.join("; "))
    });
    lines.push(match cash {
        Some(cash) => format!("예수금 cash {}", money(cash)),
        None => "예수금 cash: not read yet".to_string(),
    });
    lines.join("\n")
}

/// A strategy's settings: the US bot's in the user's words; the others' as their configuration fields.
fn format_settings(strategy: &StrategyConfig) -> String {
    match strategy {
        StrategyConfig::UsRsiMacd(c) => {
            let tickers = if c.tickers.trim().is_empty() { "(from the screener)" } else { c.tickers.as_str() };
            format!(
                "{}: tickers {tickers} | RSI {} on {} (buy ≤ {}, sell ≥ {}) | MACD {}/{}/{} on {}, golden cross \
                 within {} bars | check every {} min | delays buy {} s, sell {} s | buy {}% of cash, sell {}% of \
                 position | stop-loss {}% | limit ±{}%",
                c.id,
                c.rsi_period,
                c.rsi_interval,
                c.oversold,
                c.overbought,
                c.macd_fast,
                c.macd_slow,
                c.macd_signal,
                c.macd_interval(),
                c.golden_cross_bars,
                c.check_interval_minutes,
                c.buy_delay_secs,
                c.sell_delay_secs,
                percent(c.buy_cash_fraction),
                percent(c.sell_position_fraction),
                c.stop_loss_pct.normalize(),
                c.limit_offset_pct.normalize(),
            )
        }
        other => {
            // Every scalar field, as configured (nested tables such as `risk` left out).
            let Ok(serde_json::Value::Object(map)) = serde_json::to_value(other) else { return String::new() };
            let kind = map.get("kind").and_then(|k| k.as_str()).unwrap_or("strategy");
            let fields: Vec<String> = map
                .iter()
                .filter(|(k, v)| *k != "kind" && !v.is_object() && !v.is_array() && !v.is_null())
                .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect();
            format!("{kind}: {}", fields.join(", "))
        }
    }
}

/// A fraction as a percentage, exact (0.3 → 30).
fn percent(fraction: Decimal) -> Decimal {
    (fraction * Decimal::ONE_HUNDRED).normalize()
}

fn format_holding(h: &Holding) -> String {
    let pnl = h.unrealized_pnl.map(|p| format!(" ({})", signed_money(p))).unwrap_or_default();
    format!("{} {}주 @ {}{pnl}", h.symbol, h.qty, priced(&h.symbol, h.avg_price))
}

fn priced(symbol: &Symbol, price: Price) -> String {
    priced_amount(symbol, price.value())
}

/// Prices are exact on the venue's grid, but an average of several fills is not: show averages to a
/// hundredth of a won or a ten-thousandth of a dollar (the precision KIS quotes US prices in).
fn priced_amount(symbol: &Symbol, amount: Decimal) -> String {
    let currency = symbol.market().currency();
    let dp = match currency {
        kis_model::Currency::Krw => 2,
        kis_model::Currency::Usd => 4,
    };
    format!("{} {currency}", group_decimal(amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)))
}

/// Amounts to the currency's smallest unit (whole won, cents): a P&L computed from an average price carries
/// a repeating fraction nobody can be paid.
fn money(m: Money) -> String {
    let dp = match m.currency {
        kis_model::Currency::Krw => 0,
        kis_model::Currency::Usd => 2,
    };
    format!(
        "{} {}",
        group_decimal(m.amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)),
        m.currency
    )
}

/// Profit and loss always carry a sign so `+` and `-` are told apart at a glance.
fn signed_money(m: Money) -> String {
    if m.amount.is_sign_positive() && !m.amount.is_zero() { format!("+{}", money(m)) } else { money(m) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::{Currency, UsExchange};
    use rust_decimal_macros::dec;

    fn samsung() -> Symbol {
        Symbol::krx("005930").unwrap()
    }

    fn apple() -> Symbol {
        Symbol::us(UsExchange::parse("NAS").unwrap(), "AAPL").unwrap()
    }

    #[test]
    fn grouping_keeps_exact_digits() {
        assert_eq!(group_decimal(dec!(0)), "0");
        assert_eq!(group_decimal(dec!(999)), "999");
        assert_eq!(group_decimal(dec!(1000)), "1,000");
        assert_eq!(group_decimal(dec!(1234567.8900)), "1,234,567.89");
        assert_eq!(group_decimal(dec!(-21000)), "-21,000");
        assert_eq!(group_decimal(dec!(-0.5)), "-0.5");
        assert_eq!(group_decimal(dec!(100000)), "100,000");
    }

    /// A re-price whose answer was lost is flagged as important, and how it settled is said in the order's
    /// currency.
    #[test]
    fn modify_outcomes_name_the_price_and_the_unknown_one_is_important() {
        let event =
            |outcome| NotifyEvent::OrderOutcome { symbol: apple(), side: Side::Sell, qty: Qty::new(5), outcome };
        let price: Price = "187.25".parse().unwrap();
        let unknown = event(OrderOutcome::ModifyUnknown { price, detail: "connection reset".into() });
        assert!(unknown.is_alert());
        let text = format_event(&unknown);
        assert!(text.contains("re-price to 187.25 USD unknown (connection reset)"), "{text}");
        let found = format_event(&event(OrderOutcome::ModifyFound { price }));
        assert!(found.contains("working at 187.25 USD"), "{found}");
        let lapsed = event(OrderOutcome::ModifyLapsed);
        assert!(!lapsed.is_alert());
        assert!(format_event(&lapsed).contains("works on at its old price"));
    }

    #[test]
    fn started_lists_holdings_and_cash() {
        let event = NotifyEvent::Started {
            environment: TradingEnvironment::Paper,
            holdings: vec![
                Holding {
                    symbol: samsung(),
                    qty: Qty::new(10),
                    avg_price: Price::from_won(70_000),
                    unrealized_pnl: Some(Money::krw(5_000)),
                },
                Holding {
                    symbol: apple(),
                    qty: Qty::new(3),
                    avg_price: Price::new(dec!(182.50)).unwrap(),
                    unrealized_pnl: None,
                },
            ],
            cash: Money::krw(1_234_567),
        };
        assert_eq!(
            format_event(&event),
            "[시작 START] kis-trader (paper) | 보유 2종목 holdings: 005930 10주 @ 70,000 KRW (+5,000 KRW); \
             NASDAQ:AAPL 3주 @ 182.5 USD | 예수금 cash 1,234,567 KRW"
        );
        let empty =
            NotifyEvent::Started { environment: TradingEnvironment::Real, holdings: vec![], cash: Money::krw(0) };
        assert_eq!(format_event(&empty), "[시작 START] kis-trader (real) | 보유 없음 no holdings | 예수금 cash 0 KRW");
        let sim = NotifyEvent::Started { environment: TradingEnvironment::Sim, holdings: vec![], cash: Money::krw(0) };
        assert_eq!(format_event(&sim), "[시작 START] kis-trader (sim) | 보유 없음 no holdings | 예수금 cash 0 KRW");
    }

    #[test]
    fn orders_show_symbol_qty_price_and_reason() {
        let buy = NotifyEvent::Buy {
            symbol: samsung(),
            qty: Qty::new(10),
            price: Price::from_won(70_100),
            reason: "RSI 28 < 30".into(),
        };
        assert_eq!(format_event(&buy), "[매수 BUY] 005930 10주 @ 70,100 KRW (= 701,000 KRW) | reason: RSI 28 < 30");

        let sell = NotifyEvent::Sell {
            symbol: samsung(),
            qty: Qty::new(10),
            price: Price::from_won(72_000),
            pnl: Some(Money::krw(19_000)),
            reason: "take-profit".into(),
        };
        assert_eq!(
            format_event(&sell),
            "[매도 SELL] 005930 10주 @ 72,000 KRW | 손익 P&L +19,000 KRW | reason: take-profit"
        );

        let sell_no_pnl = NotifyEvent::Sell {
            symbol: apple(),
            qty: Qty::new(2),
            price: Price::new(dec!(190.25)).unwrap(),
            pnl: None,
            reason: "manual".into(),
        };
        assert_eq!(format_event(&sell_no_pnl), "[매도 SELL] NASDAQ:AAPL 2주 @ 190.25 USD | reason: manual");

        let stop = NotifyEvent::StopLoss {
            symbol: samsung(),
            qty: Qty::new(10),
            price: Price::from_won(67_900),
            pnl: Money::krw(-22_000),
            reason: "-3% stop".into(),
        };
        assert_eq!(
            format_event(&stop),
            "[손절 STOP-LOSS] 005930 10주 @ 67,900 KRW | 손익 P&L -22,000 KRW | reason: -3% stop"
        );
    }

    #[test]
    fn fills_errors_halts_and_summary() {
        let fill = NotifyEvent::FullyFilled {
            symbol: samsung(),
            side: Side::Buy,
            qty: Qty::new(10),
            avg_price: Price::from_won(70_050),
            order_no: Some(OrderNo::parse("12345").unwrap()),
        };
        assert_eq!(
            format_event(&fill),
            "[체결 FILLED] 005930 매수 BUY 10주 전량체결 avg 70,050 KRW | order 0000012345"
        );
        let fill_sell = NotifyEvent::FullyFilled {
            symbol: apple(),
            side: Side::Sell,
            qty: Qty::new(1),
            avg_price: Price::new(dec!(1091.2600)).unwrap(),
            order_no: None,
        };
        assert_eq!(format_event(&fill_sell), "[체결 FILLED] NASDAQ:AAPL 매도 SELL 1주 전량체결 avg 1,091.26 USD");

        // An average of several fills and a P&L computed from it: shown to the hundredth won and the whole won.
        let averaged = NotifyEvent::FullyFilled {
            symbol: samsung(),
            side: Side::Buy,
            qty: Qty::new(8426),
            avg_price: Price::new(dec!(3556.4253501068122478044149062)).unwrap(),
            order_no: None,
        };
        assert_eq!(format_event(&averaged), "[체결 FILLED] 005930 매수 BUY 8426주 전량체결 avg 3,556.43 KRW");
        let repeating = NotifyEvent::DailySummary {
            date: NaiveDate::from_ymd_opt(2025, 3, 14).unwrap(),
            realized_pnl: Money::new(dec!(-541671.99999999999999999999784), Currency::Krw),
            trades: 1,
            wins: 0,
            losses: 1,
            open_positions: 0,
            equity: Some(Money::new(dec!(99441331.5), Currency::Krw)),
        };
        assert!(format_event(&repeating).contains("P&L -541,672 KRW"), "{}", format_event(&repeating));
        assert!(format_event(&repeating).ends_with("평가 equity 99,441,332 KRW"), "{}", format_event(&repeating));

        let error = NotifyEvent::Error { context: "order_router".into(), message: "insufficient cash".into() };
        assert_eq!(format_event(&error), "[오류 ERROR] order_router: insufficient cash");
        let halt = NotifyEvent::Halt { reason: "daily loss limit -300,000 KRW reached".into() };
        assert_eq!(format_event(&halt), "[중단 HALT] 거래 중단 trading halted: daily loss limit -300,000 KRW reached");
        let resumed = NotifyEvent::Resumed { reason: "order rate limit: back under 30 per minute".into() };
        assert_eq!(
            format_event(&resumed),
            "[재개 RESUME] 거래 재개 trading resumed: order rate limit: back under 30 per minute"
        );
        assert!(!resumed.is_alert());

        let summary = NotifyEvent::DailySummary {
            date: NaiveDate::from_ymd_opt(2025, 3, 14).unwrap(),
            realized_pnl: Money::krw(35_000),
            trades: 12,
            wins: 7,
            losses: 5,
            open_positions: 2,
            equity: Some(Money::krw(10_035_000)),
        };
        assert_eq!(
            format_event(&summary),
            "[일일 요약 DAILY] 2025-03-14 실현손익 P&L +35,000 KRW | 거래 trades 12 (승 win 7 / 패 loss 5) | 보유 open 2 \
             | 평가 equity 10,035,000 KRW"
        );
        let flat = NotifyEvent::DailySummary {
            date: NaiveDate::from_ymd_opt(2025, 3, 17).unwrap(),
            realized_pnl: Money::new(dec!(-12.5), Currency::Usd),
            trades: 0,
            wins: 0,
            losses: 0,
            open_positions: 0,
            equity: None,
        };
        assert_eq!(
            format_event(&flat),
            "[일일 요약 DAILY] 2025-03-17 실현손익 P&L -12.5 USD | 거래 trades 0 (승 win 0 / 패 loss 0) | 보유 open 0"
        );
    }

    #[test]
    fn session_open_shows_the_bot_settings_and_the_market_account() {
        use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
        let bot = UsRsiMacdConfig { id: "us-bot".into(), tickers: "NASDAQ:TQQQ,NYSE:O".into(), ..Default::default() };
        let event = NotifyEvent::SessionOpen {
            market: Market::Us,
            open: DateTime::parse_from_rfc3339("2026-03-04T14:30:00Z").unwrap().to_utc(),
            strategies: vec![StrategyConfig::UsRsiMacd(bot)],
            shutdown_at: Some(KstTime::hm(6, 10)),
            holdings: vec![Holding {
                symbol: apple(),
                qty: Qty::new(3),
                avg_price: Price::new(dec!(182.5050)).unwrap(),
                unrealized_pnl: None,
            }],
            cash: Some(Money::new(dec!(1234.5), Currency::Usd)),
        };
        assert_eq!(event.kind(), "session_open");
        assert!(!event.is_alert());
        assert_eq!(
            format_event(&event),
            "[장 시작 OPEN] NYSE 2026-03-04 09:30 EST\n\
             us-bot: tickers NASDAQ:TQQQ,NYSE:O | RSI 14 on day (buy ≤ 50, sell ≥ 60) | MACD 12/26/9 on day, golden \
             cross within 5 bars | check every 1 min | delays buy 300 s, sell 300 s | buy 30% of cash, sell 30% of \
             position | stop-loss 5% | limit ±0.5%\n\
             종료 shutdown: 06:10 KST\n\
             보유 1종목 holdings: NASDAQ:AAPL 3주 @ 182.505 USD\n\
             예수금 cash 1,234.5 USD"
        );
        // KRX, no account read yet, a strategy shown by its fields.
        let krx = NotifyEvent::SessionOpen {
            market: Market::Krx,
            open: DateTime::parse_from_rfc3339("2026-03-04T00:00:00Z").unwrap().to_utc(),
            strategies: vec![StrategyConfig::RsiReversal(Default::default())],
            shutdown_at: None,
            holdings: vec![],
            cash: None,
        };
        let text = format_event(&krx);
        assert!(text.starts_with("[장 시작 OPEN] KRX 2026-03-04 09:00 KST\nrsi_reversal: "), "{text}");
        assert!(text.ends_with("종료 shutdown: none\n보유 없음 no holdings\n예수금 cash: not read yet"), "{text}");
    }

    #[test]
    fn kinds_and_alerts() {
        let halt = NotifyEvent::Halt { reason: "x".into() };
        assert_eq!(halt.kind(), "halt");
        assert!(halt.is_alert());
        let buy =
            NotifyEvent::Buy { symbol: samsung(), qty: Qty::new(1), price: Price::from_won(1), reason: String::new() };
        assert_eq!(buy.kind(), "buy");
        assert!(!buy.is_alert());
    }
}
