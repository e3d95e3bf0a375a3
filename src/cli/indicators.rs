//! `kis-trader indicators`: the standard indicator set over a bar CSV.
//!
//! Input: header `ts,open,high,low,close,volume`, one bar per line in time order, plain
//! comma-separated values (no quoting; `ts` is passed through untouched). Output on stdout:
//! `ts` followed by the [`StandardRow`] columns, empty cells during warm-up, each value in Rust's
//! shortest round-trip form so nothing is lost. A malformed row stops the run with an error naming
//! its line and column (exit code 2): a batch job should not quietly skip data.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use kis_indicators::{Bar, StandardRow, StandardSet};

use super::float_text::push_f64;

const HEADER: &str = "ts,open,high,low,close,volume";
const NUMERIC_COLUMNS: [&str; 5] = ["open", "high", "low", "close", "volume"];

#[derive(clap::Args)]
pub struct IndicatorsArgs {
    /// Bar CSV to read (`-` for stdin).
    #[arg(long)]
    pub input: PathBuf,
}

pub fn run(args: IndicatorsArgs) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let output = BufWriter::new(stdout.lock());
    if args.input.as_os_str() == "-" {
        process(io::stdin().lock(), output)?;
    } else {
        let file = File::open(&args.input).with_context(|| format!("cannot open {}", args.input.display()))?;
        process(BufReader::new(file), output).with_context(|| format!("in {}", args.input.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn process(mut input: impl BufRead, mut output: impl Write) -> anyhow::Result<()> {
    let mut line = String::new();
    let mut line_no = 0usize;
    let mut set = StandardSet::new();
    let mut text_out = Vec::with_capacity(256);

    let mut read = |line: &mut String, line_no: &mut usize| -> anyhow::Result<bool> {
        line.clear();
        *line_no += 1;
        let n = input.read_line(line).with_context(|| format!("line {line_no}: cannot read (not UTF-8?)"))?;
        Ok(n > 0)
    };

    if !read(&mut line, &mut line_no)? {
        bail!("input is empty: expected the header `{HEADER}`");
    }
    let header = trim_newline(&line);
    let header = header.strip_prefix('\u{feff}').unwrap_or(header);
    if header != HEADER {
        bail!("line 1: expected the header `{HEADER}`, found `{header}`");
    }

    write!(output, "ts")?;
    for column in StandardRow::COLUMNS {
        write!(output, ",{column}")?;
    }
    writeln!(output)?;

    while read(&mut line, &mut line_no)? {
        let text = trim_newline(&line);
        if text.trim().is_empty() {
            continue;
        }
        let (ts, bar) = parse_row(text).map_err(|e| anyhow::anyhow!("line {line_no}{e}"))?;
        let row = set.update(&bar).map_err(|e| anyhow::anyhow!("line {line_no}, column `{}`: {e}", e.field()))?;
        text_out.clear();
        text_out.extend_from_slice(ts.as_bytes());
        for value in row.values() {
            text_out.push(b',');
            if let Some(v) = value {
                push_f64(&mut text_out, v);
            }
        }
        text_out.push(b'\n');
        output.write_all(&text_out)?;
    }
    output.flush()?;
    Ok(())
}

fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

/// Splits and parses one data row. Errors are the message after "line N".
fn parse_row(text: &str) -> Result<(&str, Bar), String> {
    // Split without collecting: a row is six fields, and this runs once per bar.
    let mut fields = [""; 6];
    let mut count = 0;
    for field in text.split(',') {
        if let Some(slot) = fields.get_mut(count) {
            *slot = field;
        }
        count += 1;
    }
    if count != fields.len() {
        return Err(format!(": expected 6 fields ({HEADER}), found {count}"));
    }
    let [ts, numbers @ ..] = &fields;
    if ts.trim().is_empty() {
        return Err(", column `ts`: empty timestamp".to_owned());
    }
    let mut values = [0.0f64; 5];
    for ((slot, raw), column) in values.iter_mut().zip(numbers).zip(NUMERIC_COLUMNS) {
        *slot = raw.trim().parse().map_err(|_| format!(", column `{column}`: `{raw}` is not a number"))?;
    }
    let [open, high, low, close, volume] = values;
    Ok((ts, Bar { open, high, low, close, volume }))
}
