//! Your own points on the 2-D blobs: points added with a class of your choosing and labels of
//! the generated points changed, carried as the text parameter `points` (in links, exports and
//! the CLI).
//!
//! The text is compact: every edit is three bytes written as four base64url characters.
//! - Added point: `[x, y, class]`, x and y quantized to 255 levels across the chart's extent
//!   (±[`GRID_EXTENT`], 0 among them), class below 128.
//! - New label of generated training point `i`: `[i >> 8, i & 255, 128 + class]`.
//!
//! A drawn point's true class is the blob whose centre is nearest (with equal spreads and equal
//! shares that is the Bayes classifier's answer), so a point given another class counts as
//! mislabeled, like a flipped label.

use super::charts::GRID_EXTENT;
use super::data::blob_centre;

/// Most edits one point set holds (a link stays well under browsers' limits: 1 024 characters).
pub const MAX_EDITS: usize = 256;
/// Training points the blobs data set generates (the indices a relabel may name).
pub const BLOB_TRAIN: usize = 300;
/// The largest class a drawn point may have (the blobs have at most 5).
const MAX_CLASS: u8 = 4;
/// The flag in an edit's third byte that makes it a relabel.
const RELABEL: u8 = 128;
/// Steps across the chart's width: an even number puts a level on 0 (the middle), so points
/// on the axes and at blob centres are carried exactly; byte 255 is read as the edge.
const LEVELS: f64 = 254.0;

/// One change to the blobs' training set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edit {
    /// A new training point at (x, y) labelled `class`.
    Add { x: f64, y: f64, class: usize },
    /// Generated training point `index` labelled `class` instead.
    Relabel { index: usize, class: usize },
}

/// A coordinate's quantized level.
fn level(v: f64) -> u8 {
    ((v.clamp(-GRID_EXTENT, GRID_EXTENT) + GRID_EXTENT) / (2.0 * GRID_EXTENT) * LEVELS).round()
        as u8
}

/// The coordinate a level stands for.
fn coordinate(level: u8) -> f64 {
    -GRID_EXTENT + 2.0 * GRID_EXTENT * (level as f64).min(LEVELS) / LEVELS
}

impl Edit {
    /// An added point where it will train: on the grid of levels the text can carry.
    pub fn add(x: f64, y: f64, class: usize) -> Self {
        Edit::Add {
            x: coordinate(level(x)),
            y: coordinate(level(y)),
            class,
        }
    }

    fn bytes(self) -> [u8; 3] {
        match self {
            Edit::Add { x, y, class } => [level(x), level(y), class as u8],
            Edit::Relabel { index, class } => [
                (index >> 8) as u8,
                (index & 255) as u8,
                RELABEL + class as u8,
            ],
        }
    }

