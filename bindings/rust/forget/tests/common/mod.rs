//! Shared by the test files: data, temporary paths.
#![allow(dead_code)]
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A small deterministic generator (LCG), uniform in [-1, 1).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }

    pub fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// `n` rows of `d` features in `classes` clusters (class c centred at
/// 2*(c+1) on feature c % d, jitter in [-1, 1)), labels i % classes, ids
/// 1000 + i.
pub fn clusters(n: usize, d: usize, classes: usize, seed: u64) -> (Vec<f32>, Vec<i32>, Vec<u64>) {
    let mut rng = Rng::new(seed);
    let (mut x, mut labels) = (Vec::with_capacity(n * d), Vec::with_capacity(n));
    for i in 0..n {
        let c = i % classes;
        for j in 0..d {
            let centre = if j == c % d {
                2.0 * (c + 1) as f32
            } else {
                0.0
            };
            x.push(centre + rng.next());
        }
        labels.push(c as i32);
    }
    (x, labels, (1000..1000 + n as u64).collect())
}

/// A fresh path in the temporary folder, unique to this process and call.
pub fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let k = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("forget-rs-{}-{k}-{name}", std::process::id()))
}

/// Removes its path (file or folder) and the path's ".lock" on drop.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(name: &str) -> TempPath {
        TempPath(temp_path(name))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
        let _ = std::fs::remove_file(format!("{}.lock", self.0.display()));
    }
}

/// Whether every pair differs by at most `tol` relative to the larger
/// magnitude (or absolutely below 1).
pub fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0))
}
