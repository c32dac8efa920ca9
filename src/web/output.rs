//! The result object JavaScript receives, in JS naming.

use crate::recognizer::Recognition;
use serde::Serialize;

/// `{ text, confidence, lines, timing, backend }`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsRecognition {
    text: String,
    confidence: f32,
    lines: Vec<JsLine>,
    timing: JsTiming,
    backend: &'static str,
}

#[derive(Serialize)]
struct JsLine {
    text: String,
    confidence: f32,
    bbox: JsBox,
}

#[derive(Serialize)]
struct JsBox {
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsTiming {
    preprocess_ms: f64,
    inference_ms: f64,
    decode_ms: f64,
    total_ms: f64,
}

impl JsRecognition {
    /// Converts a recognition made on `backend`.
    pub fn new(r: Recognition, backend: &'static str) -> Self {
        Self {
            text: r.text,
            confidence: r.confidence,
            lines: r
                .lines
                .into_iter()
                .map(|l| JsLine {
                    text: l.text,
                    confidence: l.confidence,
                    bbox: JsBox {
                        x: l.bbox.x,
                        y: l.bbox.y,
                        width: l.bbox.width,
                        height: l.bbox.height,
                    },
                })
                .collect(),
            timing: JsTiming {
                preprocess_ms: r.timing.preprocess,
                inference_ms: r.timing.inference,
                decode_ms: r.timing.decode,
                total_ms: r.timing.total,
            },
            backend,
        }
    }
}
