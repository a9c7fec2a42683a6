use super::*;
use crate::facts::facts_as_vars;
use camino::Utf8Path;

/// The facts a Debian 12 host gives (as patroni-bake's recipe has them).
const DEBIAN_12: &str = r#"
ansible_os_family = "Debian"
ansible_distribution = "Debian"
ansible_distribution_major_version = "12"
ansible_distribution_release = "bookworm"
ansible_pkg_mgr = "apt"
ansible_service_mgr = "systemd"
ansible_system = "Linux"
ansible_python = { type = "CPython", version = { major = 3, minor = 11 } }
"#;

/// The variables of a YAML vars file, with the facts of a Debian 12 host;
/// `pg_home` is a parameter (for the advice of --set).
fn vars(yaml: &str) -> Vars {
    let entries = crate::file::parse(Utf8Path::new("all.yml"), yaml).unwrap();
    let mut map: BTreeMap<String, Var> = entries
        .into_iter()
        .map(|e| {
            let origin = format!("all.yml:{}", e.line.unwrap_or(0));
            let raw = e.value;
            (e.key, Var { raw, origin })
        })
        .collect();
    let table: toml::Table = toml::from_str(DEBIAN_12).unwrap();
    let facts = table
        .into_iter()
        .map(|(k, v)| {
            let origin = "fact of debian-12".to_string();
            let raw = Raw::from_toml(v);
            (k, Var { raw, origin })
        })
        .collect();
    map.extend(facts_as_vars(facts, "fact of debian-12"));
    Vars::new(map, "debian-12", ["pg_home".to_string()])
}

fn text(v: &Vars, name: &str) -> String {
    v.get(name).unwrap().unwrap().to_string()
}

fn failure(v: &Vars, name: &str) -> Failure {
    v.get(name).unwrap_err()
}

/// Expressions and filters as a group_vars file writes them.
const EXPRESSIONS: &str = r#"
pg_version: 17
base: /srv
cond: "{{ 'a' if pg_version > 16 else 'b' }}"
plus: "{{ base + '/pg' }}"
tilde: "{{ base ~ '/' ~ pg_version }}"
string: "{{ pg_version | string + '-x' }}"
int: "{{ '15' | int + 1 }}"
bool_yes: "{{ 'yes' | bool }}"
bool_no: "{{ 'no' | bool }}"
lower: "{{ 'ABC' | lower }}"
upper: "{{ 'abc' | upper }}"
replace: "{{ '/a/b' | replace('/', '_') }}"
trim: "{{ '  x  ' | trim }}"
join: "{{ ['a', 'b'] | join(',') }}"
default: "{{ missing | default('dflt') }}"
d: "{{ missing | d('dd') }}"
ternary: "{{ (pg_version == 17) | ternary('seventeen', 'other') }}"
regex: '{{ "/usr/pgsql-17/bin" | regex_replace("pgsql-([0-9]+)", "pg\1") }}'
reference: "{{ tilde }}/data"
mixed: "x-{{ pg_version }}-{{ 'y' if false }}"
list: "{{ [1, 2] }}"
version: "{{ ansible_distribution_major_version is version('11', '>') }}"
folded: >-
  {{ "/var/lib/pgsql" if ansible_os_family == "RedHat"
  else
  "/var/lib/postgresql" if ansible_os_family == 'Debian' }}
literal: |
  {{ base }}/lit
"#;

/// What Ansible makes of each key of [`EXPRESSIONS`].
const EVALUATED: [(&str, &str); 21] = [
    ("cond", "a"),
    ("plus", "/srv/pg"),
    ("tilde", "/srv/17"),
    ("string", "17-x"),
    ("int", "16"),
    ("bool_yes", "True"),
    ("bool_no", "False"),
    ("lower", "abc"),
    ("upper", "ABC"),
    ("replace", "_a_b"),
    ("trim", "x"),
    ("join", "a,b"),
    ("default", "dflt"),
    ("d", "dd"),
    ("ternary", "seventeen"),
    ("regex", "/usr/pg17/bin"),
    ("reference", "/srv/17/data"),
    ("mixed", "x-17-"),
    ("version", "True"),
    ("folded", "/var/lib/postgresql"),
    // Ansible keeps a template's final line break.
    ("literal", "/srv/lit\n"),
];

