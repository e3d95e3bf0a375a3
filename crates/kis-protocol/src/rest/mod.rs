//! REST types.
