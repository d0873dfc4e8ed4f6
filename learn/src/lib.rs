//! Learning from outcomes: what a session ended with (an outcome record), the test cases that
//! records become, and the calibration of a knowledge base's numbers against them.
//!
//! Data flows one way: the engine ranks, the tools (`ask`, `serve`, plans) write records with
//! [`record`], and this crate reads them back. The engine never depends on it.

pub mod calibrate;
pub mod cases;
pub mod kb_version;
pub mod record;
pub mod session;
pub mod synthetic;
pub mod writer;
