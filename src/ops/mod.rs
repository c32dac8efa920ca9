//! The fast kernels of [`crate::kernels`] as burn backend operations on the CPU backend (Flex),
//! through burn's backend extension, each with a hand-written backward under autodiff. Other
//! devices (WebGPU, CUDA) keep burn's own operations: callers ask [`runs_on`] first.

pub mod batch_norm;
pub mod conv;
pub mod pool;
pub mod recurrence;

use burn::backend::tensor::FloatTensor;
use burn::backend::{DispatchDevice, Flex};
use burn::tensor::{Device, FloatDType, Shape, TensorData};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`use_reference_ops`]: every operation takes burn's own path.
static REFERENCE_OPS: AtomicBool = AtomicBool::new(false);

/// From now on, in this process, every operation runs as burn's own ops (the reference the fast
/// kernels are tested against) instead of the fast kernels: to compare training curves.
pub fn use_reference_ops(on: bool) {
    REFERENCE_OPS.store(on, Ordering::Relaxed);
}

/// Whether tensors on `device` take the fast operations (the CPU backend, with or without
/// autodiff, unless [`use_reference_ops`] said otherwise).
pub fn runs_on(device: &Device) -> bool {
    if REFERENCE_OPS.load(Ordering::Relaxed) {
        return false;
    }
    match device.as_dispatch() {
        DispatchDevice::Flex(_) => true,
        #[cfg(feature = "autodiff")]
        DispatchDevice::Autodiff(inner) => {
            matches!(inner.clone().inner(), DispatchDevice::Flex(_))
        }
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// A contiguous `f32` tensor (casting or copying only when it is not one).
fn contiguous(t: FloatTensor<Flex>) -> FloatTensor<Flex> {
    let t = if t.dtype() == burn::tensor::DType::F32 {
        t
    } else {
        <Flex as burn::backend::ops::FloatTensorOps<Flex>>::float_cast(t, FloatDType::F32)
    };
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

/// The values of a tensor made by [`contiguous`].
fn slice(t: &FloatTensor<Flex>) -> &[f32] {
    t.as_slice::<f32>()
        .expect("a contiguous f32 tensor (made by `contiguous`)")
}

/// A Flex tensor of `values` in `shape`.
fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FloatTensor<Flex> {
    FloatTensor::<Flex>::from_data(TensorData::new(values, shape.into()))
}
