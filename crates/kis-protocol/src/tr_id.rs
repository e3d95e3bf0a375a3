//! TR ids.
