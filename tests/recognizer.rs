//! The native recognizer end to end on generated images (untrained weights: structure, not text).

use inkline::burn::tensor::Device;
use inkline::{
    Charset, CnnDblstm, Decoder, ErrorKind, GrayImage, ModelFile, Network, PixelFormat, Preset,
    Provenance, Recognizer,
};

fn recognizer() -> Recognizer {
    let cs = Charset::printable_ascii();
    let config = Preset::Tiny.config(Network::Darknet, &cs);
    let model = CnnDblstm::new(&config, &Device::flex()).unwrap();
    let bytes = ModelFile::new(model, config, &cs, Provenance::default())
        .to_bytes()
        .unwrap();
    Recognizer::from_bytes(&bytes, Device::flex()).unwrap()
}

/// RGBA bytes of a white page with black bars at the given rectangles.
fn rgba_page(w: usize, h: usize, rects: &[(usize, usize, usize, usize)]) -> Vec<u8> {
    let mut px = vec![255u8; w * h * 4];
    for &(x, y, rw, rh) in rects {
        for yy in y..y + rh {
            for xx in x..x + rw {
                let i = (yy * w + xx) * 4;
                px[i..i + 3].fill(0);
            }
        }
    }
    px
}

#[test]
fn two_line_image_gives_two_lines_with_boxes_and_timings() {
    let rec = recognizer();
    let px = rgba_page(240, 100, &[(10, 10, 200, 20), (30, 60, 120, 22)]);
    let img = GrayImage::from_bytes(240, 100, &px, PixelFormat::Rgba8).unwrap();
    let r = rec.recognize(&img).unwrap();
    assert_eq!(r.lines.len(), 2);
    assert_eq!((r.lines[0].bbox.y, r.lines[0].bbox.height), (10, 20));
    assert_eq!((r.lines[1].bbox.x, r.lines[1].bbox.width), (30, 120));
    assert_eq!(r.text.matches('\n').count(), 1);
    assert!(r.lines.iter().all(|l| (0.0..=1.0).contains(&l.confidence)));
    let t = r.timing;
    assert!(t.total_ms >= t.preprocess_ms + t.inference_ms + t.decode_ms - 1e-6);
    // Same input, same output.
    assert_eq!(rec.recognize(&img).unwrap().text, r.text);
}

#[test]
fn a_long_line_is_read_in_pieces_as_one_line_and_limits_are_errors() {
    let rec = recognizer();
    // 300 bars of 12x20 with 8-px gaps: 6000 px wide, 20 high (~250 input heights).
    let bars: Vec<_> = (0..300).map(|i| (10 + 20 * i, 10, 12, 20)).collect();
    let px = rgba_page(6020, 40, &bars);
    let img = GrayImage::from_bytes(6020, 40, &px, PixelFormat::Rgba8).unwrap();
    let pieces = inkline::internals::prepare_page(&img, rec.geometry()).unwrap();
    assert!(pieces.len() >= 6, "{} pieces", pieces.len());
    let widest = pieces.iter().map(|p| p.image.width).max().unwrap();
    assert!(
        widest as f32 <= inkline::MAX_RATIO * rec.geometry().height as f32,
        "a piece of {widest} px"
    );
    let r = rec.recognize(&img).unwrap();
    assert_eq!(r.lines.len(), 1);
    assert_eq!((r.lines[0].bbox.x, r.lines[0].bbox.width), (10, 5992));
    // One line more than the limit: 201 bars stacked 2 px apart.
    let n = inkline::MAX_LINES + 1;
    let rows: Vec<_> = (0..n).map(|i| (5, 2 + 4 * i, 50, 2)).collect();
    let px = rgba_page(60, 4 * n + 4, &rows);
    let img = GrayImage::from_bytes(60, 4 * n + 4, &px, PixelFormat::Rgba8).unwrap();
    let e = rec.recognize(&img).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Image);
    assert!(
        e.to_string()
            .contains("has 201 text lines; at most 200 are read per call"),
        "{e}"
    );
    let e = inkline::check_size(8192, 4097).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Image);
}

#[test]
fn blank_image_reads_as_empty() {
    let rec = recognizer();
    let img = GrayImage::filled(64, 32, 1.0);
    let r = rec.recognize(&img).unwrap();
    assert_eq!(r.text, "");
    assert!(r.lines.is_empty());
}

