//! Whole-system tests: the real server on port 0, kiosk cores on temporary redb files.

mod admin;
mod answers;
mod backup;
mod bench_device;
mod browser;
mod compaction;
mod convergence;
mod demo;
mod diskfault;
mod erasure;
mod fuzz_replay;
mod hardening;
mod hostile;
mod kill;
mod load;
mod merge;
mod offline;
mod portal;
mod powercut;
mod privacy;
mod receipt;
mod security;
mod shutdown;
mod tidy;
mod ui;
mod unacked;
