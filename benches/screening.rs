//! Sanctions screening benchmark (plain `fn main`, `harness = false`).
//!
//! Loads the full OFAC 2021 list (`SCREENING_FULL_LIST_DIR` or `../shared/data/ofac-sdn-2021`
//! relative to the crate; the bundled sample when absent), screens N generated names with the index
//! and a subset with the brute-force scan, and prints µs per screen (mean/p50/p99), the brute-force /
//! index ratio on the same names, agreement of the two, and precision/recall from the eval module.
//!
//! Run: `cargo bench --bench screening` (env `SCREENING_BENCH_N`, `SCREENING_BENCH_BRUTE_N`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use blnk_kyc::kyc::screening::eval::{evaluate_sweep, labelled_set, LabelledQuery};
use blnk_kyc::kyc::screening::{SanctionsList, Screener, ALGORITHM_VERSION, DEFAULT_THRESHOLD};

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn list_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("SCREENING_FULL_LIST_DIR") {
        let p = PathBuf::from(dir);
        if p.join("sdn.csv").is_file() {
            return Some(p);
        }
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ofac-sdn-2021");
    p.join("sdn.csv").is_file().then_some(p)
}

struct Stats {
    mean: f64,
    p50: f64,
    p99: f64,
}

fn stats(mut micros: Vec<f64>) -> Stats {
    if micros.is_empty() {
        return Stats {
            mean: 0.0,
            p50: 0.0,
            p99: 0.0,
        };
    }
    micros.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        let idx = ((micros.len() as f64 - 1.0) * p).round() as usize;
        micros[idx.min(micros.len() - 1)]
    };
    Stats {
        mean: micros.iter().sum::<f64>() / micros.len() as f64,
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

fn time_all<F: Fn(&LabelledQuery) -> usize>(queries: &[LabelledQuery], f: F) -> (Vec<f64>, usize) {
    let mut times = Vec::with_capacity(queries.len());
    let mut hits = 0;
    for q in queries {
        let t = Instant::now();
        hits += f(q);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    (times, hits)
}

fn main() {
    let n = env_usize("SCREENING_BENCH_N", 2000);
    let brute_n = env_usize("SCREENING_BENCH_BRUTE_N", 200).min(n);

    let t = Instant::now();
    let (list, source) = match list_dir() {
        Some(dir) => match SanctionsList::load_dir(&dir) {
            Ok(list) => (list, dir.display().to_string()),
            Err(e) => {
                eprintln!(
                    "cannot load {}: {e}; using the bundled sample",
                    dir.display()
                );
                (
                    SanctionsList::bundled_sample(),
                    "bundled sample".to_string(),
                )
            }
        },
        None => {
            eprintln!("full list not found; using the bundled sample");
            (
                SanctionsList::bundled_sample(),
                "bundled sample".to_string(),
            )
        }
    };
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let report = list.report().clone();
    let t = Instant::now();
    let screener = Screener::new(Arc::new(list), DEFAULT_THRESHOLD);
    let index_ms = t.elapsed().as_secs_f64() * 1e3;

    println!("sanctions screening benchmark");
    println!("  list: {source}");
    println!(
        "  version {} — {} entries, {} aliases, {} bad rows ({} skipped); {} indexed names, {} distinct tokens",
        screener.list().version(),
        report.entries,
        report.aliases,
        report.bad_rows.len(),
        report.skipped,
        screener.indexed_names(),
        screener.indexed_tokens()
    );
    println!("  algorithm {ALGORITHM_VERSION}");
    println!(
        "  load {load_ms:.1} ms, index build {index_ms:.1} ms (with the near tokens of {} common tokens), threshold {DEFAULT_THRESHOLD}",
        screener.warm_tokens()
    );

    // Half list-derived (typos, reordering, accents...), half innocent names.
    let queries = labelled_set(screener.list(), n / 2, n - n / 2, 2024);

    // Warm-up (thread-local scratch buffers, caches).
    for q in queries.iter().take(50) {
        let _ = screener.screen(&q.name, q.dob, q.kind);
    }

    let (idx_times, idx_hits) =
        time_all(&queries, |q| screener.screen(&q.name, q.dob, q.kind).len());
    let s = stats(idx_times.clone());
    println!(
        "\nindexed screen, {} names: mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs ({} hits)",
        queries.len(),
        s.mean,
        s.p50,
        s.p99,
        idx_hits
    );

    // Second pass: near-token lists of list tokens are memoised on first use, so a warm index
    // (a long-running app) is faster than the first pass above.
    let (warm_times, _) = time_all(&queries, |q| screener.screen(&q.name, q.dob, q.kind).len());
    let w = stats(warm_times);
    println!(
        "indexed screen, second pass (warm): mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs",
        w.mean, w.p50, w.p99
    );

    let subset = &queries[..brute_n];
    let (brute_times, _) = time_all(subset, |q| {
        screener.screen_exhaustive(&q.name, q.dob, q.kind).len()
    });
    let b = stats(brute_times);
    let idx_subset = stats(idx_times[..brute_n].to_vec());
    println!(
        "brute-force scan, first {} names: mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs",
        brute_n, b.mean, b.p50, b.p99
    );
    println!(
        "index on the same {} names: mean {:.1} µs → brute-force / index = {:.1}× (mean), {:.1}× (p50)",
        brute_n,
        idx_subset.mean,
        if idx_subset.mean > 0.0 { b.mean / idx_subset.mean } else { 0.0 },
        if idx_subset.p50 > 0.0 { b.p50 / idx_subset.p50 } else { 0.0 }
    );
    let agree = subset
        .iter()
        .filter(|q| {
            screener.screen(&q.name, q.dob, q.kind)
                == screener.screen_exhaustive(&q.name, q.dob, q.kind)
        })
        .count();
    println!("index and brute force agree on {agree}/{brute_n} names");

    let t = Instant::now();
    let sweep = evaluate_sweep(&screener, &queries, &[0.80, 0.85, 0.90]);
    println!(
        "\nprecision/recall on {} labelled names ({} positives, {} negatives), eval took {:.0} ms:",
        queries.len(),
        n / 2,
        n - n / 2,
        t.elapsed().as_secs_f64() * 1e3
    );
    for r in &sweep {
        println!(
            "  threshold {:.2}: precision {:.4} recall {:.4} F1 {:.4} (tp {}, fn {}, fp {}, tn {}; positives also hitting another entry {})",
            r.threshold,
            r.precision,
            r.recall,
            r.f1,
            r.true_positives,
            r.false_negatives,
            r.false_positives,
            r.true_negatives,
            r.positives_with_other_hits
        );
    }
    if let Some(r) = sweep
        .iter()
        .find(|r| (r.threshold - DEFAULT_THRESHOLD).abs() < 1e-9)
    {
        println!("  recall by alteration at {:.2}:", r.threshold);
        for v in &r.per_variant {
            println!(
                "    {:<18} {:>4}/{:<4} {:.4}",
                v.variant, v.found, v.total, v.recall
            );
        }
        for m in r.missed_examples.iter().take(5) {
            println!("    missed: {m}");
        }
        for fp in r.false_positive_examples.iter().take(5) {
            println!("    false positive: {fp}");
        }
    }
}
