//! Building tensors from host data.

use burn::prelude::*;

/// A `[rows, cols]` matrix from row-major values.
pub fn matrix(values: &[f32], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
}

/// A `[len, 1]` column.
pub fn column(values: &[f32], device: &Device) -> Tensor<2> {
    matrix(values, values.len(), 1, device)
}

/// A `[len, 1]` column of class indices.
pub fn int_column(values: &[usize], device: &Device) -> Tensor<2, Int> {
    let v: Vec<i64> = values.iter().map(|v| *v as i64).collect();
    Tensor::from_data(TensorData::new(v, [values.len(), 1]), device)
}

/// A `[len]` vector of indices (a batch, a pool of examples).
pub fn indices(values: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = values.iter().map(|v| *v as i64).collect();
    Tensor::from_data(TensorData::new(v, [values.len()]), device)
}
