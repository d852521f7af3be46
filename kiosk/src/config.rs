//! The kiosk's configuration file (defined in `frivillig_common::kiosk_config`, so that the
//! provisioning tool and the fuzz targets read it without the kiosk's screens).

pub use frivillig_common::kiosk_config::{ConfigError, KioskConfig};
