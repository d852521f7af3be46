//! Staff mode's list of peer addresses (festival mode): the address typed so far and the
//! last answer in words. The list itself lives in the core (`KioskCore::typed_peers`).

/// The longest address the field takes: a host name and a port.
pub const ADDRESS_MAX: usize = 64;

/// What the peer list screen shows besides the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeersState {
    /// The address as typed.
    pub address: String,
    /// The last answer: `Ok` in green, `Err` in red, in the screen's language.
    pub answer: Option<Result<String, String>>,
}
