//! Ansible's filters on paths, lists and mappings that group_vars use to
//! build one value from others (`[pg_home, 'bin'] | path_join`,
//! `base_extras | union(['etcd3'])`, `defaults | combine(site)`), and
//! `quote`. Each does what its Ansible namesake does; the list filters
//! keep the order of first appearance, as Ansible's do.

use std::collections::BTreeMap;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

/// Add the filters to `env`.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("path_join", path_join);
    env.add_filter("quote", quote);
    env.add_filter("combine", combine);
    env.add_filter("flatten", flatten);
    env.add_filter("union", union);
    env.add_filter("intersect", intersect);
    env.add_filter("difference", difference);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
}

/// A mapping; its keys sorted, as the variables' mappings are.
fn map(entries: Vec<(Value, Value)>) -> Value {
    Value::from_object(entries.into_iter().collect::<BTreeMap<Value, Value>>())
}

fn items(v: &Value, filter: &str) -> Result<Vec<Value>, Error> {
    match v.kind() {
        ValueKind::Seq | ValueKind::Iterable => Ok(v.try_iter()?.collect()),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{filter} takes a list, not {}", v.kind()),
        )),
    }
}

/// Python's `os.path.join`: an absolute part starts the path again.
fn path_join(v: Value) -> Result<String, Error> {
    if let Some(s) = v.as_str() {
        return Ok(s.to_string());
    }
    let mut out = String::new();
    for part in items(&v, "path_join")? {
        let part = part.to_string();
        if part.starts_with('/') || out.is_empty() {
            out = part;
        } else {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&part);
        }
    }
    Ok(out)
}

/// Python's `shlex.quote`, which Ansible's `quote` is.
fn quote(v: Value) -> String {
    let s = if v.is_none() {
        String::new()
    } else {
        v.to_string()
    };
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        return s;
    }
    format!("'{}'", s.replace('\'', r#"'"'"'"#))
}

/// `a | combine(b, …, recursive=false)`: later mappings win.
fn combine(base: Value, more: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive: Option<bool> = kwargs.get("recursive")?;
    kwargs.assert_all_used()?;
    for m in std::iter::once(&base).chain(more.iter()) {
        if m.kind() != ValueKind::Map {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("combine takes mappings, not {}", m.kind()),
            ));
        }
    }
    let mut out = base;
    for m in more.iter() {
        out = merge(&out, m, recursive.unwrap_or(false))?;
    }
    Ok(out)
}

fn merge(a: &Value, b: &Value, recursive: bool) -> Result<Value, Error> {
    let mut entries: Vec<(Value, Value)> = Vec::new();
    for k in a.try_iter()? {
        let v = a.get_item(&k)?;
        entries.push((k, v));
    }
    for k in b.try_iter()? {
        let new = b.get_item(&k)?;
        match entries.iter_mut().find(|(key, _)| *key == k) {
            Some((_, old))
                if recursive && old.kind() == ValueKind::Map && new.kind() == ValueKind::Map =>
            {
                *old = merge(old, &new, true)?;
            }
            Some((_, old)) => *old = new,
            None => entries.push((k, new)),
        }
    }
    Ok(map(entries))
}

/// `flatten(levels=None)`: nested lists into one; `None` items dropped.
fn flatten(v: Value, levels: Option<usize>) -> Result<Value, Error> {
    fn walk(v: &Value, depth: Option<usize>, out: &mut Vec<Value>) -> Result<(), Error> {
        for item in v.try_iter()? {
            match item.kind() {
                ValueKind::Seq if depth != Some(0) => walk(&item, depth.map(|d| d - 1), out)?,
                ValueKind::None | ValueKind::Undefined => {}
                _ => out.push(item),
            }
        }
        Ok(())
    }
    items(&v, "flatten")?;
    let mut out = Vec::new();
    walk(&v, levels, &mut out)?;
    Ok(Value::from(out))
}

