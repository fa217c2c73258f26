//! Each language's centre vector, and a question's similarity to stored vectors
//! with those centres taken out.

use std::sync::Arc;

use super::{VectorStore, dot, dot_f32, quantize};

impl VectorStore {
    /// The mean vector of each language and of all vectors, recomputed when the
    /// store has changed since last asked.
    pub(super) fn centres(&self) -> Arc<Centres> {
        let mut cached = self.centres.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(centres) = cached.as_ref()
            && centres.len == self.keys.len()
        {
            return centres.clone();
        }
        let mut group = [0_usize; 256];
        let mut sums: Vec<Vec<f64>> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut seen = [false; 256];
        for &lang in &self.langs {
            if !seen[lang as usize] {
                seen[lang as usize] = true;
                group[lang as usize] = sums.len();
                sums.push(vec![0.0; self.dim]);
                counts.push(0);
            }
        }
        let mut all = vec![0.0_f64; self.dim];
        for (v, &lang) in self.data.chunks_exact(self.dim).zip(&self.langs) {
            let g = group[lang as usize];
            counts[g] += 1;
            for ((s, a), &x) in sums[g].iter_mut().zip(all.iter_mut()).zip(v) {
                let x = f64::from(x) / 127.0;
                *s += x;
                *a += x;
            }
        }
        let n = self.keys.len().max(1) as f64;
        let by_language: Vec<Vec<f32>> = sums
            .iter()
            .zip(&counts)
            .map(|(sum, &count)| sum.iter().map(|s| (s / count.max(1) as f64) as f32).collect())
            .collect();
        // |v − c| for every unit v and its language's centre c, so that a search
        // computes one dot product per vector.
        let quantized: Vec<Vec<i8>> = by_language.iter().map(|c| quantize(c)).collect();
        let squares: Vec<f32> = by_language.iter().map(|c| dot_f32(c, c)).collect();
        let spreads = self
            .data
            .chunks_exact(self.dim)
            .zip(&self.langs)
            .map(|(v, &lang)| {
                let g = group[lang as usize];
                let v_centre = dot(&quantized[g], v) as f32 / SCALE_SQ;
                (1.0 - 2.0 * v_centre + squares[g]).max(1e-6).sqrt()
            })
            .collect();
        let centres = Arc::new(Centres {
            len: self.keys.len(),
            group,
            by_language,
            all: all.iter().map(|s| (s / n) as f32).collect(),
            spreads,
        });
        *cached = Some(centres.clone());
        centres
    }
}

/// Scale of a dot product of two quantized unit vectors.
pub(super) const SCALE_SQ: f32 = 127.0 * 127.0;

/// A question's similarity to stored vectors, centred as [`VectorStore::nearest`]
/// says.
pub(super) struct Scorer<'a> {
    pub(super) centres: &'a Centres,
    /// The centred question, quantized.
    pub(super) q8: Vec<i8>,
    /// Per language: the question against the centre.
    pub(super) per_language: Vec<f32>,
}

impl<'a> Scorer<'a> {
    pub(super) fn new(centres: &'a Centres, q: &[f32]) -> Scorer<'a> {
        Scorer {
            centres,
            q8: quantize(q),
            per_language: centres.by_language.iter().map(|c| dot_f32(c, q)).collect(),
        }
    }

    /// Cosine of the question and `v − c`, for the vector `v` in `slot`, of
    /// language `lang` with centre `c`.
    pub(super) fn similarity(&self, slot: usize, lang: u8, v: &[i8]) -> f32 {
        let centre_q = self.per_language[self.centres.group[lang as usize]];
        let raw = dot(&self.q8, v) as f32 / SCALE_SQ;
        (raw - centre_q) / self.centres.spreads[slot]
    }
}

/// Where each language's vectors gather, for [`VectorStore::nearest`].
#[derive(Debug)]
pub(super) struct Centres {
    /// Vectors in the store when computed.
    pub(super) len: usize,
    /// Language byte → index into `by_language`.
    pub(super) group: [usize; 256],
    pub(super) by_language: Vec<Vec<f32>>,
    pub(super) all: Vec<f32>,
    /// Per slot, the norm of the vector with its language's centre taken out.
    pub(super) spreads: Vec<f32>,
}
