//! Tucker-2 decomposition (HOSVD along the output and input channel modes) of a trained
//! VGG teacher's Conv3x3 layers into Conv1x1 - Conv3x3 - Conv1x1, and the VGG-TK model built
//! from those factors.

use anyhow::{Result, bail};
use faer::Mat;
use inkline::burn::module::{Module, Param};
use inkline::burn::tensor::{Device, Tensor, TensorData};
use inkline::internals::{CnnLayer, NamedTensor};
use inkline::{CnnDblstm, LayerSpec, ModelConfig};

/// The three factors of one convolution, as conv weights.
pub struct Tucker2 {
    /// Conv1x1 `[r1, cin, 1, 1]`: projection onto the input-mode basis.
    pub first: NamedTensor,
    /// Conv `[r2, r1, kh, kw]`: the core.
    pub core: NamedTensor,
    /// Conv1x1 `[cout, r2, 1, 1]`: expansion from the output-mode basis.
    pub last: NamedTensor,
}

/// First `r` left singular vectors of `a` (rows x cols), as a rows x r matrix.
fn leading_left_vectors(a: &Mat<f64>, r: usize) -> Result<Mat<f64>> {
    let svd = a
        .thin_svd()
        .map_err(|e| anyhow::anyhow!("SVD failed: {e:?}"))?;
    let u = svd.U();
    Ok(Mat::from_fn(a.nrows(), r, |i, j| u[(i, j)]))
}

/// HOSVD of a conv weight `[cout, cin, kh, kw]` keeping ranks `r1` (input) and `r2` (output).
pub fn decompose(w: &NamedTensor, r1: usize, r2: usize) -> Result<Tucker2> {
    let [cout, cin, kh, kw] = w.shape[..] else {
        bail!("expected a 4-d conv weight, got {:?}", w.shape)
    };
    if r1 == 0 || r2 == 0 || r1 > cin || r2 > cout {
        bail!("ranks ({r1}, {r2}) out of range for a {cout}x{cin} convolution");
    }
    let k = kh * kw;
    let at = |o: usize, c: usize, s: usize| f64::from(w.values[(o * cin + c) * k + s]);
    let a1 = Mat::from_fn(cout, cin * k, |o, j| at(o, j / k, j % k));
    let a2 = Mat::from_fn(cin, cout * k, |c, j| at(j / k, c, j % k));
    let u1 = leading_left_vectors(&a1, r2.min(cin * k))?;
    let u2 = leading_left_vectors(&a2, r1.min(cout * k))?;
    let (r2, r1) = (u1.ncols(), u2.ncols());
    // Core G[q, p, s] = sum_o sum_c U1[o, q] U2[c, p] W[o, c, s].
    let mut tmp = vec![0f64; r2 * cin * k]; // (U1^T W) [q, c, s]
    for q in 0..r2 {
        for o in 0..cout {
            let u = u1[(o, q)];
            for c in 0..cin {
                for s in 0..k {
                    tmp[(q * cin + c) * k + s] += u * at(o, c, s);
                }
            }
        }
    }
    let mut core = vec![0f32; r2 * r1 * k];
    for q in 0..r2 {
        for p in 0..r1 {
            for s in 0..k {
                let v: f64 = (0..cin)
                    .map(|c| u2[(c, p)] * tmp[(q * cin + c) * k + s])
                    .sum();
                core[(q * r1 + p) * k + s] = v as f32;
            }
        }
    }
    Ok(Tucker2 {
        first: NamedTensor {
            shape: vec![r1, cin, 1, 1],
            values: (0..r1 * cin)
                .map(|i| u2[(i % cin, i / cin)] as f32)
                .collect(),
        },
        core: NamedTensor {
            shape: vec![r2, r1, kh, kw],
            values: core,
        },
        last: NamedTensor {
            shape: vec![cout, r2, 1, 1],
            values: (0..cout * r2)
                .map(|i| u1[(i / r2, i % r2)] as f32)
                .collect(),
        },
    })
}

/// The full weight the three factors compute, `[cout, cin, kh, kw]`.
pub fn reconstruct(t: &Tucker2) -> NamedTensor {
    let (r1, cin) = (t.first.shape[0], t.first.shape[1]);
    let (r2, kh, kw) = (t.core.shape[0], t.core.shape[2], t.core.shape[3]);
    let cout = t.last.shape[0];
    let k = kh * kw;
    let mut w = vec![0f32; cout * cin * k];
    for o in 0..cout {
        for q in 0..r2 {
            let a = t.last.values[o * r2 + q];
            for p in 0..r1 {
                for s in 0..k {
                    let g = a * t.core.values[(q * r1 + p) * k + s];
                    for c in 0..cin {
                        w[(o * cin + c) * k + s] += g * t.first.values[p * cin + c];
                    }
                }
            }
        }
    }
    NamedTensor {
        shape: vec![cout, cin, kh, kw],
        values: w,
    }
}

