//! The compute device of training: burn-flex on the CPU by default; `--device wgpu` or
//! `--device cuda` when the trainer is built with that feature.

use anyhow::{Result, bail};
use inkline::burn::tensor::Device;

/// The device named `cpu`, `wgpu` (`--features wgpu`) or `cuda` (`--features cuda`).
pub fn parse(name: &str) -> Result<Device> {
    match name {
        "cpu" => Ok(Device::flex()),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::wgpu(
            inkline::burn::tensor::DeviceKind::DefaultDevice,
        )),
        #[cfg(feature = "cuda")]
        "cuda" => Ok(Device::cuda(0usize)),
        other => {
            let mut built = vec!["cpu"];
            if cfg!(feature = "wgpu") {
                built.push("wgpu");
            }
            if cfg!(feature = "cuda") {
                built.push("cuda");
            }
            bail!(
                "device '{other}' is not in this build (it has: {}); build the trainer with \
                 --features wgpu or --features cuda for a GPU",
                built.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_always_and_a_clear_error_for_devices_not_built() {
        assert!(parse("cpu").is_ok());
        let e = parse("tpu").unwrap_err().to_string();
        assert!(
            e.contains("device 'tpu' is not in this build (it has: cpu"),
            "{e}"
        );
    }
}
