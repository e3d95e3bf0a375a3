//! The crate's own seeded generator: SplitMix64 to expand a seed, xoshiro256** to draw.
//!
//! Written here rather than taken from `rand` so that a seed names the same market on every platform and in every
//! future version: a dependency upgrade must never change a recorded or tested stream. For the same reason the
//! distributions below use only IEEE-754 operations that are correctly rounded everywhere (`+ - * /` and `sqrt`);
//! the logarithm is computed here instead of calling the platform's libm, whose last bit may differ.

/// SplitMix64 (Steele, Lea, Flood 2014): used to turn one `u64` seed into well-mixed generator states.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman, Vigna 2018).
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is expanded from `seed` by SplitMix64, as the xoshiro authors recommend.
    pub fn seeded(seed: u64) -> Rng {
        let mut sm = SplitMix64::new(seed);
        Rng { s: [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()] }
    }

    /// An independent stream for one use of a seed (`stream` names the use, e.g. a symbol index), so that adding
    /// symbols or draws in one place never shifts the numbers drawn in another.
    pub fn for_stream(seed: u64, stream: u64) -> Rng {
        let mut sm = SplitMix64::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng::seeded(sm.next_u64())
    }

    /// Exactly the given state (for reference vectors). An all-zero state would only ever yield zeros.
    pub fn from_state(s: [u64; 4]) -> Rng {
        if s == [0; 4] { Rng::seeded(0) } else { Rng { s } }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]`: safe to take a logarithm or a reciprocal of.
    pub fn unit_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (Lemire's multiply-shift; the tiny bias is irrelevant here). `n == 0` gives 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { lo + self.below(hi - lo + 1) }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponential with mean 1.
    pub fn exp1(&mut self) -> f64 {
        -ln(self.unit_open())
    }

    /// Standard normal (Marsaglia's polar method).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    /// Pareto with tail index 2 and minimum 1: heavy-tailed (infinite variance) but with a finite mean of 2,
    /// which is how trade sizes look. `1/sqrt(U)` needs no transcendental function.
    pub fn pareto2(&mut self) -> f64 {
        1.0 / self.unit_open().sqrt()
    }
}

/// Natural logarithm from basic operations only, accurate to about 1e-15 relative; `x <= 0` gives `-inf`.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // Split x = m · 2^e with m in [sqrt(1/2), sqrt(2)); subnormals are scaled up first.
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= (1u64 << 54) as f64;
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172: the odd series converges fast.
    let s = (m - 1.0) / (m + 1.0);
    // s² ≤ 0.0295, so twelve terms leave an error below 0.0295¹² ≈ 1e-18 of the sum.
    let s2 = s * s;
    let mut poly = 1.0 / 23.0;
    for k in [21.0, 19.0, 17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0, 1.0] {
        poly = poly * s2 + 1.0 / k;
    }
    2.0 * s * poly + e as f64 * std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_outputs() {
        // Published outputs for seed 1234567 (splitmix64.c; Rosetta Code "Pseudo-random numbers/Splitmix64").
        let mut sm = SplitMix64::new(1_234_567);
        let expected =
            [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        for e in expected {
            assert_eq!(sm.next_u64(), e);
        }
    }

    #[test]
    fn xoshiro256starstar_reference_outputs() {
        // Outputs of the reference xoshiro256starstar.c from the state {1, 2, 3, 4}.
        let mut rng = Rng::from_state([1, 2, 3, 4]);
        let expected = [
            11520,
            0,
            1509978240,
            1215971899390074240,
            1216172134540287360,
            607988272756665600,
            16172922978634559625,
            8476171486693032832,
            10595114339597558777,
            2904607092377533576,
        ];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
    }

    #[test]
    fn seeded_streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::for_stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let mut r2 = Rng::for_stream(7, 1);
        assert_eq!(a, (0..4).map(|_| r2.next_u64()).collect::<Vec<_>>());
        let mut r3 = Rng::for_stream(7, 2);
        assert_ne!(a[0], r3.next_u64());
    }

    #[test]
    fn own_ln_matches_libm_closely() {
        for x in [1e-300, 1e-10, 0.001, 0.5, 0.70, 1.42, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300] {
            let rel = (ln(x) - x.ln()).abs() / x.ln().abs().max(1e-300);
            assert!(rel < 1e-14 || (ln(x) - x.ln()).abs() < 1e-15, "ln({x}) = {} vs {}", ln(x), x.ln());
        }
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-1.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::MIN_POSITIVE / 4.0), (f64::MIN_POSITIVE / 4.0).ln());
    }

    #[test]
    fn distributions_have_their_moments() {
        let mut r = Rng::seeded(99);
        let n = 200_000;
        let (mut se, mut sn, mut sn2, mut below) = (0.0, 0.0, 0.0, 0u64);
        for _ in 0..n {
            se += r.exp1();
            let z = r.normal();
            sn += z;
            sn2 += z * z;
            below += u64::from(r.below(10) < 3);
        }
        let nf = n as f64;
        assert!((se / nf - 1.0).abs() < 0.01, "exp mean {}", se / nf);
        assert!((sn / nf).abs() < 0.01, "normal mean {}", sn / nf);
        assert!((sn2 / nf - 1.0).abs() < 0.015, "normal var {}", sn2 / nf);
        assert!((below as f64 / nf - 0.3).abs() < 0.005);
        assert_eq!(r.range(5, 5), 5);
        assert!(r.pareto2() >= 1.0);
    }
}
