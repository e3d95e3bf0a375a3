//! The `PRDY_VRSS_SIGN` / `SIGN` code (kis-protocol.md §7): direction of the change against the previous close.

/// Direction of a price change versus the previous close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// `1`
    UpperLimit,
    /// `2`
    Up,
    /// `3`
    Unchanged,
    /// `4`
    LowerLimit,
    /// `5`
    Down,
    /// `0`: seen in US quotes before the open, when no change exists yet; kept distinct so it re-encodes as sent.
    NotSet,
}

impl Sign {
    /// Parses the one-character code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "1" => Some(Self::UpperLimit),
            "2" => Some(Self::Up),
            "3" => Some(Self::Unchanged),
            "4" => Some(Self::LowerLimit),
            "5" => Some(Self::Down),
            "0" => Some(Self::NotSet),
            _ => None,
        }
    }

    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpperLimit => "1",
            Self::Up => "2",
            Self::Unchanged => "3",
            Self::LowerLimit => "4",
            Self::Down => "5",
            Self::NotSet => "0",
        }
    }

    /// Whether the price is above the previous close (limit-up included).
    pub fn is_up(self) -> bool {
        matches!(self, Self::UpperLimit | Self::Up)
    }

    /// Whether the price is below the previous close (limit-down included).
    pub fn is_down(self) -> bool {
        matches!(self, Self::LowerLimit | Self::Down)
    }
}
