//! `trainer`: the inkline command line (recognize, evaluate, measure, and train models).

use trainer::cli;

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
    Recognize(cli::recognize::Args),
    /// List the font families the synthesizer can use here (kind, group, split, files) and
    /// the refused files.
    Fonts(cli::fonts::Args),
    /// Build a character language model of the training text (and tune it for a model).
    Lm(cli::lm::Args),
    /// Print a model file's manifest (size, SHA-256, metadata) as JSON.
    Info(cli::info::Args),
    /// Rewrite a model file with its weights at another precision (f16 or f32).
    Convert(cli::convert::Args),
    /// Measure CER / WER of a model on a dataset folder (images + gt.tsv).
    Eval(cli::eval::Args),
    /// Write a model as an ONNX graph (and, optionally, a dataset's network inputs).
    Export(cli::export::Args),
    /// The paper's complexity tables (params, GFLOPs, latency) for a preset.
    Complexity(cli::complexity::Args),
    /// Write a model file with fresh (untrained) weights.
    Init(cli::init::Args),
    /// Print the pen strokes of a line in a Hershey font as JSON (for replaying on a canvas).
    Strokes(cli::strokes::Args),
    /// Synthesize a dataset folder of text-line images (PNGs, gt.tsv, contact sheet).
    Synth(cli::synth::Args),
    /// Speed of a training step (generation excluded) and of training on the data stream.
    BenchTrain(cli::bench_train::Args),
    /// Lines per second of the data generator on one core.
    BenchSynth(cli::bench_synth::Args),
    /// Train the VGG-DBLSTM teacher from scratch with CTC.
    Teacher(cli::train::TrainArgs),
    /// Train the DarkNet-DBLSTM student from scratch with CTC (baseline).
    Scratch(cli::train::TrainArgs),
    /// Distill a DarkNet student from the teacher (frozen shared head) under one criterion.
    Distill {
        /// The criterion.
        #[arg(long, value_parser = cli::criterion_names())]
        criterion: String,
        /// Softmax temperature (softmax-ce only).
        #[arg(long, default_value_t = 1.0)]
        temperature: f32,
        /// Teacher model file (default: RUN/teacher/best.inkline).
        #[arg(long)]
        teacher: Option<std::path::PathBuf>,
        /// Student model file to go on distilling (default: a fresh DarkNet student).
        #[arg(long)]
        from: Option<std::path::PathBuf>,
        /// Stage name (output subfolder of the run; default distill-CRITERION).
        #[arg(long)]
        name: Option<String>,
        /// The student's CNN this many times as wide as the preset's (every convolution but the
        /// first; widths rounded to multiples of 8).
        #[arg(long, default_value_t = 1.0)]
        student_width: f32,
        #[command(flatten)]
        args: cli::train::TrainArgs,
    },
    /// Tucker-decompose the teacher's Conv3x3 layers (v1, v2, v3 ranks) and fine-tune with CTC.
    Tucker {
        /// Tucker ranks: v1, v2 or v3.
        #[arg(long)]
        ranks: inkline::TuckerRanks,
        /// Teacher model file (default: RUN/teacher/best.inkline).
        #[arg(long)]
        teacher: Option<std::path::PathBuf>,
        #[command(flatten)]
        args: cli::train::TrainArgs,
    },
    /// Draw a stage folder's metrics.csv into curves.png and print the stage's summary (steps,
    /// lines, hours of training, best validation).
    Plot {
        /// Stage folder (holds metrics.csv).
        dir: std::path::PathBuf,
    },
    /// Every stage in order (resumable), then RUN/report.md with the paper's tables.
    Pipeline(cli::train::TrainArgs),
    /// Fine-tune a model file with CTC, all layers trainable.
    Finetune {
        /// Model file to start from.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Stage name (output subfolder of the run).
        #[arg(long, default_value = "finetune")]
        name: String,
        #[command(flatten)]
        args: cli::train::TrainArgs,
    },
}

fn main() -> Result<()> {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()?;
    }
    if matches!(cli.command, Command::Recognize(_) | Command::Eval(_)) {
        keep_freed_memory();
    }
    match cli.command {
        Command::Recognize(a) => cli::recognize::run(a),
        Command::Info(a) => cli::info::run(a),
        Command::Lm(a) => cli::lm::run(a),
        Command::Fonts(a) => cli::fonts::run(a),
        Command::Eval(a) => cli::eval::run(a),
        Command::Export(a) => cli::export::run(a),
        Command::Complexity(a) => cli::complexity::run(a, cli.threads.unwrap_or(1)),
        Command::Init(a) => cli::init::run(a),
        Command::Convert(a) => cli::convert::run(a),
        Command::Synth(a) => cli::synth::run(a),
        Command::Strokes(a) => cli::strokes::run(a),
        Command::BenchSynth(a) => cli::bench_synth::run(a),
        Command::BenchTrain(a) => cli::bench_train::run(a),
        Command::Teacher(a) => cli::train::teacher(a),
        Command::Pipeline(a) => cli::train::pipeline(a),
        Command::Plot { dir } => trainer::train::curves::plot_and_summarize(&dir),
        Command::Scratch(a) => cli::train::scratch(a),
        Command::Finetune { from, name, args } => cli::train::finetune(args, from, name),
        Command::Distill {
            criterion,
            temperature,
            teacher,
            from,
            name,
            student_width,
            args,
        } => cli::train::distill(
            args,
            criterion,
            temperature,
            teacher,
            trainer::train::stages::DistillStart {
                from,
                name,
                width: student_width,
            },
        ),
        Command::Tucker {
            ranks,
            teacher,
            args,
        } => cli::train::tucker(args, ranks, teacher),
    }
}

/// Ends the process quietly when stdout's reader goes away (`trainer info F | head`), as Unix
/// tools do, instead of panicking in `println!`: Rust ignores SIGPIPE by default.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; restores the default
    // disposition of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Keeps large freed blocks in the heap for the next call to use. glibc hands them back to the
/// kernel at once (a block of 128 KB or more is a mapping of its own, and a free top of the heap
/// is trimmed), so reading line after line paid fresh zeroed pages for every layer's buffers:
/// page faults were about 5 % of `trainer eval`'s time. For the commands that read images.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's thresholds, before the reading starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
