//! Named access to a module's tensors: collect them for saving, apply them when loading.

use crate::error::{InklineError, Result};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};
use std::collections::BTreeMap;

/// A tensor's shape and f32 values.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<f32>,
}

/// Every float tensor of `module` (parameters and running statistics) by dotted path.
pub fn collect<M: Module>(module: &M) -> BTreeMap<String, NamedTensor> {
    let mut v = Collector::default();
    module.visit(&mut v);
    v.out
}

/// Replaces every float tensor of `module` with the one of the same path in `tensors`.
/// Fails on a missing, extra or differently shaped tensor.
pub fn apply<M: Module>(module: M, tensors: &BTreeMap<String, NamedTensor>) -> Result<M> {
    let mut m = Applier {
        path: Vec::new(),
        tensors,
        used: 0,
        error: None,
    };
    let module = module.map(&mut m);
    if let Some(e) = m.error {
        return Err(e);
    }
    if m.used != tensors.len() {
        let expected: std::collections::BTreeSet<String> = collect(&module).into_keys().collect();
        let extra: Vec<&String> = tensors.keys().filter(|k| !expected.contains(*k)).collect();
        return Err(InklineError::WeightsMismatch(format!(
            "the file has {} tensor(s) the architecture does not use: {}",
            extra.len(),
            preview(&extra)
        )));
    }
    Ok(module)
}

fn preview(names: &[&String]) -> String {
    let mut s = names
        .iter()
        .take(3)
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 3 {
        s.push_str(", ...");
    }
    s
}

#[derive(Default)]
struct Collector {
    path: Vec<String>,
    out: BTreeMap<String, NamedTensor>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let data = param.val().into_data().convert::<f32>();
        let named = NamedTensor {
            shape: data.shape().to_vec(),
            values: data.try_to_vec::<f32>().unwrap_or_default(),
        };
        self.out.insert(self.path.join("."), named);
    }
}

struct Applier<'a> {
    path: Vec<String>,
    tensors: &'a BTreeMap<String, NamedTensor>,
    used: usize,
    error: Option<InklineError>,
}

impl ModuleMapper for Applier<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if self.error.is_some() {
            return param;
        }
        let name = self.path.join(".");
        let expected = param.val().dims().to_vec();
        let Some(t) = self.tensors.get(&name) else {
            self.error = Some(InklineError::WeightsMismatch(format!(
                "tensor '{name}' (shape {expected:?}) is missing from the file"
            )));
            return param;
        };
        if t.shape != expected || t.values.len() != expected.iter().product::<usize>() {
            self.error = Some(InklineError::ShapeMismatch {
                name,
                expected,
                found: t.shape.clone(),
            });
            return param;
        }
        self.used += 1;
        param.map(|old| {
            let new = Tensor::<D>::from_data(
                TensorData::new(t.values.clone(), t.shape.clone()),
                &old.device(),
            );
            if old.is_require_grad() {
                new.require_grad()
            } else {
                new
            }
        })
    }
}
