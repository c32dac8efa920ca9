//! What a model is, as stored in its file: the CNN's layer specs, the head's sizes, the input
//! geometry, and the checks that make such a config valid. Named sizes live in `preset.rs`.

use crate::error::{InklineError, Result};
use crate::preprocess::{InputGeometry, LineNorm};
use serde::{Deserialize, Serialize};

/// One layer of a CNN, as written in a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerSpec {
    /// Conv3x3 (same padding) + BatchNorm + ReLU with this many output channels.
    Conv3x3(usize),
    /// Conv1x1 + BatchNorm + ReLU with this many output channels.
    Conv1x1(usize),
    /// Tucker-2 factorized Conv3x3: Conv1x1 (Cin->r1), Conv3x3 (r1->r2), Conv1x1 (r2->out),
    /// then BatchNorm + ReLU.
    Tucker {
        /// Input-mode rank.
        r1: usize,
        /// Output-mode rank.
        r2: usize,
        /// Output channels.
        out: usize,
    },
    /// Max pooling with kernel = stride = `[h, w]`.
    Pool(usize, usize),
}

/// Which CNN family a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// VGG-style teacher.
    Vgg,
    /// DarkNet-style compact student.
    Darknet,
    /// VGG with Tucker-2 factorized convolutions.
    Tucker,
}

crate::names::serde_names!(
    Arch,
    crate::error::MODEL_ARCHITECTURE,
    [Vgg, Darknet, Tucker]
);

/// Everything needed to build a CNN-DBLSTM model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// CNN family (informational; the layers define the network).
    pub arch: Arch,
    /// Input height in pixels; the CNN's pools must reduce it to 1.
    pub input_height: usize,
    /// How lines are scaled to the input height (absent in files written before it existed:
    /// ink box).
    #[serde(default, skip_serializing_if = "LineNorm::is_ink_box")]
    pub line_norm: LineNorm,
    /// Narrow writing is stretched to this stroke density before it is read (see
    /// [`InputGeometry::density`]; absent: lines keep their written width, as in every model
    /// before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width_density: Option<f32>,
    /// CNN layers in order.
    pub cnn: Vec<LayerSpec>,
    /// Feature size D of the CNN output (Conv1x1 projection) fed to the DBLSTM.
    pub feature_dim: usize,
    /// Hidden units per direction of each LSTM layer.
    pub lstm_hidden: usize,
    /// Output classes of the IP layer, blank included.
    pub num_classes: usize,
}

