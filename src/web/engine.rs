//! [`Engine`]: a loaded model on one backend, called from JavaScript.

use super::input::gray_image;
use super::{error_of_kind, js_error};
use crate::{CharLm, Decoder, ErrorKind, InklineError, Recognition, Recognizer, sha256_hex};
use burn::tensor::Device;
use serde::Serialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A recognizer on the CPU or WebGPU backend of this build.
#[wasm_bindgen]
pub struct Engine {
    recognizer: Rc<Recognizer>,
    backend: &'static str,
    sha256: String,
}

#[wasm_bindgen]
impl Engine {
    /// Loads `model` (inkline model file bytes) on `backend` (`"cpu"` or `"webgpu"`).
    /// `expected_sha256`, when given, must match the bytes; `expected_from` says where it came
    /// from (the package manifest, the caller's `sha256` option) for the error. The file's own
    /// checksum is verified either way.
    /// `beam` > 0 selects prefix beam search of that width instead of best path; `lm` (an
    /// inkline language model file) is fused into beam search, of width `DEFAULT_LM_BEAM` when
    /// `beam` is 0.
    pub async fn create(
        model: Vec<u8>,
        backend: String,
        expected_sha256: Option<String>,
        expected_from: Option<String>,
        beam: u32,
        lm: Option<Vec<u8>>,
    ) -> Result<Engine, JsValue> {
        let sha256 = sha256_hex(&model);
        if let Some(expected) = expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(error_of_kind(
                ErrorKind::Model,
                &format!(
                    "model checksum mismatch: {} says {expected}, the bytes hash to {sha256}",
                    expected_from.as_deref().unwrap_or("the expected checksum")
                ),
            ));
        }
        let lm = lm
            .map(|bytes| CharLm::from_bytes(&bytes))
            .transpose()
            .map_err(js_error)?;
        let (device, backend) = device(&backend).await?;
        let decoder = match (beam, &lm) {
            (0, None) => Decoder::BestPath,
            (0, Some(_)) => Decoder::Beam(crate::DEFAULT_LM_BEAM),
            (w, _) => Decoder::Beam(w as usize),
        };
        let mut recognizer = Recognizer::from_bytes(&model, device)
            .and_then(|r| r.with_decoder(decoder))
            .map_err(js_error)?;
        if let Some(lm) = lm {
            recognizer = recognizer.with_lm(lm).map_err(js_error)?;
        }
        Ok(Engine {
            recognizer: Rc::new(recognizer),
            backend,
            sha256,
        })
    }

    /// Recognizes the text lines of an `ImageData` (or `{ width, height, data }`); resolves
    /// to `{ text, confidence, lines, timing, backend }`, rejects with an `Error`.
    pub fn recognize(&self, image: JsValue) -> js_sys::Promise {
        let recognizer = self.recognizer.clone();
        let backend = self.backend;
        wasm_bindgen_futures::future_to_promise(async move {
            let img = gray_image(&image).map_err(js_error)?;
            let recognition = recognizer.recognize_async(&img).await.map_err(js_error)?;
            /// The recognition as JS receives it: the same fields, and the backend.
            #[derive(Serialize)]
            struct WithBackend {
                #[serde(flatten)]
                recognition: Recognition,
                backend: &'static str,
            }
            // Plain objects (not `Map`s) for the flattened fields.
            WithBackend {
                recognition,
                backend,
            }
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| js_error(InklineError::Backend(e.to_string())))
        })
    }

    /// The backend this engine runs on: `"cpu"` or `"webgpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.to_string()
    }

    /// `{ backend, sha256, meta }`: the model's metadata (architecture, charset, provenance,
    /// validation metrics).
    pub fn info(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Info<'a> {
            backend: &'a str,
            sha256: &'a str,
            meta: &'a crate::ModelMeta,
        }
        let info = Info {
            backend: self.backend,
            sha256: &self.sha256,
            meta: self.recognizer.meta(),
        };
        info.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| js_error(InklineError::Backend(e.to_string())))
    }
}

/// The device for a backend name, if this build has it.
async fn device(backend: &str) -> Result<(Device, &'static str), JsValue> {
    match backend {
        "cpu" => cpu(),
        "webgpu" => webgpu().await,
        other => Err(error_of_kind(
            ErrorKind::Argument,
            &format!("unknown backend '{other}' (expected 'cpu' or 'webgpu')"),
        )),
    }
}

#[cfg(feature = "flex")]
fn cpu() -> Result<(Device, &'static str), JsValue> {
    Ok((Device::flex(), "cpu"))
}

#[cfg(not(feature = "flex"))]
fn cpu() -> Result<(Device, &'static str), JsValue> {
    Err(error_of_kind(
        ErrorKind::Argument,
        "this is the WebGPU build; load the CPU build for 'cpu'",
    ))
}

#[cfg(feature = "webgpu")]
async fn webgpu() -> Result<(Device, &'static str), JsValue> {
    thread_local! {
        static DEVICE: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(d) = DEVICE.with(|d| d.borrow().clone()) {
        return Ok((d, "webgpu"));
    }
    let d = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| error_of_kind(ErrorKind::Backend, &format!("WebGPU is not available: {e}")))?;
    DEVICE.with(|slot| *slot.borrow_mut() = Some(d.clone()));
    Ok((d, "webgpu"))
}

#[cfg(not(feature = "webgpu"))]
async fn webgpu() -> Result<(Device, &'static str), JsValue> {
    Err(error_of_kind(
        ErrorKind::Argument,
        "this is the CPU build; load the WebGPU build for 'webgpu'",
    ))
}
