//! Prints model code for a schema file: `cargo run -p syncline-core --example codegen -- LANG
//! SCHEMA.json` (LANG: swift, kotlin, c, typescript, python). The bindings' tests use it to
//! compile generated models with each language's tool chain.

use std::process::ExitCode;

use syncline_core::schema::codegen::Language;
use syncline_core::Schema;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [language, path] = args.as_slice() else {
        eprintln!("usage: codegen LANG SCHEMA.json  (LANG: swift, kotlin, c, typescript, python)");
        return ExitCode::from(2);
    };
    let result = language
        .parse::<Language>()
        .map_err(|e| e.to_string())
        .and_then(|language| {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            let schema = Schema::from_json_str(&text).map_err(|e| format!("{path}: {e}"))?;
            schema
                .generate_models(language)
                .map_err(|e| format!("{path}: {e}"))
        });
    match result {
        Ok(code) => {
            print!("{code}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
