//! Link directives only: the bindings are pre-generated (../generate.sh).
//!
//! Where libforget is found, first match wins:
//!  1. `FORGET_LIB_DIR`: the folder holding libforget.so (an override).
//!  2. `pkg-config --libs --cflags forget` (run as a process: no crates, so
//!     `cargo --offline --locked` keeps working), honouring the usual
//!     `PKG_CONFIG`, `PKG_CONFIG_PATH`, `PKG_CONFIG_LIBDIR` and
//!     `PKG_CONFIG_SYSROOT_DIR`. Set `FORGET_NO_PKG_CONFIG` to skip it.
//!  3. The repository's `build/` folder (`make` at the top level).
//!
//! For dependents' build scripts (links = "forget") it also prints the
//! chosen folder, the include folders and the route: `DEP_FORGET_LIBDIR`,
//! `DEP_FORGET_INCLUDE`, `DEP_FORGET_ROUTE`. The library's RUNPATH is not
//! passed on (Cargo offers no way for a -sys crate to add link arguments to
//! its dependents): outside the system's folders, run programs with
//! `LD_LIBRARY_PATH` or build them with `-C link-arg=-Wl,-rpath,DIR`.
use std::env;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// What the link needs: search folders, libraries, include folders.
#[derive(Default)]
struct Found {
    route: &'static str,
    search: Vec<PathBuf>,
    libs: Vec<String>,
    include: Vec<PathBuf>,
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "FORGET_LIB_DIR",
        "FORGET_NO_PKG_CONFIG",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let found = from_override()
        .or_else(from_pkg_config)
        .unwrap_or_else(from_repository);
    for dir in &found.search {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
    for lib in &found.libs {
        println!("cargo:rustc-link-lib={lib}");
    }
    if let Some(dir) = found.search.first() {
        println!("cargo:libdir={}", dir.display());
    }
    let include = env::join_paths(&found.include).unwrap_or_default();
    println!("cargo:include={}", include.to_string_lossy());
    println!("cargo:route={}", found.route);
}

fn from_override() -> Option<Found> {
    let dir = env::var_os("FORGET_LIB_DIR").filter(|d| !d.is_empty())?;
    Some(Found {
        route: "FORGET_LIB_DIR",
        search: vec![PathBuf::from(dir)],
        libs: vec!["forget".into()],
        include: Vec::new(),
    })
}

fn from_pkg_config() -> Option<Found> {
    if env::var_os("FORGET_NO_PKG_CONFIG").is_some() {
        return None;
    }
    let program = env::var_os("PKG_CONFIG").unwrap_or_else(|| OsString::from("pkg-config"));
    let output = Command::new(program)
        .args(["--libs", "--cflags", "forget"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let mut found = parse_flags(&String::from_utf8_lossy(&output.stdout));
    found.route = "pkg-config";
    if !found.libs.iter().any(|l| l == "forget") {
        found.libs.push("forget".into());
    }
    Some(found)
}

/// The flags pkg-config printed: -L, -l and -I are used; others (the
/// RUNPATH's -Wl,-rpath) cannot be passed on to dependents.
fn parse_flags(text: &str) -> Found {
    let mut found = Found::default();
    for word in split_words(text) {
        if let Some(dir) = word.strip_prefix("-L") {
            found.search.push(PathBuf::from(dir));
        } else if let Some(lib) = word.strip_prefix("-l") {
            found.libs.push(lib.to_string());
        } else if let Some(dir) = word.strip_prefix("-I") {
            found.include.push(PathBuf::from(dir));
        }
    }
    found
}

/// Whitespace-separated words; pkg-config escapes a space inside a path
/// with a backslash.
fn split_words(text: &str) -> Vec<String> {
    let (mut words, mut word, mut escaped) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        if escaped {
            word.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c.is_whitespace() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn from_repository() -> Found {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../../..");
    Found {
        route: "repository build/",
        search: vec![root.join("build")],
        libs: vec!["forget".into()],
        include: vec![root.join("include")],
    }
}