#[test]
fn beam_decoder_runs_and_zero_width_is_rejected() {
    let px = rgba_page(120, 40, &[(10, 10, 90, 18)]);
    let img = GrayImage::from_bytes(120, 40, &px, PixelFormat::Rgba8).unwrap();
    let r = recognizer()
        .with_decoder(Decoder::Beam(4))
        .unwrap()
        .recognize(&img)
        .unwrap();
    assert_eq!(r.lines.len(), 1);
    let e = recognizer().with_decoder(Decoder::Beam(0)).unwrap_err();
    assert!(e.to_string().contains("beam width"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Argument);
    let e = recognizer()
        .with_decoder(Decoder::Beam(1_000_000))
        .unwrap_err();
    assert!(e.to_string().contains("from 1 to 128"), "{e}");
}

#[test]
fn bad_pixels_are_an_image_error() {
    let e = GrayImage::from_bytes(10, 10, &[0u8; 7], PixelFormat::Rgba8).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Image, "{e}");
}

#[test]
fn stage_times_split_the_network_time_when_asked_for() {
    let px = rgba_page(240, 60, &[(10, 10, 200, 20), (10, 36, 150, 18)]);
    let img = GrayImage::from_bytes(240, 60, &px, PixelFormat::Rgba8).unwrap();
    assert_eq!(recognizer().recognize(&img).unwrap().timing.network, None);
    let r = recognizer().with_stage_times(true).recognize(&img).unwrap();
    let stages = r.timing.network.expect("asked for");
    for stage in inkline::Stage::ALL {
        assert!(stages.get(stage) > 0.0, "{stage:?}: {stages:?}");
    }
    // The stages run inside the network's own time (which also holds building the batch).
    assert!(
        stages.total_ms() <= r.timing.inference_ms + 1e-6,
        "{stages:?} {:?}",
        r.timing
    );
}

#[test]
fn the_result_serializes_in_camel_case() {
    let px = rgba_page(120, 40, &[(10, 10, 90, 18)]);
    let img = GrayImage::from_bytes(120, 40, &px, PixelFormat::Rgba8).unwrap();
    let v = serde_json::to_value(recognizer().recognize(&img).unwrap()).unwrap();
    for key in ["preprocessMs", "inferenceMs", "decodeMs", "totalMs"] {
        assert!(v["timing"][key].as_f64().unwrap() >= 0.0, "{key}: {v}");
    }
    let line = &v["lines"][0];
    assert!(line["text"].is_string() && line["confidence"].is_number());
    assert_eq!(line["bbox"]["width"], 90);
}

/// The field names of a TypeScript interface in `src/js/inkline.d.ts`.
fn ts_fields(ts: &str, interface: &str) -> Vec<String> {
    let start = ts
        .find(&format!("export interface {interface} {{"))
        .unwrap_or_else(|| panic!("no interface {interface} in inkline.d.ts"));
    let body = &ts[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('/') && !l.starts_with('*') && l.contains(':'))
        .map(|l| {
            l.split(':')
                .next()
                .unwrap()
                .trim_end_matches('?')
                .to_string()
        })
        .collect()
}

#[test]
fn inkline_d_ts_declares_exactly_the_serialized_result() {
    let ts = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/js/inkline.d.ts"))
        .unwrap();
    let px = rgba_page(120, 40, &[(10, 10, 90, 18)]);
    let img = GrayImage::from_bytes(120, 40, &px, PixelFormat::Rgba8).unwrap();
    let v = serde_json::to_value(recognizer().recognize(&img).unwrap()).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // The browser result adds the backend to the library's fields.
    let mut recognition = keys(&v);
    recognition.push("backend".into());
    assert_eq!(sorted(ts_fields(&ts, "Recognition")), sorted(recognition));
    assert_eq!(sorted(ts_fields(&ts, "Timing")), keys(&v["timing"]));
    assert_eq!(sorted(ts_fields(&ts, "LineResult")), keys(&v["lines"][0]));
    assert_eq!(sorted(ts_fields(&ts, "BBox")), keys(&v["lines"][0]["bbox"]));
    let word = serde_json::to_value(inkline::WordResult {
        text: "word".into(),
        confidence: 0.5,
    })
    .unwrap();
    assert_eq!(sorted(ts_fields(&ts, "WordResult")), keys(&word));
}
