//! Jaro and Jaro-Winkler similarity (Winkler's prefix scale 0.1, prefix up to 4, boost above 0.7).

/// Winkler's prefix scaling factor.
pub const PREFIX_SCALE: f64 = 0.1;
/// Longest common prefix that earns the Winkler boost.
pub const MAX_PREFIX: usize = 4;
/// The boost applies only when the Jaro similarity exceeds this.
pub const BOOST_THRESHOLD: f64 = 0.7;

/// Jaro similarity of two character sequences, 0..=1.
pub fn jaro(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.len(), b.len());
    let window = (la.max(lb) / 2).saturating_sub(1);
    if la <= 64 && lb <= 64 {
        jaro_short(a, b, window)
    } else {
        jaro_long(a, b, window)
    }
}

/// Jaro for sequences of at most 64 characters: match flags in two `u64` bit sets.
fn jaro_short(a: &[char], b: &[char], window: usize) -> f64 {
    let (la, lb) = (a.len(), b.len());
    let mut a_flags: u64 = 0;
    let mut b_flags: u64 = 0;
    let mut matches = 0u32;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for (j, &cb) in b.iter().enumerate().take(hi).skip(lo) {
            if b_flags & (1u64 << j) == 0 && cb == ca {
                b_flags |= 1u64 << j;
                a_flags |= 1u64 << i;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Walk the matched characters of both sides in order.
    let mut half_transpositions = 0u32;
    let (mut fa, mut fb) = (a_flags, b_flags);
    while fa != 0 && fb != 0 {
        let i = fa.trailing_zeros() as usize;
        let j = fb.trailing_zeros() as usize;
        if a[i] != b[j] {
            half_transpositions += 1;
        }
        fa &= fa - 1;
        fb &= fb - 1;
    }
    finish(matches as f64, half_transpositions as f64, la, lb)
}

fn jaro_long(a: &[char], b: &[char], window: usize) -> f64 {
    let (la, lb) = (a.len(), b.len());
    let mut a_matched = vec![false; la];
    let mut b_matched = vec![false; lb];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !b_matched[j] && b[j] == ca {
                b_matched[j] = true;
                a_matched[i] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut half_transpositions = 0usize;
    let mut k = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if !a_matched[i] {
            continue;
        }
        while k < lb && !b_matched[k] {
            k += 1;
        }
        if k < lb && b[k] != ca {
            half_transpositions += 1;
        }
        k += 1;
    }
    finish(matches as f64, half_transpositions as f64, la, lb)
}

fn finish(m: f64, half_transpositions: f64, la: usize, lb: usize) -> f64 {
    let t = half_transpositions / 2.0;
    (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0
}

/// Length of the common prefix, capped at [`MAX_PREFIX`].
pub fn common_prefix(a: &[char], b: &[char]) -> usize {
    a.iter()
        .zip(b.iter())
        .take(MAX_PREFIX)
        .take_while(|(x, y)| x == y)
        .count()
}

/// Jaro-Winkler similarity of two character sequences, 0..=1.
pub fn jaro_winkler(a: &[char], b: &[char]) -> f64 {
    let j = jaro(a, b);
    if j > BOOST_THRESHOLD {
        let l = common_prefix(a, b) as f64;
        j + l * PREFIX_SCALE * (1.0 - j)
    } else {
        j
    }
}

/// Jaro-Winkler similarity of two strings (compared as Unicode scalar values, case-sensitive).
pub fn jaro_winkler_str(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    jaro_winkler(&a, &b)
}

/// An upper bound of Jaro-Winkler for sequences of lengths `la`, `lb` that share at most `common`
/// characters (as multisets) and have a common prefix of `prefix` (capped at [`MAX_PREFIX`]).
///
/// Jaro ≤ (c/la + c/lb + 1) / 3 because matches ≤ c and transpositions ≥ 0, and Jaro-Winkler grows
/// with Jaro for a fixed prefix, so this never underestimates.
pub fn jaro_winkler_upper_bound(common: usize, la: usize, lb: usize, prefix: usize) -> f64 {
    if la == 0 || lb == 0 {
        return if la == lb { 1.0 } else { 0.0 };
    }
    let c = common.min(la).min(lb) as f64;
    if c == 0.0 {
        return 0.0;
    }
    let j = ((c / la as f64 + c / lb as f64 + 1.0) / 3.0).min(1.0);
    let l = prefix.min(MAX_PREFIX) as f64;
    j + l * PREFIX_SCALE * (1.0 - j)
}
