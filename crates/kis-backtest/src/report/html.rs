//! `report.html`: one self-contained page (inline CSS and SVG, no script, no external asset) with the headline
//! figures, the equity and drawdown charts, the per-strategy summary, period returns and every trade.

use std::fmt::Write;

use kis_model::grouping::group_decimal;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::backtest::BacktestResult;
use crate::equity::drawdown_series;
use crate::metrics::{PeriodReturn, Summary};
use crate::report::svg::{LineChart, escape};
use crate::trade::reason_label;

/// Above this many trades the table shows the first ones and says how many were left out (trades.csv has all).
const MAX_TRADE_ROWS: usize = 2_000;

const STYLE: &str = "
body{margin:0;background:#f3f4f6;color:#111827;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}
main{max-width:1140px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:30px 0 10px}
.sub{color:#4b5563;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{background:#fff;border-radius:10px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .k{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:21px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.chart{background:#fff;border-radius:10px;padding:8px;margin-top:14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.chart svg{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:10px;overflow:hidden;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{padding:6px 10px;text-align:right;border-bottom:1px solid #e5e7eb;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f9fafb;color:#374151;font-weight:600}
td.l,th.l{text-align:left}
tr:last-child td{border-bottom:none}
.pos{color:#047857}.neg{color:#b91c1c}
.note{color:#6b7280;font-size:12px;margin-top:6px}
";

fn signed_class(value: Decimal) -> &'static str {
    if value > Decimal::ZERO {
        "pos"
    } else if value < Decimal::ZERO {
        "neg"
    } else {
        ""
    }
}

fn pct(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| "–".to_string(), |v| format!("{:.2} %", v * 100.0))
}

fn num(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

fn opt_money(value: Option<Decimal>) -> String {
    value.map_or_else(|| "–".to_string(), group_decimal)
}

fn total_return(s: &Summary) -> Option<f64> {
    (s.initial_equity > Decimal::ZERO).then(|| ((s.final_equity - s.initial_equity) / s.initial_equity).to_f64())?
}

fn card(html: &mut String, key: &str, value: &str, class: &str) {
    let _ =
        write!(html, "<div class=\"card\"><div class=\"k\">{key}</div><div class=\"v {class}\">{value}</div></div>");
}

fn summary_rows(html: &mut String, columns: &[(&str, &Summary)]) {
    html.push_str("<table><tr><th class=\"l\">metric</th>");
    for (name, _) in columns {
        let _ = write!(html, "<th>{}</th>", escape(name));
    }
    html.push_str("</tr>");
    type Row = (&'static str, fn(&Summary) -> String);
    let rows: [Row; 17] = [
        ("initial equity", |s| group_decimal(s.initial_equity)),
        ("final equity", |s| group_decimal(s.final_equity)),
        ("return", |s| pct(total_return(s))),
        ("trades", |s| s.trades.to_string()),
        ("wins / losses", |s| format!("{} / {}", s.wins, s.losses)),
        ("win rate", |s| pct(s.win_rate)),
        ("total pnl (closed trades)", |s| group_decimal(s.total_pnl)),
        ("gross profit", |s| group_decimal(s.gross_profit)),
        ("gross loss", |s| group_decimal(s.gross_loss)),
        ("profit factor", |s| num(s.profit_factor)),
        ("average win", |s| opt_money(s.avg_win)),
        ("average loss", |s| opt_money(s.avg_loss)),
        ("payoff ratio", |s| num(s.payoff_ratio)),
        ("max drawdown", |s| format!("{} ({})", group_decimal(s.max_drawdown), pct(Some(s.max_drawdown_pct)))),
        ("Sharpe (daily, ×√252)", |s| num(s.sharpe)),
        ("fees and taxes paid", |s| group_decimal(s.fees_paid)),
        ("unrealised pnl at end", |s| group_decimal(s.unrealised_pnl)),
    ];
    for (label, value) in rows {
        let _ = write!(html, "<tr><td class=\"l\">{label}</td>");
        for (_, summary) in columns {
            let _ = write!(html, "<td>{}</td>", escape(&value(summary)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
}

fn period_table(html: &mut String, title: &str, rows: &[PeriodReturn]) {
    let _ = write!(
        html,
        "<h2>{title}</h2><table><tr><th class=\"l\">period</th><th>start equity</th>\
                          <th>end equity</th><th>pnl</th><th>return</th></tr>"
    );
    for p in rows {
        let _ = write!(
            html,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"{c}\">{}</td><td class=\"{c}\">{}</td></tr>",
            escape(&p.period),
            group_decimal(p.start_equity),
            group_decimal(p.end_equity),
            group_decimal(p.pnl),
            pct(Some(p.ret)),
            c = signed_class(p.pnl),
        );
    }
    html.push_str("</table>");
}

/// The whole page.
pub fn render_html(result: &BacktestResult) -> String {
    let s = &result.summary;
    let decimals = result.currency.minor_unit_scale() as usize;
    let mut html = String::with_capacity(64 * 1024);
    let ids: Vec<&str> = result.strategies.iter().map(|st| st.id.as_str()).collect();
    let span = match (result.curve.times.first(), result.curve.times.last()) {
        (Some(a), Some(b)) => format!(
            "{} → {}",
            a.with_timezone(&result.tz).format("%Y-%m-%d %H:%M"),
            b.with_timezone(&result.tz).format("%Y-%m-%d %H:%M %Z")
        ),
        _ => "no data".to_string(),
    };
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backtest: {title}</title>\
         <style>{STYLE}</style></head><body><main><h1>Backtest: {title}</h1>\
         <p class=\"sub\">{span} · {events} events · fills at {fill}{slip} · {currency}</p><div class=\"cards\">",
        title = escape(&ids.join(", ")),
        events = result.events,
        fill = match result.fill {
            crate::config::FillModel::Close => "the signalling bar's close / tick",
            crate::config::FillModel::Next => "the next bar's open / next tick",
        },
        slip = if result.slippage_ticks > 0 {
            format!(", {} tick(s) slippage", result.slippage_ticks)
        } else {
            String::new()
        },
        currency = result.currency,
    );
    let net = s.final_equity - s.initial_equity;
    card(&mut html, "net result", &group_decimal(net), signed_class(net));
    card(&mut html, "return", &pct(total_return(s)), signed_class(net));
    card(
        &mut html,
        "max drawdown",
        &group_decimal(-s.max_drawdown),
        if s.max_drawdown > Decimal::ZERO { "neg" } else { "" },
    );
    card(&mut html, "Sharpe", &num(s.sharpe), "");
    card(&mut html, "trades", &s.trades.to_string(), "");
    card(&mut html, "win rate", &pct(s.win_rate), "");
    card(&mut html, "profit factor", &num(s.profit_factor), "");
    card(&mut html, "fees and taxes", &group_decimal(s.fees_paid), "");
    html.push_str("</div>");

    let multi_day = s.returns.daily.len() > 1;
    let labels: Vec<String> = result
        .curve
        .times
        .iter()
        .map(|t| {
            let local = t.with_timezone(&result.tz);
            if multi_day { local.format("%m-%d %H:%M").to_string() } else { local.format("%H:%M").to_string() }
        })
        .collect();
    let to_f64 = |v: &Decimal| v.to_f64().unwrap_or(f64::NAN);
    let equity: Vec<f64> = result.total_equity.iter().map(to_f64).collect();
    let drawdown: Vec<f64> =
        drawdown_series(s.initial_equity, &result.total_equity).iter().map(|d| -to_f64(d)).collect();
    let equity_title = format!("Equity ({}), marked to market at every bar close", result.currency);
    let chart = LineChart {
        title: &equity_title,
        width: 1100,
        height: 340,
        values: &equity,
        labels: &labels,
        stroke: "#2563eb",
        fill: None,
        include_zero: false,
        decimals,
    };
    let _ = write!(html, "<div class=\"chart\">{}</div>", chart.render());
    let dd_title = format!("Drawdown from the running peak ({})", result.currency);
    let chart = LineChart {
        title: &dd_title,
        width: 1100,
        height: 220,
        values: &drawdown,
        labels: &labels,
        stroke: "#b91c1c",
        fill: Some("#fecaca"),
        include_zero: true,
        decimals,
    };
    let _ = write!(html, "<div class=\"chart\">{}</div>", chart.render());

    html.push_str("<h2>Summary</h2>");
    let mut columns: Vec<(&str, &Summary)> = vec![("total", s)];
    if result.strategies.len() > 1 {
        columns.extend(result.strategies.iter().map(|st| (st.id.as_str(), &st.summary)));
    }
    summary_rows(&mut html, &columns);
    html.push_str(
        "<p class=\"note\">pnl is after the commissions and taxes of both legs. Sharpe: mean / sample standard \
         deviation of daily returns × √252, risk-free rate 0. Each strategy trades its own account.</p>",
    );

    if s.returns.daily.len() <= 31 {
        period_table(&mut html, "Daily returns", &s.returns.daily);
    } else {
        period_table(&mut html, "Monthly returns", &s.returns.monthly);
    }

    let _ = write!(html, "<h2>Trades ({})</h2>", result.trades.len());
    html.push_str(
        "<table><tr><th>#</th><th class=\"l\">strategy</th><th class=\"l\">symbol</th><th class=\"l\">entry</th>\
         <th>entry price</th><th class=\"l\">exit</th><th>exit price</th><th>qty</th><th class=\"l\">reason</th>\
         <th>pnl</th></tr>",
    );
    let time = |t: &chrono::DateTime<chrono::Utc>| t.with_timezone(&result.tz).format("%Y-%m-%d %H:%M:%S").to_string();
    for (i, t) in result.trades.iter().take(MAX_TRADE_ROWS).enumerate() {
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td>\
             <td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"{}\">{}</td></tr>",
            i + 1,
            escape(t.strategy_id.as_str()),
            escape(&t.symbol.to_string()),
            time(&t.entry_ts),
            group_decimal(t.entry_price),
            time(&t.exit_ts),
            group_decimal(t.exit_price.value()),
            t.qty,
            reason_label(t.reason),
            signed_class(t.pnl),
            group_decimal(t.pnl),
        );
    }
    html.push_str("</table>");
    if result.trades.len() > MAX_TRADE_ROWS {
        let _ = write!(
            html,
            "<p class=\"note\">The first {MAX_TRADE_ROWS} of {} trades; trades.csv has them all.</p>",
            result.trades.len()
        );
    }
    if result.trades.is_empty() {
        html.push_str("<p class=\"note\">No trade was closed.</p>");
    }
    html.push_str("<p class=\"note\">Generated by kis-trader backtest.</p>");
    html.push_str("</main></body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_is_grouped_exactly() {
        assert_eq!(group_decimal(dec!(-1234567.50)), "-1,234,567.5");
        assert_eq!(group_decimal(dec!(999)), "999");
        assert_eq!(group_decimal(dec!(1000.25)), "1,000.25");
        assert_eq!(pct(Some(0.12345)), "12.35 %");
        assert_eq!(pct(None), "–");
    }
}
