//! uniffi's binding generator, pinned to the workspace's uniffi version so that the generated
//! Swift, Kotlin and Python code always matches the scaffolding in the built library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
