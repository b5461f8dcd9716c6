//! `miniredis [CONFIG_FILE] [--flag value ...]`

use std::process::ExitCode;

/// Counts every allocation, so `INFO memory` reports exact figures.
#[global_allocator]
static GLOBAL: miniredis::alloc::Counting = miniredis::alloc::Counting;

use miniredis::config::Config;
use miniredis::server::Server;
use tracing::{error, info};
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn main() -> ExitCode {
    miniredis::alloc::init();
    let config = match Config::from_args(std::env::args()) {
        Ok(config) => config,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let level = miniredis::config::tracing_level(&config.loglevel);
    let filter = |level: &str| tracing_subscriber::EnvFilter::new(format!("miniredis={level}"));
    let (filter_layer, reload) = tracing_subscriber::reload::Layer::new(filter(level));
    // --logfile: empty logs to stdout, as Redis; a file is appended to.
    let (writer, ansi) = if config.logfile.is_empty() {
        (BoxMakeWriter::new(std::io::stdout), std::io::IsTerminal::is_terminal(&std::io::stdout()))
    } else {
        match std::fs::OpenOptions::new().create(true).append(true).open(&config.logfile) {
            Ok(file) => (BoxMakeWriter::new(std::sync::Mutex::new(file)), false),
            Err(e) => {
                eprintln!("miniredis: can't open the log file {}: {e}", config.logfile);
                return ExitCode::FAILURE;
            }
        }
    };
    let fmt_layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(ansi);
    let registry = tracing_subscriber::registry().with(filter_layer);
    if config.log_format == "json" {
        // One JSON object per line: timestamp, level, target and fields.
        registry.with(fmt_layer.json().flatten_event(true)).init();
    } else {
        registry.with(fmt_layer).init();
    }

    let threads = config.worker_threads();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(1)).enable_all().build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("miniredis: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    runtime.block_on(async move {
        let server = match Server::bind(config).await {
            Ok(server) => server,
            Err(e) => {
                error!("{e}");
                eprintln!("miniredis: {e}");
                return ExitCode::FAILURE;
            }
        };
        let shared = server.state();
        // CONFIG SET loglevel swaps the filter in place.
        shared.set_log_level_hook(move |loglevel| {
            let _ = reload.reload(filter(miniredis::config::tracing_level(loglevel)));
        });
        // Listen for signals before announcing readiness: a supervisor may
        // send SIGTERM the moment it sees the ready line.
        let stop = shutdown_signal();
        let mut addrs: Vec<String> = server.local_addrs().iter().map(|a| a.to_string()).collect();
        addrs.extend(server.tls_addrs().iter().map(|a| format!("{a} (TLS)")));
        info!(
            "MiniRedis {} ready: listening on {}, pid {}, {} commands",
            env!("CARGO_PKG_VERSION"),
            addrs.join(" "),
            std::process::id(),
            miniredis::registry::commands().len()
        );
        tokio::select! {
            _ = server.run() => info!("shutting down (SHUTDOWN command)"),
            _ = stop => {
                info!("shutting down (signal)");
                // As Redis on SIGTERM: save if save rules are set, and
                // flush the append-only file.
                let save = !shared.config.read().save_rules().is_empty();
                let keyspace = shared.store.lock_all();
                let _ = miniredis::persist::prepare_shutdown(&*shared, &keyspace, save);
                drop(keyspace);
                shared.request_shutdown();
            }
        }
        ExitCode::SUCCESS
    })
}

/// Installs the SIGTERM/SIGINT handlers now; the returned future resolves
/// on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
        let mut int = signal(SignalKind::interrupt()).expect("install SIGINT handler");
        async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
