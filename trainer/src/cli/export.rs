//! `trainer export --model FILE --onnx OUT [--inputs DATA --inputs-out DIR]`: the model as an
//! ONNX graph (see `trainer::onnx` for its inputs and outputs), and optionally the network
//! inputs of a dataset's lines as inkline prepares them, for checking and timing another
//! runtime on exactly the same tensors: `DIR/NNNN.f32` (little-endian `[1, 1, H, W]`) and
//! `DIR/lines.tsv` (`file<TAB>height<TAB>width<TAB>frames<TAB>inkline's text`).

use anyhow::{Context, Result};
use inkline::burn::tensor::Device;
use inkline::internals::prepare_page;
use inkline::{GrayImage, ModelFile, Recognizer};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `export`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file.
    #[arg(long)]
    model: PathBuf,
    /// ONNX file to write.
    #[arg(long)]
    onnx: PathBuf,
    /// A dataset folder (images + gt.tsv) whose lines' network inputs are written too.
    #[arg(long, requires = "inputs_out")]
    inputs: Option<PathBuf>,
    /// Where those inputs go.
    #[arg(long, requires = "inputs")]
    inputs_out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    let file = ModelFile::from_bytes(&bytes, &Device::flex())
        .with_context(|| format!("cannot load {}", args.model.display()))?;
    let onnx = crate::onnx::export(&file.model, &file.meta);
    std::fs::write(&args.onnx, &onnx)
        .with_context(|| format!("cannot write {}", args.onnx.display()))?;
    println!(
        "wrote {} ({} bytes, ONNX opset {})",
        args.onnx.display(),
        onnx.len(),
        crate::onnx::OPSET
    );
    if let (Some(data), Some(out)) = (args.inputs, args.inputs_out) {
        let recognizer = Recognizer::from_bytes(&bytes, Device::flex())?;
        let geometry = *recognizer.geometry();
        std::fs::create_dir_all(&out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let (mut table, mut written) = (String::new(), 0);
        let samples = crate::data::dataset::read(&data)?;
        for (i, sample) in samples.iter().enumerate() {
            let image: GrayImage = crate::data::imageio::load(&sample.path)?;
            let text = recognizer.recognize(&image)?.text;
            let lines = prepare_page(&image, &geometry)?;
            let [line] = lines.as_slice() else {
                continue; // Inputs are written for single-line images only.
            };
            let name = format!("{i:04}.f32");
            let raw: Vec<u8> = line
                .image
                .data
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            std::fs::write(out.join(&name), raw)?;
            written += 1;
            let frames = line.image.width / geometry.width_multiple;
            writeln!(
                table,
                "{name}\t{}\t{}\t{frames}\t{text}",
                line.image.height, line.image.width
            )?;
        }
        std::fs::write(out.join("lines.tsv"), table)?;
        println!(
            "wrote the inputs of {written} of {} lines (single-line images) to {}",
            samples.len(),
            out.display()
        );
    }
    Ok(())
}