/// Builds the VGG-TK model of `tk_config` from a trained VGG teacher with the same layer list:
/// every Tucker block gets the HOSVD factors of the teacher's Conv3x3 and its BatchNorm;
/// every other layer, the projection and the head are the teacher's.
pub fn from_teacher(
    teacher: &CnnDblstm,
    tk_config: &ModelConfig,
    device: &Device,
) -> Result<CnnDblstm> {
    let teacher = teacher.clone().to_device(device);
    let mut tk = CnnDblstm::new(tk_config, device)?;
    if teacher.cnn.layers.len() != tk.cnn.layers.len() {
        bail!(
            "the teacher has {} CNN layers, VGG-TK {}",
            teacher.cnn.layers.len(),
            tk.cnn.layers.len()
        );
    }
    let specs = tk_config.cnn.iter();
    for (i, ((from, to), spec)) in teacher
        .cnn
        .layers
        .iter()
        .zip(&mut tk.cnn.layers)
        .zip(specs)
        .enumerate()
    {
        match (from, to, *spec) {
            (CnnLayer::Conv(t), CnnLayer::Conv(k), LayerSpec::Tucker { r1, r2, .. }) => {
                let [conv] = &t.convs[..] else {
                    bail!("the teacher's layer {i} is not a single convolution");
                };
                let f = decompose(&weight_of(&conv.weight), r1, r2)?;
                for (c, w) in k.convs.iter_mut().zip([f.first, f.core, f.last]) {
                    c.weight = Param::from_tensor(Tensor::from_data(
                        TensorData::new(w.values, w.shape),
                        device,
                    ));
                }
                k.bn = t.bn.clone();
            }
            (CnnLayer::Conv(t), CnnLayer::Conv(k), _) => *k = t.clone(),
            (CnnLayer::Pool(_), CnnLayer::Pool(_), _) => {}
            _ => bail!("layer {i} of the teacher and of VGG-TK are of different kinds"),
        }
    }
    tk.cnn.proj = teacher.cnn.proj;
    tk.head = teacher.head;
    Ok(tk)
}

/// A conv weight's shape and values.
fn weight_of(w: &Param<Tensor<4>>) -> NamedTensor {
    let t = w.val();
    NamedTensor {
        shape: t.dims().to_vec(),
        values: t.into_data().try_to_vec::<f32>().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight(cout: usize, cin: usize) -> NamedTensor {
        let values = (0..cout * cin * 9)
            .map(|i| ((i * 7919 % 113) as f32 / 56.0 - 1.0) * if i % 5 == 0 { 3.0 } else { 1.0 })
            .collect();
        NamedTensor {
            shape: vec![cout, cin, 3, 3],
            values,
        }
    }

    fn err(a: &NamedTensor, b: &NamedTensor) -> f32 {
        let num: f32 = a
            .values
            .iter()
            .zip(&b.values)
            .map(|(x, y)| (x - y).powi(2))
            .sum();
        let den: f32 = a.values.iter().map(|x| x * x).sum();
        (num / den).sqrt()
    }

    #[test]
    fn full_rank_reconstructs_and_error_falls_with_rank() {
        let w = weight(12, 8);
        let full = reconstruct(&decompose(&w, 8, 12).unwrap());
        assert!(err(&w, &full) < 1e-5, "{}", err(&w, &full));
        let errs: Vec<f32> = [(2, 3), (4, 6), (6, 9), (8, 12)]
            .iter()
            .map(|&(r1, r2)| err(&w, &reconstruct(&decompose(&w, r1, r2).unwrap())))
            .collect();
        assert!(errs.windows(2).all(|e| e[1] < e[0]), "{errs:?}");
        assert_eq!(decompose(&w, 4, 6).unwrap().core.shape, vec![6, 4, 3, 3]);
        assert!(decompose(&w, 9, 6).is_err());
    }

    #[test]
    fn tk_model_at_full_rank_matches_the_teacher() {
        use inkline::{Arch, Charset, Network, Preset};
        let cs = Charset::printable_ascii();
        let device = Device::flex();
        let vgg = Preset::Tiny.config(Network::Vgg, &cs);
        let teacher = CnnDblstm::new(&vgg, &device).unwrap();
        // Full ranks: r1 = cin, r2 = cout for every factorized layer.
        let mut cin = 1;
        let cnn: Vec<LayerSpec> = vgg
            .cnn
            .iter()
            .map(|&l| match l {
                LayerSpec::Conv3x3(out) if cin > 1 => {
                    let s = LayerSpec::Tucker {
                        r1: cin,
                        r2: out,
                        out,
                    };
                    cin = out;
                    s
                }
                LayerSpec::Conv3x3(out) => {
                    cin = out;
                    l
                }
                other => other,
            })
            .collect();
        let tk = from_teacher(&teacher, &vgg.with_cnn(Arch::Tucker, cnn), &device).unwrap();
        let x: Vec<f32> = (0..16 * 40)
            .map(|i| ((i * 31 % 17) as f32) / 17.0)
            .collect();
        let x = Tensor::<4>::from_data(TensorData::new(x, [1, 1, 16, 40]), &device);
        let a = teacher
            .log_probs(x.clone(), &[20])
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b = tk
            .log_probs(x, &[20])
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let max = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(max < 1e-3, "{max}");
    }
}
