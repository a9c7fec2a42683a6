//! The facts' mappings (`ansible_facts`, `ansible_python`, …) as
//! templates see them, and the record of names looked up and not found,
//! which the evaluator (mod.rs) reads to refuse a template that needed a
//! fact only the host knows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

/// Names looked up and not defined, latest last: the variables' own
/// misses and the keys the facts' mappings lack. minijinja's undefined
/// value carries no name, and `default(…)` or `is defined` hides it, so
/// this record is how a template that asked for a host-only fact is
/// caught. minijinja looks names up through `&self`, hence the lock; the
/// evaluator owns it, the mappings hold it weakly (the evaluator's cache
/// holds them).
#[derive(Debug, Default)]
pub struct Misses(Mutex<Vec<String>>);

impl Misses {
    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, name: String) {
        self.lock().push(name);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// The names missed since the record was `from` long.
    pub fn since(&self, from: usize) -> Vec<String> {
        self.lock()
            .get(from..)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
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
    /// The record its missing keys go to.
    pub misses: Weak<Misses>,
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
            if let Some(misses) = self.misses.upgrade() {
                misses.record(spelled);
            }
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