#[test]
fn expressions_and_filters_evaluate_as_in_ansible() {
    let v = vars(EXPRESSIONS);
    for (name, want) in EVALUATED {
        assert_eq!(text(&v, name), want, "{name}");
    }
    let list = v.get("list").unwrap().unwrap();
    assert_eq!(list.len(), Some(2), "a single expression keeps its type");
}

#[test]
fn facts_only_the_host_knows_are_named_with_the_way_to_give_them() {
    let v = vars(
        "owner: '{{ ansible_user_id }}'\narch: '{{ ansible_architecture }}'\n\
         point: '{{ ansible_distribution_version }}'\n",
    );
    for (key, fact) in [
        ("owner", "ansible_user_id"),
        ("arch", "ansible_architecture"),
        ("point", "ansible_distribution_version"),
    ] {
        let f = failure(&v, key);
        assert_eq!(f.key, key);
        assert!(
            f.why.contains(&format!("`{fact}` is an Ansible fact")),
            "{}",
            f.why
        );
        assert!(f.why.contains(&format!("--fact {fact}=VALUE")), "{}", f.why);
    }
}

#[test]
fn evaluation_is_lazy() {
    let v = vars(
        "used: /srv/x\nsecret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6638\n\
         looked_up: \"{{ lookup('env', 'HOME') }}\"\nowner: '{{ ansible_user_id }}'\n\
         broken: '{{ unclosed'\n",
    );
    assert_eq!(text(&v, "used"), "/srv/x");
}

#[test]
fn cycles_are_errors_naming_the_chain() {
    let v = vars("a: '{{ b }}/x'\nb: '{{ c }}'\nc: '{{ a }}'\n");
    let f = failure(&v, "a");
    assert!(f.why.contains("cycle: a -> b -> c -> a"), "{}", f.why);
    assert_eq!(f.key, "a");
    let shown = f.to_string();
    assert!(shown.contains("(needed by"), "{shown}");
}

#[test]
fn undefined_variables_and_syntax_errors_name_key_line_and_expression() {
    let v = vars(
        "home: /srv\nbin: '{{ hom }}/bin'\nsyntax: '{{ home ~ }}'\nfilter: '{{ home | nosuch }}'\n",
    );
    let f = failure(&v, "bin");
    assert_eq!((f.key.as_str(), f.origin.as_str()), ("bin", "all.yml:2"));
    assert_eq!(f.expr.as_deref(), Some("{{ hom }}/bin"));
    assert!(
        f.why.contains("`hom` is undefined; did you mean 'home'?"),
        "{}",
        f.why
    );
    let f = failure(&v, "syntax");
    assert!(f.why.starts_with("Jinja syntax error"), "{}", f.why);
    assert_eq!(f.origin, "all.yml:3");
    let f = failure(&v, "filter");
    assert!(f.why.contains("nosuch"), "{}", f.why);
}

#[test]
fn a_failure_deep_in_a_chain_is_reported_where_it_is() {
    let v = vars("top: '{{ middle }}/x'\nmiddle: '{{ bottom }}'\nbottom: '{{ nope }}'\n");
    let f = failure(&v, "top");
    assert_eq!(f.key, "bottom");
    assert_eq!(
        f.needed_by,
        vec![
            ("middle".to_string(), "all.yml:2".to_string()),
            ("top".to_string(), "all.yml:1".to_string())
        ]
    );
}

#[test]
fn vault_values_are_errors_only_where_used() {
    let v = vars("pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6638\nuses: '{{ pw }}'\nfree: ok\n");
    assert_eq!(text(&v, "free"), "ok");
    let f = failure(&v, "uses");
    assert_eq!(f.key, "pw");
    assert!(f.why.contains("encrypted with ansible-vault"), "{}", f.why);
    assert!(
        f.why.contains("write the plain value in a vars file") && !f.why.contains("--fact"),
        "a variable that is not a fact is not given with --fact: {}",
        f.why
    );
    let v = vars("pg_home: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6638\n");
    let f = failure(&v, "pg_home");
    assert!(f.why.contains("--set pg_home=VALUE"), "{}", f.why);
}

