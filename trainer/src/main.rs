//! `trainer`: the inkline command line (recognize, evaluate, measure, and train models).

use trainer::commands;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// inkline trainer and tools.
#[derive(Parser)]
#[command(name = "trainer", version, about)]
struct Cli {
    /// Worker threads for the CPU backend (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Recognize the text in images.
    Recognize(commands::recognize::Args),
    /// Measure CER / WER of a model on a dataset folder (images + gt.tsv).
    Eval(commands::eval::Args),
    /// The seed's complexity tables (params, GFLOPs, latency) for a preset.
    Complexity(commands::complexity::Args),
    /// Write a model file with fresh (untrained) weights.
    Init(commands::init::Args),
    /// Print the pen strokes of a line in a Hershey font as JSON (for replaying on a canvas).
    Strokes(commands::strokes::Args),
    /// Synthesize a dataset folder of text-line images (PNGs, gt.tsv, contact sheet).
    Synth(commands::synth::Args),
    /// Lines per second of the data generator on one core.
    BenchSynth(commands::bench_synth::Args),
    /// Train the VGG-DBLSTM teacher from scratch with CTC.
    Teacher(commands::train::TrainArgs),
    /// Train the DarkNet-DBLSTM student from scratch with CTC (baseline).
    Scratch(commands::train::TrainArgs),
    /// Distill a DarkNet student from the teacher (frozen shared head) under one criterion.
    Distill {
        /// softmax-ce, ip-l2, lstm-l2, cnn-mah or cnn-l2.
        #[arg(long)]
        criterion: String,
        /// Softmax temperature (softmax-ce only).
        #[arg(long, default_value_t = 1.0)]
        temperature: f32,
        /// Teacher model file (default: RUN/teacher/best.inkline).
        #[arg(long)]
        teacher: Option<std::path::PathBuf>,
        #[command(flatten)]
        args: commands::train::TrainArgs,
    },
    /// Tucker-decompose the teacher's Conv3x3 layers (v1, v2, v3 ranks) and fine-tune with CTC.
    Tucker {
        /// v1, v2 or v3.
        #[arg(long)]
        ranks: String,
        /// Teacher model file (default: RUN/teacher/best.inkline).
        #[arg(long)]
        teacher: Option<std::path::PathBuf>,
        #[command(flatten)]
        args: commands::train::TrainArgs,
    },
    /// Draw a stage folder's metrics.csv into curves.png.
    Plot {
        /// Stage folder (holds metrics.csv).
        dir: std::path::PathBuf,
    },
    /// Every stage in order (resumable), then RUN/report.md with the paper's tables.
    Pipeline(commands::train::TrainArgs),
    /// Fine-tune a model file with CTC, all layers trainable.
    Finetune {
        /// Model file to start from.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Stage name (output subfolder of the run).
        #[arg(long, default_value = "finetune")]
        name: String,
        #[command(flatten)]
        args: commands::train::TrainArgs,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()?;
    }
    match cli.command {
        Command::Recognize(a) => commands::recognize::run(a),
        Command::Eval(a) => commands::eval::run(a),
        Command::Complexity(a) => commands::complexity::run(a, cli.threads.unwrap_or(1)),
        Command::Init(a) => commands::init::run(a),
        Command::Synth(a) => commands::synth::run(a),
        Command::Strokes(a) => commands::strokes::run(a),
        Command::BenchSynth(a) => commands::bench_synth::run(a),
        Command::Teacher(a) => commands::train::teacher(a),
        Command::Pipeline(a) => commands::pipeline::run(a),
        Command::Plot { dir } => trainer::train::plot::plot_stage(&dir),
        Command::Scratch(a) => commands::train::scratch(a),
        Command::Finetune { from, name, args } => commands::train::finetune(args, from, name),
        Command::Distill {
            criterion,
            temperature,
            teacher,
            args,
        } => commands::distill::distill(args, criterion, temperature, teacher),
        Command::Tucker {
            ranks,
            teacher,
            args,
        } => commands::distill::tucker(args, ranks, teacher),
    }
}
