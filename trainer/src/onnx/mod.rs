//! A model as an ONNX graph (opset 17), so that inkline models run in any ONNX runtime and the
//! speed benchmark can time ONNX Runtime on exactly our network.
//!
//! Inputs: `image` `[batch, 1, H, width]` (ink 1 on background 0, as `inkline`'s preprocessing
//! gives it; width a multiple of the CNN's stride) and `frames` `[batch]` (int32: each line's
//! real frame count, width / stride for an unpadded line). Output: `log_probs`
//! `[batch, steps, classes]` (steps = width / stride), class 0 the CTC blank, classes 1.. the charset stored
//! in the metadata property `charset`. Each conv block is Conv, BatchNormalization, Relu;
//! each BiLSTM layer one bidirectional ONNX `LSTM` (gates reordered from inkline's i, f, c, o
//! to ONNX's i, o, f, c) with `frames` as its sequence lengths.

mod proto;

use inkline::burn::tensor::Tensor;
use inkline::internals::{CnnLayer, LstmDirection};
use inkline::{CnnDblstm, ModelMeta};
use prost::Message;
use proto::{Attribute, Dim, Graph, Node, OpsetId, Shape, TensorType, TypeProto, ValueInfo};

/// The ONNX opset the graph is written for.
pub const OPSET: i64 = 17;

