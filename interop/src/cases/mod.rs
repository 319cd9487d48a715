//! The test cases, one file per area. A crate that lands adds one file here and
//! one line to [`all`].

use crate::runner::Case;

pub mod directory;
pub mod disco;
pub mod psa;
pub mod serverinfo;
pub mod sos;
pub mod user_status;

/// Every case, in the order they run.
pub fn all() -> Vec<Case> {
    [
        disco::CASES,
        serverinfo::CASES,
        sos::CASES,
        user_status::CASES,
        psa::CASES,
        directory::CASES,
    ]
    .concat()
}
