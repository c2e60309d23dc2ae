//! `blnk-kyc screen-batch FILE`: the assessment of every identity of a file (checks, screening,
//! risk), split over the cores, with progress on stderr and the rate at the end. It is the
//! screening job's work without the database, for sizing and for the benchmark's 100k figure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use blnk_kyc::config::Config;
use blnk_kyc::kyc::assessment::{self, Assessment};
use blnk_kyc::kyc::checks::DuplicateIndex;
use blnk_kyc::kyc::identity::Identity;
use blnk_kyc::kyc::screening::{SanctionsList, Screener};

pub fn screen_batch(
    config: &Config,
    file: &Path,
    list: Option<PathBuf>,
    threads: Option<usize>,
    json: bool,
) -> ExitCode {
    let started = Instant::now();
    let bodies = match blnk_kyc::sandbox::identities_file::load(file) {
        Ok(b) => b,
        Err(e) => return fail(&e.to_string()),
    };
    let identities: Vec<Identity> = bodies.iter().map(Identity::from_json).collect();
    let list = match load_list(config, list) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let screener = Screener::new(Arc::new(list), config.screening_threshold);
    let duplicates = DuplicateIndex::build(&identities);
    let loaded = started.elapsed();
    let threads = threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .clamp(1, 64);
    let today = chrono::Utc::now().date_naive();
    let done = AtomicUsize::new(0);
    let total = identities.len();
    let per = total.div_ceil(threads).max(1);
    let work = Instant::now();
    let results: Option<Vec<Assessment>> = std::thread::scope(|scope| {
        let parts: Vec<_> = identities
            .chunks(per)
            .map(|part| {
                let (screener, duplicates, done) = (&screener, &duplicates, &done);
                let high_risk = &config.high_risk;
                scope.spawn(move || {
                    part.iter()
                        .map(|identity| {
                            let screening = assessment::screen(identity, screener);
                            let a = assessment::assess(
                                identity, duplicates, high_risk, today, screening,
                            );
                            done.fetch_add(1, Ordering::Relaxed);
                            a
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Progress on stderr while the workers run.
        let mut last = Instant::now();
        while !parts.iter().all(|p| p.is_finished()) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= Duration::from_secs(2) {
                let n = done.load(Ordering::Relaxed);
                eprintln!(
                    "  {n}/{total} ({}%) in {:.1} s",
                    n * 100 / total.max(1),
                    work.elapsed().as_secs_f64()
                );
                last = Instant::now();
            }
        }
        let mut all = Vec::with_capacity(total);
        for p in parts {
            all.extend(p.join().ok()?);
        }
        Some(all)
    });
    let Some(results) = results else {
        return fail("a worker thread panicked");
    };
    let secs = work.elapsed().as_secs_f64();
    let with_hits = results
        .iter()
        .filter(|a| !a.screening.hits.is_empty())
        .count();
    let with_findings = results.iter().filter(|a| a.failed_checks() > 0).count();
    let mut bands = std::collections::BTreeMap::<String, usize>::new();
    for a in &results {
        *bands.entry(a.risk_band.clone()).or_default() += 1;
    }
    let rate = if secs > 0.0 { total as f64 / secs } else { 0.0 };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "identities": total,
                "threads": threads,
                "seconds": secs,
                "identities_per_second": rate,
                "load_seconds": loaded.as_secs_f64(),
                "with_hits": with_hits,
                "with_findings": with_findings,
                "bands": bands,
                "list_version": screener.list().version(),
                "threshold": screener.threshold(),
            })
        );
    } else {
        println!(
            "assessed {total} identities in {secs:.1} s on {threads} thread(s): {rate:.0} identities/s \
             (loading the file, the list and the duplicate index took {:.1} s)",
            loaded.as_secs_f64()
        );
        println!("  {with_hits} with sanctions hits, {with_findings} with findings; risk bands {bands:?}");
    }
    ExitCode::SUCCESS
}

/// The list of `--list`, else `SANCTIONS_LIST_DIR`, else the bundled sample.
pub fn load_list(config: &Config, list: Option<PathBuf>) -> Result<SanctionsList, String> {
    match list.or_else(|| config.sanctions_list_dir.clone()) {
        Some(d) => {
            SanctionsList::load_dir(&d).map_err(|e| format!("sanctions list {}: {e}", d.display()))
        }
        None => Ok(SanctionsList::bundled_sample()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
