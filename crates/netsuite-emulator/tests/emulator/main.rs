//! The emulator's router in-process (`tower::ServiceExt::oneshot`), its storage across
//! reopen and across processes, and one test over a real socket.

mod admin;
mod authcode;
mod authorize;
mod mapping;
mod mcp;
mod persistence;
mod record;
mod remote_client;
mod robustness;
mod server;
mod support;
mod token;
