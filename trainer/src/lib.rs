//! The inkline trainer as a library: data synthesis, datasets, and the subcommands that
//! `main.rs` exposes on the command line.

pub mod commands;
pub mod confusion;
pub mod dataset;
pub mod device;
pub mod imageio;
pub mod synth;
pub mod train;