/// The model as ONNX bytes.
pub fn export(model: &CnnDblstm, meta: &ModelMeta) -> Vec<u8> {
    let mut g = Builder::default();
    let mut x = "image".to_string();
    for (l, layer) in model.cnn.layers.iter().enumerate() {
        match layer {
            CnnLayer::Conv(block) => {
                for (c, conv) in block.convs.iter().enumerate() {
                    let w = g.weight(&format!("cnn.{l}.conv{c}.weight"), conv.weight.val());
                    let [kh, kw] = conv.kernel_size;
                    let (ph, pw) = ((kh / 2) as i64, (kw / 2) as i64);
                    let mut inputs = vec![x.clone(), w];
                    if let Some(b) = &conv.bias {
                        inputs.push(g.weight(&format!("cnn.{l}.conv{c}.bias"), b.val()));
                    }
                    x = g.node(
                        "Conv",
                        &inputs,
                        vec![
                            ints("kernel_shape", &[kh as i64, kw as i64]),
                            ints("pads", &[ph, pw, ph, pw]),
                            ints("strides", &[1, 1]),
                        ],
                    );
                }
                let bn = &block.bn;
                let inputs = [
                    x.clone(),
                    g.weight(&format!("cnn.{l}.bn.gamma"), bn.gamma.val()),
                    g.weight(&format!("cnn.{l}.bn.beta"), bn.beta.val()),
                    g.weight(&format!("cnn.{l}.bn.mean"), bn.running_mean.value_sync()),
                    g.weight(&format!("cnn.{l}.bn.var"), bn.running_var.value_sync()),
                ];
                x = g.node(
                    "BatchNormalization",
                    &inputs,
                    vec![float("epsilon", bn.epsilon as f32)],
                );
                x = g.node("Relu", &[x], vec![]);
            }
            CnnLayer::Pool(p) => {
                let k = p.kernel_size.map(|v| v as i64);
                let s = p.stride.map(|v| v as i64);
                x = g.node(
                    "MaxPool",
                    &[x],
                    vec![ints("kernel_shape", &k), ints("strides", &s)],
                );
            }
        }
    }
    let proj = &model.cnn.proj;
    let mut inputs = vec![x, g.weight("cnn.proj.weight", proj.weight.val())];
    if let Some(b) = &proj.bias {
        inputs.push(g.weight("cnn.proj.bias", b.val()));
    }
    x = g.node("Conv", &inputs, vec![ints("kernel_shape", &[1, 1])]);
    // [B, D, 1, T] -> [T, B, D]: the sequence layout of ONNX's LSTM.
    let axes = g.int64s("axes.height", &[1], &[2]);
    x = g.node("Squeeze", &[x, axes], vec![]);
    x = g.node("Transpose", &[x], vec![ints("perm", &[2, 0, 1])]);
    let hidden = model.head.lstm1.forward.recurrent.weight.dims()[0];
    let to_3d = g.int64s("shape.sequence", &[3], &[0, 0, -1]);
    for (name, layer) in [("lstm1", &model.head.lstm1), ("lstm2", &model.head.lstm2)] {
        let w = g.lstm_input(name, &layer.forward, &layer.backward, hidden);
        let r = g.lstm_recurrent(name, &layer.forward, &layer.backward, hidden);
        let b = g.lstm_bias(name, &layer.forward, &layer.backward, hidden);
        let y = g.node(
            "LSTM",
            &[x, w, r, b, "frames".to_string()],
            vec![
                string("direction", "bidirectional"),
                int("hidden_size", hidden as i64),
            ],
        );
        // Y [T, 2, B, H] -> [T, B, 2, H] -> [T, B, 2H]: forward then backward, as inkline.
        let y = g.node("Transpose", &[y], vec![ints("perm", &[0, 2, 1, 3])]);
        x = g.node("Reshape", &[y, to_3d.clone()], vec![]);
    }
    let ip = &model.head.ip;
    let w = g.weight("head.ip.weight", ip.weight.val());
    x = g.node("MatMul", &[x, w], vec![]);
    if let Some(b) = &ip.bias {
        let b = g.weight("head.ip.bias", b.val());
        x = g.node("Add", &[x, b], vec![]);
    }
    x = g.node("LogSoftmax", &[x], vec![int("axis", 2)]);
    g.node_named(
        "Transpose",
        &[x],
        vec![ints("perm", &[1, 0, 2])],
        "log_probs",
    );

    let config = &meta.config;
    let graph = Graph {
        node: g.nodes,
        name: format!("inkline {}", meta.provenance.stage),
        initializer: g.inits,
        input: vec![
            value(
                "image",
                proto::FLOAT,
                &[
                    Size::Named("batch"),
                    Size::Fixed(1),
                    Size::Fixed(config.input_height as i64),
                    Size::Named("width"),
                ],
            ),
            value("frames", proto::INT32, &[Size::Named("batch")]),
        ],
        output: vec![value(
            "log_probs",
            proto::FLOAT,
            &[
                Size::Named("batch"),
                Size::Named("steps"),
                Size::Fixed(config.num_classes as i64),
            ],
        )],
    };
    let entry = |key: &str, value: String| proto::StringEntry {
        key: key.into(),
        value,
    };
    proto::Model {
        ir_version: 8,
        producer_name: "inkline".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: "CNN-DBLSTM text-line recognizer: per-frame CTC log-probabilities; class 0 \
                     is the blank, classes 1.. the charset"
            .into(),
        graph: Some(graph),
        opset_import: vec![OpsetId {
            domain: String::new(),
            version: OPSET,
        }],
        metadata_props: vec![
            entry("charset", meta.charset.clone()),
            entry("input_height", config.input_height.to_string()),
            entry("stride", config.geometry().width_multiple.to_string()),
            entry("norm", config.geometry().norm.to_string()),
        ],
    }
    .encode_to_vec()
}

/// Nodes and initializers under construction, with unique value names.
#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    inits: Vec<proto::Tensor>,
}

impl Builder {
    /// Adds a node whose one output gets a fresh name, which it returns.
    fn node(&mut self, op: &str, inputs: &[String], attribute: Vec<Attribute>) -> String {
        let name = format!("{}{}", op.to_lowercase(), self.nodes.len());
        self.node_named(op, inputs, attribute, &name);
        name
    }

    fn node_named(&mut self, op: &str, inputs: &[String], attribute: Vec<Attribute>, out: &str) {
        self.nodes.push(Node {
            input: inputs.to_vec(),
            output: vec![out.to_string()],
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.into(),
            attribute,
        });
    }

