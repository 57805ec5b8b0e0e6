//! The proxy's set-up errors.

/// Errors setting up the proxy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client key cannot be used.
    #[error("client key: {reason}")]
    ClientKey {
        /// Why.
        reason: String,
    },
    /// Serving failed.
    #[error("serving failed")]
    Io(#[from] std::io::Error),
}
