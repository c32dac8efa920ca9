//! `trainer bench-synth [--lines N]`: lines per second of the generator on one thread,
//! rendering, augmentation and preprocessing to the model's input height included.

use crate::data::Generator;
use crate::data::fonts::Split;
use crate::data::style::Style;
use crate::names::Named;
use anyhow::Result;
use inkline::InputGeometry;
use inkline::internals::prepare_line;
use std::time::Instant;

/// Arguments of `bench-synth`.
#[derive(clap::Args)]
pub struct Args {
    /// Lines per style.
    #[arg(long, default_value_t = 300)]
    lines: u64,
    /// Model input height the lines are scaled to.
    #[arg(long, default_value_t = 32)]
    height: usize,
}

/// Runs the command (single-threaded on purpose: the figure is per core).
pub fn run(args: Args) -> Result<()> {
    let generator = Generator::discover()?;
    let geometry = InputGeometry::new(args.height, 4);
    let mut total = 0.0;
    println!("| style | lines/s (1 core) |\n|---|---:|");
    for &style in Style::all() {
        let start = Instant::now();
        for i in 0..args.lines {
            let s = generator.sample(style, Split::Train, 7, i)?;
            let _ = prepare_line(&s.image, &geometry)?;
        }
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        println!("| {} | {:.0} |", style.name(), args.lines as f64 / secs);
    }
    println!(
        "| all (equal mix) | {:.0} |",
        (4 * args.lines) as f64 / total
    );
    Ok(())
}