    /// A float initializer of `dims` and `values`.
    fn floats(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        self.inits.push(proto::Tensor {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: proto::FLOAT,
            name: name.into(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        name.into()
    }

    /// An int64 initializer.
    fn int64s(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        self.inits.push(proto::Tensor {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: proto::INT64,
            name: name.into(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        name.into()
    }

    /// A model weight as an initializer of its own shape.
    fn weight<const N: usize>(&mut self, name: &str, t: Tensor<N>) -> String {
        let dims = t.dims();
        self.floats(name, &dims, &values(t))
    }

    /// `W` `[2, 4H, I]` of an ONNX LSTM: each direction's input weights, transposed, gates in
    /// ONNX order.
    fn lstm_input(&mut self, name: &str, f: &LstmDirection, b: &LstmDirection, h: usize) -> String {
        let [d_in, _] = f.input.weight.dims();
        let mut w = gates_transposed(f.input.weight.val(), h);
        w.extend(gates_transposed(b.input.weight.val(), h));
        self.floats(&format!("{name}.W"), &[2, 4 * h, d_in], &w)
    }

    /// `R` `[2, 4H, H]`: the recurrent weights, likewise.
    fn lstm_recurrent(
        &mut self,
        name: &str,
        f: &LstmDirection,
        b: &LstmDirection,
        h: usize,
    ) -> String {
        let mut r = gates_transposed(f.recurrent.weight.val(), h);
        r.extend(gates_transposed(b.recurrent.weight.val(), h));
        self.floats(&format!("{name}.R"), &[2, 4 * h, h], &r)
    }

    /// `B` `[2, 8H]`: the input bias in ONNX gate order, then the recurrent bias (none: 0).
    fn lstm_bias(&mut self, name: &str, f: &LstmDirection, b: &LstmDirection, h: usize) -> String {
        let mut out = Vec::with_capacity(16 * h);
        for dir in [f, b] {
            let bias = dir
                .input
                .bias
                .as_ref()
                .map_or(vec![0.0; 4 * h], |b| values(b.val()));
            for g in ONNX_GATES {
                out.extend_from_slice(&bias[g * h..(g + 1) * h]);
            }
            out.extend(std::iter::repeat_n(0.0, 4 * h));
        }
        self.floats(&format!("{name}.B"), &[2, 8 * h], &out)
    }
}

/// inkline's gate blocks (input 0, forget 1, cell 2, output 3) in ONNX's order i, o, f, c.
const ONNX_GATES: [usize; 4] = [0, 3, 1, 2];

/// A linear layer's weight `[in, 4H]` as ONNX rows `[4H, in]` with the gate blocks reordered.
fn gates_transposed(weight: Tensor<2>, h: usize) -> Vec<f32> {
    let [d_in, d_out] = weight.dims();
    let w = values(weight);
    let mut out = Vec::with_capacity(d_in * d_out);
    for g in ONNX_GATES {
        for row in g * h..(g + 1) * h {
            out.extend((0..d_in).map(|i| w[i * d_out + row]));
        }
    }
    out
}

/// A tensor's values as f32, row-major.
fn values<const N: usize>(t: Tensor<N>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap_or_default()
}

/// A dimension of an input or output: a number, or a name fixed when the model runs.
enum Size {
    Fixed(i64),
    Named(&'static str),
}

fn value(name: &str, elem_type: i32, dims: &[Size]) -> ValueInfo {
    let dim = dims
        .iter()
        .map(|d| match d {
            Size::Fixed(v) => Dim {
                dim_value: Some(*v),
                dim_param: None,
            },
            Size::Named(n) => Dim {
                dim_value: None,
                dim_param: Some((*n).into()),
            },
        })
        .collect();
    ValueInfo {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorType {
                elem_type,
                shape: Some(Shape { dim }),
            }),
        }),
    }
}

fn ints(name: &str, values: &[i64]) -> Attribute {
    Attribute {
        name: name.into(),
        ints: values.to_vec(),
        r#type: proto::ATTR_INTS,
        ..Default::default()
    }
}

fn int(name: &str, value: i64) -> Attribute {
    Attribute {
        name: name.into(),
        i: value,
        r#type: proto::ATTR_INT,
        ..Default::default()
    }
}

fn float(name: &str, value: f32) -> Attribute {
    Attribute {
        name: name.into(),
        f: value,
        r#type: proto::ATTR_FLOAT,
        ..Default::default()
    }
}

fn string(name: &str, value: &str) -> Attribute {
    Attribute {
        name: name.into(),
        s: value.as_bytes().to_vec(),
        r#type: proto::ATTR_STRING,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkline::burn::tensor::Device;
    use inkline::{Charset, ModelFile, Network, Preset, Provenance};
    use std::collections::HashSet;

    fn export_tiny() -> (ModelFile, proto::Model) {
        let cs = Charset::printable_ascii();
        let config = Preset::Tiny.config(Network::Darknet, &cs);
        let model = CnnDblstm::new(&config, &Device::flex()).unwrap();
        let file = ModelFile::new(model, config, &cs, Provenance::default());
        let bytes = export(&file.model, &file.meta);
        (file, proto::Model::decode(bytes.as_slice()).unwrap())
    }

    fn floats(t: &proto::Tensor) -> Vec<f32> {
        t.raw_data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }

    #[test]
    fn the_graph_is_closed_and_declares_its_interface() {
        let (file, m) = export_tiny();
        assert_eq!((m.ir_version, m.opset_import[0].version), (8, OPSET));
        let g = m.graph.unwrap();
        let names = |v: &[ValueInfo]| v.iter().map(|v| v.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&g.input), ["image", "frames"]);
        assert_eq!(names(&g.output), ["log_probs"]);
        let dims = &g.input[0]
            .r#type
            .as_ref()
            .unwrap()
            .tensor_type
            .as_ref()
            .unwrap();
        let height = dims.shape.as_ref().unwrap().dim[2].dim_value;
        assert_eq!(height, Some(file.meta.config.input_height as i64));
        // Every node reads only graph inputs, weights or earlier nodes' outputs.
        let mut known: HashSet<String> = names(&g.input).into_iter().collect();
        known.extend(g.initializer.iter().map(|t| t.name.clone()));
        for node in &g.node {
            for input in &node.input {
                assert!(
                    known.contains(input),
                    "{} reads unknown '{input}'",
                    node.name
                );
            }
            known.extend(node.output.iter().cloned());
        }
        assert!(known.contains("log_probs"));
        let lstms: Vec<_> = g.node.iter().filter(|n| n.op_type == "LSTM").collect();
        assert_eq!(lstms.len(), 2);
        assert!(
            lstms
                .iter()
                .all(|n| n.attribute.iter().any(|a| a.s == b"bidirectional"))
        );
        let meta = m
            .metadata_props
            .iter()
            .find(|p| p.key == "charset")
            .unwrap();
        assert_eq!(meta.value, file.meta.charset);
    }

    #[test]
    fn lstm_weights_are_transposed_into_onnx_gate_order() {
        let (file, m) = export_tiny();
        let g = m.graph.unwrap();
        let init = |name: &str| g.initializer.iter().find(|t| t.name == name).unwrap();
        let layer = &file.model.head.lstm1;
        let [d, four_h] = layer.forward.input.weight.dims();
        let h = four_h / 4;
        let w = init("lstm1.W");
        assert_eq!(w.dims, [2, four_h as i64, d as i64]);
        let (ours_f, ours_b) = (
            values(layer.forward.input.weight.val()),
            values(layer.backward.input.weight.val()),
        );
        let onnx = floats(w);
        // ONNX gate blocks i, o, f, c are inkline's 0, 3, 1, 2; rows are inkline's columns.
        for (block, ours_gate) in [(0, 0), (1, 3), (2, 1), (3, 2)] {
            for (dir, ours) in [(0, &ours_f), (1, &ours_b)] {
                for u in [0, h - 1] {
                    for i in [0, d - 1] {
                        let got = onnx[(dir * four_h + block * h + u) * d + i];
                        assert_eq!(got, ours[i * four_h + ours_gate * h + u]);
                    }
                }
            }
        }
        let r = init("lstm1.R");
        assert_eq!(r.dims, [2, four_h as i64, h as i64]);
        let b = floats(init("lstm1.B"));
        let bias = values(layer.forward.input.bias.as_ref().unwrap().val());
        // Forward direction: input bias in ONNX order (the forget gate's 1s second to last),
        // then the recurrent bias, all zero.
        assert_eq!(&b[..h], &bias[..h]);
        assert_eq!(&b[2 * h..3 * h], &bias[h..2 * h]);
        assert!(b[4 * h..8 * h].iter().all(|&v| v == 0.0));
    }
}
