//! Data: synthetic text lines (fonts with their split and reserved-font refusal, text corpus
//! and prose, rendering, pen ink, styles, augmentation, the deterministic generator and the
//! training batcher), real writers' pen trajectories (the UNIPEN reader, ink geometry, real
//! lines drawn in each style),
//! and datasets on disk (a folder of images plus `gt.tsv`, image files).

pub mod augment;
pub mod batcher;
pub mod corpus;
pub mod dataset;
pub mod fonts;
pub mod generator;
pub mod hershey;
pub mod imageio;
pub mod ink;
pub mod page;
pub mod pen;
pub mod prose;
pub mod real;
pub mod render;
pub mod style;
pub mod unipen;

pub use generator::{Generator, Sample};