    fn from_bytes(b: [u8; 3]) -> Result<Self, String> {
        let class = (b[2] & !RELABEL) as usize;
        if class > MAX_CLASS as usize {
            return Err(format!(
                "a point has class {}, above the largest, {}",
                class + 1,
                MAX_CLASS + 1
            ));
        }
        if b[2] & RELABEL == 0 {
            return Ok(Edit::Add {
                x: coordinate(b[0]),
                y: coordinate(b[1]),
                class,
            });
        }
        let index = ((b[0] as usize) << 8) | b[1] as usize;
        if index >= BLOB_TRAIN {
            return Err(format!(
                "a new label names training point {index}; there are {BLOB_TRAIN}"
            ));
        }
        Ok(Edit::Relabel { index, class })
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The edits as text (see the module's note).
pub fn encode(edits: &[Edit]) -> String {
    let mut out = String::with_capacity(edits.len() * 4);
    for edit in edits {
        let [a, b, c] = edit.bytes();
        let word = ((a as u32) << 16) | ((b as u32) << 8) | c as u32;
        for shift in [18, 12, 6, 0] {
            out.push(ALPHABET[((word >> shift) & 63) as usize] as char);
        }
    }
    out
}

/// Reads the text [`encode`] writes. A later label for the same training point replaces an
/// earlier one.
pub fn decode(text: &str) -> Result<Vec<Edit>, String> {
    let text = text.trim();
    if let Some(c) = text
        .chars()
        .find(|c| !c.is_ascii() || !ALPHABET.contains(&(*c as u8)))
    {
        return Err(format!(
            "holds `{c}`, which is not one of A–Z, a–z, 0–9, - and _"
        ));
    }
    if !text.len().is_multiple_of(4) {
        return Err(format!(
            "must be groups of 4 characters (one per point or label), got {} characters",
            text.chars().count()
        ));
    }
    if text.len() / 4 > MAX_EDITS {
        return Err(format!(
            "holds {} points; at most {MAX_EDITS} fit",
            text.len() / 4
        ));
    }
    let mut edits: Vec<Edit> = Vec::with_capacity(text.len() / 4);
    for group in text.as_bytes().chunks(4) {
        let mut word = 0u32;
        for c in group {
            // Every character is in the alphabet (checked above).
            let v = ALPHABET.iter().position(|a| a == c).unwrap_or_default();
            word = (word << 6) | v as u32;
        }
        let edit = Edit::from_bytes([(word >> 16) as u8, (word >> 8) as u8, word as u8])?;
        if let Edit::Relabel { index, .. } = edit {
            edits.retain(|e| !matches!(e, Edit::Relabel { index: i, .. } if *i == index));
        }
        edits.push(edit);
    }
    Ok(edits)
}

/// The `points` parameter's reader ([`crate::lab::ReadText`]): the text in canonical form.
pub fn read(text: &str) -> Result<String, String> {
    decode(text).map(|edits| encode(&edits))
}

/// One change the page makes to a point set (a click, a shift-click, Undo).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Add a point of `class` at (x, y).
    Add { x: f64, y: f64, class: usize },
    /// Give training point `index` (its place among the chart's training points: the generated
    /// ones, then the added ones whose class the data set has) the label `class`.
    Relabel {
        index: usize,
        class: usize,
        classes: usize,
    },
    /// Take back the last edit.
    Undo,
}

/// Point set `text` after `change` (see [`Change`]).
pub fn edit(text: &str, change: Change) -> Result<String, String> {
    let mut edits = decode(text)?;
    match change {
        Change::Add { x, y, class } => {
            if !(x.is_finite() && y.is_finite()) || class > MAX_CLASS as usize {
                return Err(format!("no point of class {} at ({x}, {y})", class + 1));
            }
            edits.push(Edit::add(x, y, class));
        }
        Change::Relabel {
            index,
            class,
            classes,
        } => {
            if class >= classes.min(MAX_CLASS as usize + 1) {
                return Err(format!("there is no class {}", class + 1));
            }
            if index < BLOB_TRAIN {
                edits.retain(|e| !matches!(e, Edit::Relabel { index: i, .. } if *i == index));
                edits.push(Edit::Relabel { index, class });
            } else {
                // The added points the chart shows, in order: those whose class it has.
                let shown = edits
                    .iter_mut()
                    .filter_map(|e| match e {
                        Edit::Add { class: c, .. } if *c < classes => Some(c),
                        _ => None,
                    })
                    .nth(index - BLOB_TRAIN);
                *shown.ok_or_else(|| format!("there is no training point {index}"))? = class;
            }
        }
        Change::Undo => {
            edits.pop();
        }
    }
    if edits.len() > MAX_EDITS {
        return Err(format!(
            "at most {MAX_EDITS} points and labels fit in a link"
        ));
    }
    Ok(encode(&edits))
}

/// The class whose blob centre ([`blob_centre`]) is nearest to (x, y).
pub fn nearest_blob(x: f64, y: f64, classes: usize) -> usize {
    let distance = |k: usize| {
        let (cx, cy) = blob_centre(k, classes);
        (x - cx).powi(2) + (y - cy).powi(2)
    };
    (0..classes)
        .min_by(|a, b| distance(*a).total_cmp(&distance(*b)))
        .unwrap_or(0)
}

/// What [`apply`] did: how many points it added and relabelled, which training points those
/// are (for the chart to mark), and how many edits it left out (a class the data set does not
/// have).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub added: usize,
    pub relabelled: usize,
    pub left_out: usize,
    pub marked: Vec<usize>,
}

/// Applies the edits to a blobs training set with `classes` classes: inputs `x` (pairs), true
/// labels `truth`, given labels `noisy`.
pub fn apply(
    edits: &[Edit],
    classes: usize,
    x: &mut Vec<f32>,
    truth: &mut Vec<usize>,
    mut noisy: Vec<usize>,
) -> (Vec<usize>, Applied) {
    let mut applied = Applied::default();
    let mut added = Vec::new();
    let generated = noisy.len();
    for edit in edits {
        match *edit {
            Edit::Add { class, .. } | Edit::Relabel { class, .. } if class >= classes => {
                applied.left_out += 1;
            }
            Edit::Add {
                x: px,
                y: py,
                class,
            } => {
                x.extend([px as f32, py as f32]);
                truth.push(nearest_blob(px, py, classes));
                added.push(class);
                applied.added += 1;
            }
            Edit::Relabel { index, class } => {
                if let Some(label) = noisy.get_mut(index) {
                    *label = class;
                    applied.relabelled += 1;
                    applied.marked.push(index);
                } else {
                    applied.left_out += 1;
                }
            }
        }
    }
    applied.marked.extend(generated..generated + added.len());
    noisy.extend(added);
    (noisy, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_survive_the_text_on_the_grid_they_can_carry() {
        let edits = vec![
            Edit::add(0.1, -2.0, 3),
            Edit::Relabel {
                index: 299,
                class: 0,
            },
            Edit::add(-9.0, 9.0, 0),
        ];
        let text = encode(&edits);
        assert_eq!(text.len(), 12);
        assert!(
            text.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        let back = decode(&text).unwrap();
        assert_eq!(back, edits);
        // Off-chart clicks land on the chart's edge.
        assert_eq!(
            back[2],
            Edit::Add {
                x: -GRID_EXTENT,
                y: GRID_EXTENT,
                class: 0
            }
        );
        let Edit::Add { x, .. } = back[0] else {
            panic!()
        };
        assert!((x - 0.1).abs() <= GRID_EXTENT / LEVELS);
        // The axes are on the grid.
        assert_eq!(
            Edit::add(0.0, -9.0, 1),
            Edit::Add {
                x: 0.0,
                y: -GRID_EXTENT,
                class: 1
            }
        );
    }

    #[test]
    fn a_later_label_for_a_point_replaces_the_earlier_one() {
        let text = encode(&[
            Edit::Relabel { index: 7, class: 1 },
            Edit::add(0.0, 0.0, 2),
            Edit::Relabel { index: 7, class: 3 },
        ]);
        assert_eq!(
            decode(&text).unwrap(),
            vec![Edit::add(0.0, 0.0, 2), Edit::Relabel { index: 7, class: 3 }]
        );
        assert_eq!(read(&text).unwrap().len(), 8);
    }

    #[test]
    fn malformed_text_says_what_is_wrong() {
        assert!(decode("abc").unwrap_err().contains("groups of 4"));
        assert!(
            decode("!!!").unwrap_err().contains("`!`"),
            "a bad character before the length"
        );
        assert!(decode("ab!d").unwrap_err().contains("`!`"));
        assert!(decode("a😀").unwrap_err().contains("`😀`"));
        // Class 6 of an added point; training point 300 of 300.
        let too_high = encode(&[Edit::Add {
            x: 0.0,
            y: 0.0,
            class: 5,
        }]);
        assert!(decode(&too_high).unwrap_err().contains("class 6"));
        let past_end = encode(&[Edit::Relabel {
            index: 300,
            class: 0,
        }]);
        assert!(
            decode(&past_end)
                .unwrap_err()
                .contains("training point 300")
        );
        let many = "AAAA".repeat(MAX_EDITS + 1);
        assert!(decode(&many).unwrap_err().contains("at most"));
        assert_eq!(read("").unwrap(), "");
    }

    /// (added points, new labels) in a point set.
    fn counts(text: &str) -> (usize, usize) {
        let edits = decode(text).unwrap();
        let added = edits
            .iter()
            .filter(|e| matches!(e, Edit::Add { .. }))
            .count();
        (added, edits.len() - added)
    }

    #[test]
    fn the_page_adds_relabels_and_takes_back_edits() {
        let add = |text: &str, x, class| edit(text, Change::Add { x, y: 0.0, class }).unwrap();
        let one = add("", 1.0, 0);
        let two = add(&one, -1.0, 4);
        assert_eq!(counts(&two), (2, 0));
        // With 3 classes the chart shows only the first added point: index 300 is it.
        let relabel = |text: &str, index, class| {
            edit(
                text,
                Change::Relabel {
                    index,
                    class,
                    classes: 3,
                },
            )
        };
        let changed = relabel(&two, BLOB_TRAIN, 2).unwrap();
        assert_eq!(decode(&changed).unwrap()[0], Edit::add(1.0, 0.0, 2));
        assert!(relabel(&two, BLOB_TRAIN + 1, 2).is_err());
        assert!(relabel(&two, 0, 3).is_err());
        let generated = relabel(&changed, 12, 1).unwrap();
        let again = relabel(&generated, 12, 2).unwrap();
        assert_eq!(counts(&again), (2, 1));
        let undone = edit(&again, Change::Undo).unwrap();
        assert_eq!(undone, changed);
        assert_eq!(edit("", Change::Undo).unwrap(), "");
        assert!(
            edit(
                "",
                Change::Add {
                    x: f64::NAN,
                    y: 0.0,
                    class: 0
                }
            )
            .is_err()
        );
        let full = "AAAA".repeat(MAX_EDITS);
        assert!(
            edit(
                &full,
                Change::Add {
                    x: 0.0,
                    y: 0.0,
                    class: 0
                }
            )
            .is_err()
        );
    }

    #[test]
    fn a_drawn_point_belongs_to_the_nearest_blob_and_a_missing_class_is_left_out() {
        assert_eq!(nearest_blob(2.0, 0.1, 4), 0);
        assert_eq!(nearest_blob(0.0, 1.5, 4), 1);
        assert_eq!(nearest_blob(-1.0, 0.1, 3), 1);
        assert_eq!(nearest_blob(-1.0, -0.1, 3), 2);
        let mut x = vec![0.0f32; 6];
        let mut truth = vec![0, 1, 2];
        let noisy = vec![0, 1, 2];
        let edits = [
            Edit::add(2.0, 0.0, 1),
            Edit::Relabel { index: 2, class: 0 },
            Edit::add(0.0, 2.0, 4),
        ];
        let (labels, applied) = apply(&edits, 3, &mut x, &mut truth, noisy);
        assert_eq!(labels, vec![0, 1, 0, 1]);
        assert_eq!(truth, vec![0, 1, 2, 0]);
        assert_eq!(x.len(), 8);
        assert_eq!(
            applied,
            Applied {
                added: 1,
                relabelled: 1,
                left_out: 1,
                marked: vec![2, 3],
            }
        );
    }
}
