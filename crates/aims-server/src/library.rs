//! The library the server works with: the embedded one, or the installation's own folder
//! laid over it (`library_dir` in the configuration). It is chosen once at start-up, before
//! the first request, and read by every handler; it never changes while the process runs.

use std::sync::OnceLock;

use aims_library::Library;

static LIBRARY: OnceLock<Option<Library>> = OnceLock::new();

/// Makes `library` the one every handler reads. Call it before serving; it fails when a
/// library is already in use (a handler ran first, or it was installed twice).
pub fn install(library: Library) -> Result<(), AlreadyInstalled> {
    LIBRARY.set(Some(library)).map_err(|_| AlreadyInstalled)
}

#[derive(Debug, thiserror::Error)]
#[error("the library is already in use; install it before the server handles requests")]
pub struct AlreadyInstalled;

/// The library in use: the installed one, else the embedded library. `None` only when the
/// embedded library does not load, which its own test rules out for a released build.
pub fn current() -> Option<&'static Library> {
    LIBRARY
        .get_or_init(|| match aims_library::bundled() {
            Ok(library) => Some(library),
            Err(error) => {
                tracing::error!(%error, "the bundled library does not load");
                None
            }
        })
        .as_ref()
}

/// [`current`] for handlers: a missing library is the server's fault, not the request's.
pub fn get() -> Result<&'static Library, crate::error::ApiError> {
    current().ok_or_else(|| {
        crate::error::ApiError::internal(anyhow::anyhow!("the bundled library does not load"))
    })
}
