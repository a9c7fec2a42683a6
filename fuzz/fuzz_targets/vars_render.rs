//! Vars-file text (YAML and TOML) through parsing, Ansible-style evaluation
//! of its expressions (conditionals, filters, references, cycles), resolution
//! and every renderer: errors are fine, panics and hangs are not.
#![no_main]

use std::sync::OnceLock;

use camino::Utf8Path;
use libfuzzer_sys::fuzz_target;
use patroni_bake::input::given::{add_entries, Inputs};
use patroni_bake::input::resolve;
use patroni_bake::input::varsfile;
use patroni_bake::plan;
use patroni_bake::recipe::Recipe;
use patroni_bake::render::Renderer;

fn setup() -> &'static (Recipe, Renderer) {
    static SETUP: OnceLock<(Recipe, Renderer)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let recipe = Recipe::embedded().unwrap();
        let renderer = Renderer::new(&recipe).unwrap();
        (recipe, renderer)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (recipe, renderer) = setup();
    for name in ["fuzz.yml", "fuzz.toml"] {
        let path = Utf8Path::new(name);
        let Ok(entries) = varsfile::parse(path, text) else { continue };
        let mut inputs = Inputs::default();
        add_entries(&recipe.def, name, entries, &mut inputs);
        for target in ["debian-12", "rocky-8"] {
            let resolved = resolve(&recipe.def, target, &inputs.given);
            if let Ok(plan) = resolved.and_then(|r| plan::build(recipe, target, &r)) {
                // Valid values may still make a snippet too big for EC2: an error, not a panic.
                let _ = renderer.render_all(&plan);
            }
        }
    }
});
