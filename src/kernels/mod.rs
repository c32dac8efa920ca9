//! Plain-Rust kernels over row-major `f32` slices, for what burn's per-op tensors make slow on
//! the CPU: matrix products, the LSTM recurrence, batch normalization in training, convolution weight
//! gradients, max pooling.
//! Each is tested against its definition here and against burn's reference in `crate::ops`.

pub mod activation;
pub mod batch_norm;
pub mod conv;
pub mod lstm;
pub mod matmul;
pub mod pool;
