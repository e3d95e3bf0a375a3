//! KIS WebSocket codec: control JSON, `E|TR_ID|NNN|payload` data frames, notice AES, and the encoders the
//! simulator uses, so that client and simulator can never disagree about the wire format.
//!
//! Decoding is lazy and zero-copy on purpose: the market feed is the hottest path of the daemon, so a frame is
//! split once into field offsets held on the stack and a typed view parses only the fields a caller asks for.

#[macro_use]
mod macros;

pub mod control;
pub mod encode;
pub mod error;
pub mod fields;
pub mod frame;
pub mod h0gscni0;
pub mod h0stasp0;
pub mod h0stcni0;
pub mod h0stcnt0;
pub mod hdfsasp0;
pub mod hdfscnt0;
pub mod market_data;
pub mod message;
pub mod notice_crypto;
pub mod num;
pub mod record;
mod scan;
pub mod sign;
pub mod subscribe;
pub mod tr_id;

pub use control::{Control, ControlCode, ControlReply, UnknownControl};
pub use encode::{EncodeRecord, FrameEncoder, encode_encrypted_frame, encode_frame, encode_records};
pub use error::{CryptoError, WsError, WsFieldError, WsFieldErrorKind};
pub use frame::{Frame, Records};
pub use h0gscni0::{H0gscni0, H0gscni0Owned, NoticeMarket};
pub use h0stasp0::{BookLevel, H0stasp0, H0stasp0Owned};
pub use h0stcni0::{H0stcni0, H0stcni0Layout, H0stcni0Owned};
pub use h0stcnt0::{H0stcnt0, H0stcnt0Owned};
pub use hdfsasp0::{Hdfsasp0, Hdfsasp0Owned, UsBookLevel};
pub use hdfscnt0::{Hdfscnt0, Hdfscnt0Owned};
pub use market_data::{
    MarketDataError, book_from_h0stasp0, book_from_hdfsasp0, is_market_data, market_events, trade_from_h0stcnt0,
    trade_from_hdfscnt0,
};
pub use message::{WsMessage, decode_message};
pub use notice_crypto::{NoticeKey, NoticeKeys, decrypt_payload, encrypt_payload};
pub use record::{MAX_FIELDS, Record};
pub use sign::Sign;
pub use subscribe::{CustType, SubscribeRequest, TrType};
pub use tr_id::WsTrId;
