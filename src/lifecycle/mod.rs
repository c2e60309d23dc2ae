//! The Blnk Cloud app lifecycle: install/uninstall events (`callback`), the portal generator
//! (`launch`), and portal sessions (`sessions`: token redemption, the session extractor, the
//! cookie/URL carrier, CSRF).

pub mod callback;
pub mod installs;
pub mod launch;
pub mod sessions;
pub mod validate;
