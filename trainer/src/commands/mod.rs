//! One module per subcommand.

pub mod complexity;
pub mod eval;
pub mod init;
pub mod recognize;
