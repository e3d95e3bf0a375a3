//! Domain types and the money rules of the markets kis-trader trades.
//!
//! Everything here is exact: prices, quantities, cash, fees and taxes are [`rust_decimal::Decimal`] or integers.
//! No I/O and no clock: tables that change by decree (transaction-tax rates) are parsed from text the caller
//! supplies, with the shipped `config/` file embedded as the default.

pub mod account;
pub mod decimal;
pub mod environment;
pub mod fees;
pub mod fingerprint;
pub mod grouping;
pub mod kst;
pub mod market;
pub mod market_data;
pub mod money;
pub mod order_id;
pub mod order_kind;
pub mod price_limit;
pub mod secret;
pub mod side;
pub mod strategy_id;
pub mod symbol;
pub mod tick_size;

pub use account::{AccountError, AccountNo};
pub use decimal::{MAX_WIRE_DECIMAL_LEN, WireDecimalError, parse_wire_decimal, parse_wire_unsigned};
pub use environment::Environment;
pub use fees::{FeeError, FeeModel, FeeSchedule, Fees, KrxFees, TaxRate, UsFees};
pub use market::{Currency, KrxBoard, Market};
pub use market_data::{Bar, Book, Level, MarketEvent, Trade};
pub use money::{Money, MoneyError, Price, Qty};
pub use order_id::{ClientOrderId, OrderId, OrderIdError, OrderNo};
pub use order_kind::{OrdDvsn, OrderKindError, UsOrdDvsn};
pub use price_limit::{DailyLimits, daily_limits};
pub use secret::Secret;
pub use side::{Side, SideError};
pub use strategy_id::StrategyId;
pub use symbol::{KrxCode, Symbol, SymbolError, SymbolMap, UsExchange, UsTicker};
pub use tick_size::{InstrumentKind, TickError, krx_tick_size};
