//! Writes the C header of Syncline's C ABI (`bindings/c/include/syncline.h`) with cbindgen,
//! or, with `--check`, fails when the committed header differs from what the sources give.
//!
//! Usage: `syncline-c-header [--check]` from anywhere inside the repository.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!(
                "syncline-c-header: unknown argument {other:?} (expected --check or nothing)"
            );
            return ExitCode::from(2);
        }
    };
    // The repository is found from the working directory (not from where this tool was
    // compiled), so that a shared target directory cannot point it at another checkout.
    let Some(repo_dir) = std::env::current_dir().ok().and_then(|dir| {
        dir.ancestors()
            .find(|d| d.join("uniffi/cbindgen.toml").is_file())
            .map(PathBuf::from)
    }) else {
        eprintln!("syncline-c-header: run it inside the Syncline repository (no uniffi/cbindgen.toml found above the working directory)");
        return ExitCode::FAILURE;
    };
    let ffi_dir = repo_dir.join("uniffi");
    let header = repo_dir.join("bindings/c/include/syncline.h");

    let config = match cbindgen::Config::from_file(ffi_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("syncline-c-header: reading cbindgen.toml: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bindings = match cbindgen::Builder::new()
        .with_crate(ffi_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => bindings,
        Err(e) => {
            eprintln!("syncline-c-header: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);

    if check {
        let committed = std::fs::read(&header).unwrap_or_default();
        if committed != generated {
            eprintln!(
                "syncline-c-header: {} is stale; run `cargo run -p syncline-ffi-tools --bin syncline-c-header` and commit it",
                header.display()
            );
            return ExitCode::FAILURE;
        }
        println!("{} is current", header.display());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&header, &generated) {
        eprintln!("syncline-c-header: writing {}: {e}", header.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", header.display());
    ExitCode::SUCCESS
}
