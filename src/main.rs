//! `blnk-kyc`: logging, the command line, configuration, then `startup::run`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use blnk_kyc::clock::Clock;
use blnk_kyc::config::{Config, KeySource};
use blnk_kyc::crypto::Keyring;
use blnk_kyc::{db, lifecycle, startup};

/// mimalloc instead of the system allocator: under load, glibc's malloc and free were 17% of the
/// HTTP workers' time and 8% of the writer's (profiled with `perf`, see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "blnk-kyc",
    version,
    about = "KYC review app for Blnk Cloud (configuration: environment variables, see README)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a new `kid:base64key` entry for APP_ENCRYPTION_KEYS.
    GenKey {
        /// The key id to put in front of the key.
        #[arg(long, default_value = "k1")]
        kid: String,
    },
    /// Re-encrypt every stored API key under the first key of the keyring.
    Rekey,
    /// Screen one name against the sanctions list with the app's matcher and threshold.
    Screen {
        /// The name to screen (any order: "First Last" or "LAST, First").
        name: String,
        /// Date of birth, YYYY-MM-DD (raises or lowers the score when the list has one).
        #[arg(long, value_parser = parse_date)]
        dob: Option<chrono::NaiveDate>,
        /// Folder with sdn.csv and alt.csv (default: SANCTIONS_LIST_DIR, else the bundled sample).
        #[arg(long)]
        list: Option<std::path::PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run every check, the screening and the risk score over a file of identities (a JSON
    /// array in the contract's shape, as SANDBOX_IDENTITIES takes) on all cores, and report the
    /// results and the rate. Progress goes to stderr.
    ScreenBatch {
        /// The JSON file of identities.
        file: std::path::PathBuf,
        /// Folder with sdn.csv and alt.csv (default: SANCTIONS_LIST_DIR, else the bundled sample).
        #[arg(long)]
        list: Option<std::path::PathBuf>,
        /// Worker threads (default: the number of cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

mod batch;

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::GenKey { kid } = &command {
        return match Keyring::generate_entry(kid) {
            Ok(entry) => {
                println!("{}", entry.expose());
                eprintln!("Add it to APP_ENCRYPTION_KEYS (first entry = key for new writes), then run `blnk-kyc rekey`.");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        };
    }
    let config = match Config::from_env() {
        Ok((config, warnings)) => {
            for w in warnings {
                log::warn!("{w}");
            }
            config
        }
        Err(e) => return fail(&format!("configuration error: {e}")),
    };
    match command {
        Command::Serve => serve(config),
        Command::Migrate => migrate(&config),
        Command::Rekey => rekey(&config),
        Command::Screen {
            name,
            dob,
            list,
            json,
        } => screen(&config, &name, dob, list, json),
        Command::ScreenBatch {
            file,
            list,
            threads,
            json,
        } => batch::screen_batch(&config, &file, list, threads, json),
        Command::GenKey { .. } => ExitCode::SUCCESS,
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn serve(config: Config) -> ExitCode {
    match actix_web::rt::System::new().block_on(startup::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

fn migrate(config: &Config) -> ExitCode {
    let result = db::open_pool(&config.database_path, 1).and_then(|pool| db::run_migrations(&pool));
    match result {
        Ok(n) => {
            println!(
                "{n} migration(s) applied to {}",
                config.database_path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn rekey(config: &Config) -> ExitCode {
    if let KeySource::File(path) = &config.keys {
        if !path.exists() {
            return fail(
                "set APP_ENCRYPTION_KEYS (new key first, old keys after it) before running rekey",
            );
        }
    }
    let pool = match db::open_pool(&config.database_path, 1) {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    if let Err(e) = db::run_migrations(&pool) {
        return fail(&e.to_string());
    }
    let keyring = match startup::load_keyring(config, &pool) {
        Ok(k) => k,
        Err(e) => return fail(&e.to_string()),
    };
    let now = Clock::System.now_ts();
    let result = pool
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| lifecycle::installs::rekey_all(&mut conn, &keyring, now));
    match result {
        Ok(n) => {
            println!(
                "re-encrypted {n} API key(s) under key `{}`; older keys can now be removed from APP_ENCRYPTION_KEYS",
                keyring.primary_kid()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn screen(
    config: &Config,
    name: &str,
    dob: Option<chrono::NaiveDate>,
    list: Option<std::path::PathBuf>,
    json: bool,
) -> ExitCode {
    use blnk_kyc::kyc::screening::{PartyKind, Screener};
    let list = match batch::load_list(config, list) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let screener = Screener::new(std::sync::Arc::new(list), config.screening_threshold);
    let hits = screener.screen(name, dob, PartyKind::Unknown);
    if json {
        let out = serde_json::json!({
            "list_version": screener.list().version(),
            "threshold": screener.threshold(),
            "algorithm": blnk_kyc::kyc::screening::ALGORITHM_VERSION,
            "hits": hits.iter().map(|h| serde_json::json!({
                "entity_id": h.entity_id,
                "name": h.listed_name,
                "matched_alias": h.matched_alias,
                "programs": h.programs,
                "score": h.score,
                "name_score": h.name_score,
                "dob_adjustment": h.dob_adjustment,
                "pairs": h.pairs,
                "unmatched": h.unmatched,
            })).collect::<Vec<_>>(),
        });
        println!("{out}");
        return ExitCode::SUCCESS;
    }
    println!(
        "list {} · threshold {:.2} · {} hit(s) for \"{name}\"",
        screener.list().version(),
        screener.threshold(),
        hits.len()
    );
    for h in &hits {
        let pairs: Vec<String> = h
            .pairs
            .iter()
            .map(|p| format!("{}~{} {:.3}", p.query, p.listed, p.score))
            .collect();
        println!(
            "  {:>6}  {:.3}  {}{}  [{}]  {}",
            h.entity_id,
            h.score,
            h.listed_name,
            h.matched_alias
                .as_deref()
                .map(|a| format!(" (alias {a})"))
                .unwrap_or_default(),
            h.programs.join(", "),
            pairs.join(", ")
        );
    }
    ExitCode::SUCCESS
}
