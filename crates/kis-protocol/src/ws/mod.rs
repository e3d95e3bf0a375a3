//! WebSocket codec.
