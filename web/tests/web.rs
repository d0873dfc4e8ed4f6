//! The web front end's tests, one binary: the HTTP routes and pages (`http`), a real server on
//! loopback with its limits (`serve`), and the conversation stories driven through the router
//! (`stories`). One binary links once and runs its tests in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "web/http.rs"]
mod http;

#[path = "web/serve.rs"]
mod serve;

#[path = "web/stories.rs"]
mod stories;
