//! Rebuilds the crate when a migration is added or changed:
//! `embed_migrations!` reads `migrations/` at compile time, and cargo
//! alone does not see a new folder there.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
