//! Link directives only: the bindings are pre-generated (../generate.sh).
//! Search path: $FORGET_LIB_DIR, or the repository's build/ directory.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FORGET_LIB_DIR");
    let dir = match env::var_os("FORGET_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../../../build"),
    };
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=forget");
}
