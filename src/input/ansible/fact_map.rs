//! The facts' mappings (`ansible_facts`, `ansible_python`, …) as
//! templates see them, and the record of names a template looked up and
//! did not find, which the evaluator (mod.rs) reads to refuse a template
//! that needed a fact only the host knows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

/// Names that were looked up and are not defined, latest last, shared
/// with the fact mappings, whose missing keys are facts too.
pub type Misses = Arc<Mutex<Vec<String>>>;

pub fn misses_len(m: &Misses) -> usize {
    m.lock().unwrap_or_else(|e| e.into_inner()).len()
}

pub fn misses_since(m: &Misses, from: usize) -> Vec<String> {
    let m = m.lock().unwrap_or_else(|e| e.into_inner());
    m.get(from..).map(<[String]>::to_vec).unwrap_or_default()
}

pub fn record_miss(m: &Misses, name: String) {
    m.lock().unwrap_or_else(|e| e.into_inner()).push(name);
}

/// A mapping among the facts (`ansible_facts`, `ansible_python`, …). A
/// key it lacks is a fact that only the host knows; the lookup is recorded
/// like an undefined variable, so that `default(…)` or `is defined` cannot
/// quietly stand in for what the host would have answered.
#[derive(Debug)]
pub struct FactMap {
    /// How a template spells it: `ansible_facts`, `ansible_python.version`.
    pub path: String,
    pub entries: BTreeMap<String, Value>,
    pub misses: Misses,
}

impl Object for FactMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        let found = self.entries.get(name).cloned();
        if found.is_none() {
            let spelled = if self.path == "ansible_facts" {
                format!("ansible_facts['{name}']")
            } else {
                format!("{}.{name}", self.path)
            };
            record_miss(&self.misses, spelled);
        }
        found
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<Value> = self
            .entries
            .keys()
            .map(|k| Value::from(k.as_str()))
            .collect();
        Enumerator::Values(keys)
    }
}
