//! Checks and unpacks the data files the labs ship, so a missing or corrupt file fails the
//! build with a message naming it instead of failing in the page.

use std::io::Read;
use std::path::Path;

const DIGITS: &str = "data/digits.csv.gz";
const DIGITS_ROWS: usize = 1797;
const PIXELS: usize = 64;

fn fail(message: String) -> ! {
    panic!("\n\nphenomena data error: {message}\n\n");
}

fn main() {
    println!("cargo:rerun-if-changed={DIGITS}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIGITS);
    let gz = std::fs::read(&path).unwrap_or_else(|e| {
        fail(format!(
            "{DIGITS} cannot be read ({e}); it ships in the repo"
        ))
    });
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap_or_else(|e| fail(format!("{DIGITS} is not valid gzip text ({e})")));
    // One byte per pixel (0–16) followed by the label (0–9), per image.
    let mut packed = Vec::with_capacity(DIGITS_ROWS * (PIXELS + 1));
    let mut rows = 0;
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let values: Vec<u8> = line
            .split(',')
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.fract() == 0.0)
                    .map(|x| x as i64)
            })
            .map(|v| match v {
                Some(x @ 0..=16) => x as u8,
                _ => fail(format!(
                    "{DIGITS} line {}: a value is not an integer in 0..=16",
                    i + 1
                )),
            })
            .collect();
        if values.len() != PIXELS + 1 || values[PIXELS] > 9 {
            fail(format!(
                "{DIGITS} line {}: expected 64 pixels and a label 0–9",
                i + 1
            ));
        }
        packed.extend_from_slice(&values);
        rows += 1;
    }
    if rows != DIGITS_ROWS {
        fail(format!(
            "{DIGITS} has {rows} images, expected {DIGITS_ROWS}"
        ));
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("digits.bin");
    std::fs::write(&out, packed)
        .unwrap_or_else(|e| fail(format!("cannot write {}: {e}", out.display())));
}