#[test]
fn magic_variables_are_refused_without_pointing_at_fact() {
    let v = vars(
        "host: '{{ inventory_hostname }}-x'\n\
         other: \"{{ hostvars['db1']['x'] | default('y') }}\"\n\
         via_vars: \"{{ vars['groups'] }}\"\n",
    );
    for (key, magic) in [
        ("host", "inventory_hostname"),
        ("other", "hostvars"),
        ("via_vars", "groups"),
    ] {
        let f = failure(&v, key);
        assert!(
            f.why
                .contains(&format!("`{magic}` is a variable that Ansible sets"))
                && f.why.contains("--set")
                && !f.why.contains("--fact"),
            "{key}: {}",
            f.why
        );
    }
}

#[test]
fn undefined_names_and_missing_keys_do_not_point_at_fact() {
    let v =
        vars("a: '{{ nothere }}'\nm: {8: x}\nb: \"{{ m['8'] }}\"\nc: \"{{ vars['nothere'] }}\"\n");
    for key in ["a", "b", "c"] {
        let f = failure(&v, key);
        assert!(!f.why.contains("--fact"), "{key}: {}", f.why);
    }
    assert!(failure(&v, "b").why.contains("default("));
}

#[test]
fn mapping_keys_keep_their_yaml_type_when_indexed() {
    let v = vars(
        r#"
dirs: {8: /el8, 12: /deb12, "9": /text9, yes: /true, ~: /null, 4.1: /float}
major: "{{ dirs[ansible_distribution_major_version | int] }}"
literal: "{{ dirs[8] }}"
text_key: "{{ dirs['9'] }}"
int_misses_text: "{{ dirs['8'] | default('missed') }}"
text_misses_int: "{{ dirs[9] | default('missed') }}"
bool: "{{ dirs[true] }}"
none_key: "{{ dirs[none] }}"
float: "{{ dirs[4.1] }}"
member: "{{ 8 in dirs }}-{{ '8' in dirs }}"
get: "{{ dirs.get(12) }}"
"#,
    );
    for (name, want) in [
        ("major", "/deb12"),
        ("literal", "/el8"),
        ("text_key", "/text9"),
        ("int_misses_text", "missed"),
        ("text_misses_int", "missed"),
        ("bool", "/true"),
        ("none_key", "/null"),
        ("float", "/float"),
        ("member", "True-False"),
        ("get", "/deb12"),
    ] {
        assert_eq!(text(&v, name), want, "{name}");
    }
}

#[test]
fn vars_is_every_variable_evaluated_on_demand() {
    let v = vars(
        r#"
base: "{{ '/srv' }}/b"
which: base
index: "{{ vars['base'] }}/x"
attr: "{{ vars.base }}/y"
by_name: "{{ vars[which] }}"
fact: "{{ vars['ansible_os_family'] }}"
missing: "{{ vars['nope'] | default('d') }}"
member: "{{ 'base' in vars }}"
unused_bad: "{{ nope }}"
"#,
    );
    for (name, want) in [
        ("index", "/srv/b/x"),
        ("attr", "/srv/b/y"),
        ("by_name", "/srv/b"),
        ("fact", "Debian"),
        ("missing", "d"),
        ("member", "True"),
    ] {
        assert_eq!(text(&v, name), want, "{name}");
    }
}

#[test]
fn a_block_scalars_final_line_breaks_stay_after_an_expression() {
    let v = vars(
        "clip: |\n  {{ '/srv' }}\nkeep: |+\n  {{ '/srv' }}\n\nstrip: |-\n  {{ '/srv' }}\n\
         control: |\n  {{ '/srv' -}}\nspaced: '  {{ \"/srv\" }}'\nindented: |2-\n    {{ '/srv' }}\n\
         own: \"{{ 'a\\n' }}\\n\"\nlist: \"{{ [1] }}\"\n",
    );
    for (name, want) in [
        ("clip", "/srv\n"),
        ("keep", "/srv\n\n"),
        ("strip", "/srv"),
        ("control", "/srv\n"),
        ("spaced", "  /srv"),
        ("indented", "  /srv"),
        ("own", "a\n"),
    ] {
        assert_eq!(text(&v, name), want, "{name}");
    }
    assert_eq!(
        v.get("list").unwrap().unwrap().len(),
        Some(1),
        "one expression keeps its type"
    );
}