fn unique(values: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn union(a: Value, b: Value) -> Result<Value, Error> {
    let all = items(&a, "union")?.into_iter().chain(items(&b, "union")?);
    Ok(Value::from(unique(all)))
}

fn intersect(a: Value, b: Value) -> Result<Value, Error> {
    let other = items(&b, "intersect")?;
    let kept = items(&a, "intersect")?
        .into_iter()
        .filter(|v| other.contains(v));
    Ok(Value::from(unique(kept)))
}

fn difference(a: Value, b: Value) -> Result<Value, Error> {
    let other = items(&b, "difference")?;
    let kept = items(&a, "difference")?
        .into_iter()
        .filter(|v| !other.contains(v));
    Ok(Value::from(unique(kept)))
}

/// The `key_name` and `value_name` arguments of dict2items and items2dict.
fn item_names(kwargs: &Kwargs) -> Result<(String, String), Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    Ok((
        key_name.unwrap_or("key".into()),
        value_name.unwrap_or("value".into()),
    ))
}

fn dict2items(v: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let (kn, vn) = item_names(&kwargs)?;
    if v.kind() != ValueKind::Map {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("dict2items takes a mapping, not {}", v.kind()),
        ));
    }
    let mut out = Vec::new();
    for k in v.try_iter()? {
        let val = v.get_item(&k)?;
        out.push(map(vec![
            (Value::from(kn.as_str()), k),
            (Value::from(vn.as_str()), val),
        ]));
    }
    Ok(Value::from(out))
}

fn items2dict(v: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let (kn, vn) = item_names(&kwargs)?;
    let mut out: Vec<(Value, Value)> = Vec::new();
    for item in items(&v, "items2dict")? {
        let k = item.get_attr(&kn)?;
        let val = item.get_attr(&vn)?;
        if k.is_undefined() || val.is_undefined() {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("items2dict: an item lacks '{kn}' or '{vn}'"),
            ));
        }
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some((_, old)) => *old = val,
            None => out.push((k, val)),
        }
    }
    Ok(map(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str) -> String {
        let mut env = Environment::new();
        register(&mut env);
        env.compile_expression(expr)
            .unwrap()
            .eval(())
            .unwrap()
            .to_string()
    }

    #[test]
    fn path_join_is_pythons_os_path_join() {
        assert_eq!(
            eval("['/var/lib/pgsql', '.local', 'bin'] | path_join"),
            "/var/lib/pgsql/.local/bin"
        );
        assert_eq!(eval("('/srv/', 'x') | path_join"), "/srv/x");
        assert_eq!(
            eval("['/a', '/etc', 'patroni'] | path_join"),
            "/etc/patroni"
        );
        assert_eq!(eval("'/etc/patroni' | path_join"), "/etc/patroni");
    }

    #[test]
    fn quote_is_shlex_quote() {
        assert_eq!(eval("'/etc/patroni' | quote"), "/etc/patroni");
        assert_eq!(eval("\"it's\" | quote"), r#"'it'"'"'s'"#);
        assert_eq!(eval("'' | quote"), "''");
    }

    #[test]
    fn list_filters_keep_first_appearance_order() {
        assert_eq!(
            eval("['etcd', 'psycopg2'] | union(['etcd3', 'etcd']) | join(',')"),
            "etcd,psycopg2,etcd3"
        );
        assert_eq!(
            eval("['a', 'b', 'a', 'c'] | intersect(['c', 'a']) | join(',')"),
            "a,c"
        );
        assert_eq!(
            eval("['a', 'b', 'c'] | difference(['b']) | join(',')"),
            "a,c"
        );
        assert_eq!(
            eval("[['a', ['b']], none, 'c'] | flatten | join(',')"),
            "a,b,c"
        );
        assert_eq!(eval("[['a', ['b']], 'c'] | flatten(1) | length"), "3");
    }

    #[test]
    fn combine_lets_later_mappings_win() {
        assert_eq!(
            eval("({'a': 1, 'b': {'x': 1}} | combine({'b': {'y': 2}})).b.x is defined"),
            "False"
        );
        assert_eq!(
            eval("({'a': 1, 'b': {'x': 1}} | combine({'b': {'y': 2}}, recursive=true)).b.x"),
            "1"
        );
        assert_eq!(eval("({'a': 1} | combine({'a': 2}, {'c': 3})).a"), "2");
        assert_eq!(
            eval("{'k': 'v'} | dict2items | items2dict | list | join(',')"),
            "k"
        );
        assert_eq!(eval("({'k': 'v'} | dict2items(key_name='n'))[0].n"), "k");
    }
}
