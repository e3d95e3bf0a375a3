//! The intraday activity profile: trading is busiest right after the open and into the close.

/// Relative activity at `x`, the fraction of the session elapsed (0 = open, 1 = close): `0.5 + 2.5·(2x − 1)⁴`.
///
/// Three times the average at the bell, a sixth of the edges at midday, and a mean of exactly 1 over the session so
/// the configured trades-per-minute stays the daily average. Values outside `[0, 1]` are clamped.
pub fn activity(x: f64) -> f64 {
    let x = if x.is_nan() { 0.5 } else { x.clamp(0.0, 1.0) };
    let d = 2.0 * x - 1.0;
    let d2 = d * d;
    0.5 + 2.5 * d2 * d2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_shape_with_unit_mean() {
        assert_eq!(activity(0.0), 3.0);
        assert_eq!(activity(1.0), 3.0);
        assert_eq!(activity(0.5), 0.5);
        assert_eq!(activity(-1.0), 3.0);
        assert_eq!(activity(f64::NAN), 0.5);
        let n = 10_000;
        let mean: f64 = (0..n).map(|i| activity((i as f64 + 0.5) / n as f64)).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 1e-6, "{mean}");
        assert!(activity(0.05) > activity(0.3) && activity(0.95) > activity(0.7));
    }
}