#[test]
fn unsafe_values_are_never_templated() {
    let v = vars("raw: !unsafe '{{ not_a_template }}'\n");
    assert_eq!(text(&v, "raw"), "{{ not_a_template }}");
}

#[test]
fn a_fact_only_the_host_knows_is_never_replaced_by_a_default_or_a_test() {
    // Each would succeed on the empty value, and give another answer than
    // the host's fact would.
    let v = vars(
        "dflt: \"{{ ansible_user_id | default('postgres') }}\"\n\
         defined: \"{{ 'a' if ansible_architecture is defined else 'b' }}\"\n\
         version: \"{{ ansible_distribution_version is version('12', '>=') }}\"\n\
         modern: \"{{ ansible_facts['user_id'] | d('x') }}\"\n\
         nested: \"{{ ansible_python.version.micro | default(0) }}\"\n\
         through: \"{{ dflt }}/x\"\n\
         plain: \"{{ nothing_here | default('ok') }}\"\n",
    );
    for (key, fact, hint) in [
        ("dflt", "`ansible_user_id`", "--fact ansible_user_id=VALUE"),
        (
            "defined",
            "`ansible_architecture`",
            "--fact ansible_architecture=VALUE",
        ),
        (
            "version",
            "`ansible_distribution_version`",
            "--fact ansible_distribution_version=VALUE",
        ),
        (
            "modern",
            "`ansible_facts['user_id']`",
            "--fact ansible_user_id=VALUE",
        ),
        ("nested", "`ansible_python.version.micro`", "--set"),
        (
            "through",
            "`ansible_user_id`",
            "--fact ansible_user_id=VALUE",
        ),
    ] {
        let f = failure(&v, key);
        assert!(
            f.why.contains(fact) && f.why.contains(hint),
            "{key}: {}",
            f.why
        );
    }
    assert_eq!(failure(&v, "through").key, "dflt");
    // A variable that is simply not defined takes its default, as in Ansible.
    assert_eq!(text(&v, "plain"), "ok");
    // The facts the target knows still read through every spelling.
    let v = vars(
        "a: \"{{ ansible_facts.os_family }}-{{ ansible_facts['python']['version']['major'] }}\"\n\
         b: \"{{ ansible_facts | length > 3 }}\"\n",
    );
    assert_eq!(text(&v, "a"), "Debian-3");
    assert_eq!(text(&v, "b"), "True");
}

#[test]
fn pythons_methods_and_ansibles_list_filters_evaluate() {
    let v = vars(
        r#"
lower: "{{ ansible_os_family.lower() }}"
starts: "{{ 'deb' if ansible_distribution.startswith('Deb') else 'other' }}"
split: "{{ 'etcd3,psycopg3'.split(',') | last }}"
fmt: "{{ '/usr/pgsql-{}/bin'.format(17) }}"
strip: "{{ '  /srv  '.strip() }}"
get: "{{ ansible_facts.get('os_family') }}"
joined: "{{ ['/var/lib/pgsql', '.local', 'bin'] | path_join }}"
extras: "{{ ['psycopg2-binary', 'etcd'] | union(['etcd3']) | join(',') }}"
"#,
    );
    for (key, want) in [
        ("lower", "debian"),
        ("starts", "deb"),
        ("split", "psycopg3"),
        ("fmt", "/usr/pgsql-17/bin"),
        ("strip", "/srv"),
        ("get", "Debian"),
        ("joined", "/var/lib/pgsql/.local/bin"),
        ("extras", "psycopg2-binary,etcd,etcd3"),
    ] {
        assert_eq!(text(&v, key), want, "{key}");
    }
}

#[test]
fn python_percent_formatting_and_omit_are_explained() {
    let v = vars("pct: \"{{ '%s/bin' % '/srv' }}\"\nomitted: \"{{ nothing | default(omit) }}\"\n");
    let f = failure(&v, "pct");
    assert!(f.why.contains("| format(value)"), "{}", f.why);
    let f = failure(&v, "omitted");
    assert!(f.why.contains("Leave the key out"), "{}", f.why);
}
