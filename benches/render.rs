//! Render speed: the whole matrix (every target x golden variant x format)
//! in one process, and the growth over 1, 10, 100 and 1000 renders with the
//! templates parsed once. A set is what `render --out` writes (every format
//! and SHA256SUMS, through `Renderer::render_all`). Prints Markdown rows for BENCHMARKS.md.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use patroni_bake::input;
use patroni_bake::plan::{self, Plan};
use patroni_bake::recipe::Recipe;
use patroni_bake::render::{Format, Renderer};

#[path = "../tests/it/cases.rs"]
mod cases;

/// golden/cases.txt as plans (the recipe gains the cases' `--lock` files).
fn matrix(recipe: &mut Recipe) -> Vec<Plan> {
    let cases = cases::golden_cases();
    for case in &cases {
        for lock in case.inputs().1 {
            let path = camino::Utf8PathBuf::try_from(lock).unwrap();
            recipe.add_lock_file(&path).unwrap();
        }
    }
    cases
        .iter()
        .map(|case| {
            let inputs = input::collect(&recipe.def, &case.inputs().0).unwrap();
            let resolved = input::resolve(&recipe.def, &case.target, &inputs.given).unwrap();
            plan::build(recipe, &case.target, &resolved).unwrap()
        })
        .collect()
}

fn min_median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let mut recipe = Recipe::embedded().unwrap();
    let t = Instant::now();
    let renderer = Renderer::new(&recipe).unwrap();
    let parse = t.elapsed();
    let plans = matrix(&mut recipe);
    let renders_per_matrix = plans.len() * Format::ALL.len();

    let render_matrix = |renderer: &Renderer| {
        let mut out = BTreeMap::new();
        for (i, plan) in plans.iter().enumerate() {
            out.insert(i, renderer.render_all(plan).unwrap());
        }
        out
    };
    let runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(render_matrix(&renderer));
            t.elapsed()
        })
        .collect();
    let (min, med) = min_median(runs);
    println!("| parse every template once | {} | |", ms(parse));
    println!(
        "| render the matrix ({} cases x {} formats = {renders_per_matrix} files) | {} / {} | |",
        plans.len(),
        Format::ALL.len(),
        ms(min),
        ms(med)
    );

    growth(&renderer, &plans[0]);
}

/// N renders of one plan's every format, templates parsed once: the time
/// per set at 1, 10, 100 and 1000, and whether it grows linearly.
fn growth(renderer: &Renderer, plan: &Plan) {
    let mut per_render = Vec::new();
    for n in [1usize, 10, 100, 1000] {
        let runs: Vec<Duration> = (0..3)
            .map(|_| {
                let t = Instant::now();
                // As `render --out` does: every format and SHA256SUMS, the
                // plan's value, the unit and install.sh made once.
                for _ in 0..n {
                    std::hint::black_box(renderer.render_all(plan).unwrap());
                }
                t.elapsed()
            })
            .collect();
        let (min, med) = min_median(runs);
        let each = min.as_secs_f64() / n as f64;
        per_render.push(each);
        println!(
            "| {n} x all formats | {} / {} | {:.1} us per set |",
            ms(min),
            ms(med),
            each * 1e6
        );
    }
    let ratio = per_render[3] / per_render[1];
    println!(
        "| linearity: time per set at 1000 / at 10 | {ratio:.2} | {} |",
        if (0.5..=1.5).contains(&ratio) {
            "linear (goal met)"
        } else {
            "NOT linear (goal missed)"
        }
    );
}
