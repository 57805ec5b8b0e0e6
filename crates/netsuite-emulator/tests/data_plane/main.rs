//! The data plane in-process and over 127.0.0.1: records, collections and `q`,
//! writes, SuiteQL, RESTlets, async jobs, governance and faults.

#![allow(dead_code)]

#[path = "../emulator/support.rs"]
mod support;

mod admin_pages;
mod async_jobs;
mod collections;
mod dates;
mod governance;
mod http;
mod model;
mod persistence;
mod records;
mod restlets;
mod robustness;
mod suiteql;
mod writes;
