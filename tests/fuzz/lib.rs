//! The fuzz targets of `tests/src/fuzz.rs`, built without the rest of the tests crate (and
//! so without the kiosk's screens).

#[path = "../src/fuzz.rs"]
pub mod fuzz;
