//! One module per verb, mirroring the command line.

pub mod api;
pub mod auth;
pub mod cert;
#[cfg(feature = "emulator")]
pub mod demo;
pub mod doctor;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod exec;
pub mod mcp;
pub mod postman;
pub mod profile;
pub mod proxy;
pub mod record;
pub mod record_meta;
pub mod restlet;
pub mod suiteql;