impl ModelConfig {
    /// Checks that the layers reduce the input height to exactly 1 and every size is positive.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(InklineError::InvalidConfig(msg));
        if self.input_height == 0 || self.feature_dim == 0 || self.lstm_hidden == 0 {
            return bad("input height, feature size and LSTM size must be positive".into());
        }
        if self.num_classes < 2 {
            return bad(format!(
                "{} output classes; at least 2 are needed",
                self.num_classes
            ));
        }
        let mut h = self.input_height;
        for layer in &self.cnn {
            match *layer {
                LayerSpec::Conv3x3(c) | LayerSpec::Conv1x1(c) if c == 0 => {
                    return bad("a convolution has 0 channels".into());
                }
                LayerSpec::Tucker { r1, r2, out } if r1 == 0 || r2 == 0 || out == 0 => {
                    return bad("a Tucker convolution has a zero rank or 0 channels".into());
                }
                LayerSpec::Pool(ph, pw) => {
                    if ph == 0 || pw == 0 || !h.is_multiple_of(ph) {
                        return bad(format!("pool {ph}x{pw} does not divide height {h}"));
                    }
                    h /= ph;
                }
                _ => {}
            }
        }
        if h != 1 {
            return bad(format!(
                "the CNN reduces input height {} to {h}, not 1",
                self.input_height
            ));
        }
        Ok(())
    }

    /// Horizontal downsampling of the CNN: input columns per output frame.
    pub fn frame_stride(&self) -> usize {
        self.cnn
            .iter()
            .map(|l| if let LayerSpec::Pool(_, w) = l { *w } else { 1 })
            .product()
    }

    /// Output channels of the last CNN layer (input of the Conv1x1 projection).
    pub fn cnn_channels(&self) -> usize {
        self.cnn.iter().fold(1, |c, l| match *l {
            LayerSpec::Conv3x3(o) | LayerSpec::Conv1x1(o) | LayerSpec::Tucker { out: o, .. } => o,
            LayerSpec::Pool(..) => c,
        })
    }

    /// The input geometry of this model: height, horizontal stride and line scaling.
    pub fn geometry(&self) -> InputGeometry {
        InputGeometry::new(self.input_height, self.frame_stride())
            .with_norm(self.line_norm)
            .with_density(self.width_density)
    }

    /// The same model at another input height, horizontal stride or line scaling: the last
    /// vertical pool takes up the height change, the last horizontal pools give up their
    /// width reduction down to `stride`.
    pub fn with_geometry(&self, height: usize, stride: usize, norm: LineNorm) -> Result<Self> {
        let mut cnn = self.cnn.clone();
        let pools: Vec<usize> = (0..cnn.len())
            .filter(|&i| matches!(cnn[i], LayerSpec::Pool(..)))
            .collect();
        let bad = |msg: String| InklineError::InvalidConfig(msg);
        let &last = pools
            .last()
            .ok_or_else(|| bad("the CNN has no pooling layer".into()))?;
        let above: usize = pools[..pools.len() - 1]
            .iter()
            .map(|&i| match cnn[i] {
                LayerSpec::Pool(h, _) => h,
                _ => 1,
            })
            .product();
        if height == 0 || !height.is_multiple_of(above) {
            return Err(bad(format!(
                "input height {height} is not a multiple of {above}, the CNN's pooling above its last pool"
            )));
        }
        if let LayerSpec::Pool(_, w) = cnn[last] {
            cnn[last] = LayerSpec::Pool(height / above, w);
        }
        let mut current = self.frame_stride();
        if stride == 0 || !current.is_multiple_of(stride) {
            return Err(bad(format!(
                "stride {stride} does not divide the CNN's stride {current}"
            )));
        }
        for &i in pools.iter().rev() {
            if let LayerSpec::Pool(h, w) = cnn[i] {
                let keep = (w * stride / current).max(1);
                if keep < w && w.is_multiple_of(keep) {
                    current = current / w * keep;
                    cnn[i] = LayerSpec::Pool(h, keep);
                }
            }
        }
        let out = Self {
            input_height: height,
            line_norm: norm,
            cnn,
            ..self.clone()
        };
        out.validate()?;
        Ok(out)
    }

    /// The same model with every Conv3x3 and Conv1x1 but the first layer `k` times as wide,
    /// rounded to a multiple of 8 (at least 8); Tucker layers and the head are kept; `k == 1`
    /// changes nothing.
    pub fn widened(&self, k: f32) -> Self {
        if k == 1.0 {
            return self.clone();
        }
        let scale = |n: usize| ((((n as f32 * k) / 8.0).round() as usize) * 8).max(8);
        let mut first = true;
        let cnn = self
            .cnn
            .iter()
            .map(|&l| match l {
                LayerSpec::Pool(..) => l,
                _ if std::mem::take(&mut first) => l,
                LayerSpec::Conv3x3(n) => LayerSpec::Conv3x3(scale(n)),
                LayerSpec::Conv1x1(n) => LayerSpec::Conv1x1(scale(n)),
                other => other,
            })
            .collect();
        Self {
            cnn,
            ..self.clone()
        }
    }

    /// The same head (D, LSTM size, classes) with another CNN.
    pub fn with_cnn(&self, arch: Arch, cnn: Vec<LayerSpec>) -> Self {
        Self {
            arch,
            cnn,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::Charset;
    use crate::model::{Network, Preset};
    use crate::preprocess::LineNorm;

    #[test]
    fn geometry_variants_keep_the_layers_and_move_the_pools() {
        let cs = Charset::printable_ascii();
        for arch in [Network::Vgg, Network::Darknet] {
            let base = Preset::Small.config(arch, &cs);
            let tall = base.with_geometry(48, 4, LineNorm::InkBox).unwrap();
            assert_eq!((tall.input_height, tall.frame_stride()), (48, 4));
            assert_eq!(tall.cnn.len(), base.cnn.len());
            assert_eq!(tall.cnn.last(), Some(&LayerSpec::Pool(3, 1)));
            let fine = base.with_geometry(32, 2, LineNorm::Body).unwrap();
            assert_eq!((fine.frame_stride(), fine.line_norm), (2, LineNorm::Body));
            assert_eq!(fine.geometry().width_multiple, 2);
            assert_eq!(fine.geometry().norm, LineNorm::Body);
            assert_eq!(base.with_geometry(32, 4, LineNorm::InkBox).unwrap(), base);
        }
        let base = Preset::Small.config(Network::Vgg, &cs);
        let err = base.with_geometry(40, 4, LineNorm::InkBox).unwrap_err();
        assert!(err.to_string().contains("not a multiple of 16"), "{err}");
        assert!(base.with_geometry(32, 3, LineNorm::InkBox).is_err());
    }

    #[test]
    fn a_widened_cnn_keeps_its_first_layer_pools_and_head() {
        let cs = Charset::printable_ascii();
        let base = Preset::Small.config(Network::Darknet, &cs);
        assert_eq!(base.widened(1.0), base);
        let wide = base.widened(1.5);
        use LayerSpec::{Conv1x1 as C1, Conv3x3 as C3, Pool as P};
        assert_eq!(
            wide.cnn,
            vec![
                C3(8),
                P(2, 2),
                C3(24),
                P(2, 2),
                C3(48),
                C1(24),
                C3(48),
                P(2, 1),
                C3(96),
                C1(48),
                C3(96),
                P(2, 1),
                C3(144),
                C1(72),
                C3(192),
                P(2, 1)
            ]
        );
        assert_eq!(
            (wide.feature_dim, wide.lstm_hidden),
            (base.feature_dim, base.lstm_hidden)
        );
        wide.validate().unwrap();
    }

    #[test]
    fn ink_box_configs_serialize_as_before() {
        let cs = Charset::printable_ascii();
        let c = Preset::Tiny.config(Network::Vgg, &cs);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("line_norm"), "{json}");
        let body = c.with_geometry(16, 2, LineNorm::Body).unwrap();
        let json = serde_json::to_string(&body).unwrap();
        assert!(json.contains(r#""line_norm":"body""#), "{json}");
        assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), body);
        // Widths as written (every file before the setting) write no width density; a density
        // round-trips and reaches the geometry.
        assert!(!json.contains("width_density"), "{json}");
        assert_eq!(c.geometry().density, None);
        let narrow = ModelConfig {
            width_density: Some(2.5),
            ..c
        };
        let json = serde_json::to_string(&narrow).unwrap();
        assert!(json.contains(r#""width_density":2.5"#), "{json}");
        let back = serde_json::from_str::<ModelConfig>(&json).unwrap();
        assert_eq!(back.geometry().density, Some(2.5));
    }

    #[test]
    fn invalid_configs_are_explained() {
        let cs = Charset::printable_ascii();
        let mut c = Preset::Tiny.config(Network::Vgg, &cs);
        c.cnn.pop();
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("not 1"), "{err}");
        assert!(
            "resnet"
                .parse::<Arch>()
                .unwrap_err()
                .to_string()
                .contains("unknown model architecture 'resnet'")
        );
    }
}
