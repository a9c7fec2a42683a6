//! The top level of a YAML vars file as its entries in order, a repeated
//! key kept: PyYAML, and so Ansible, lets the later one win (with a
//! warning), where serde's mappings refuse the whole file.

/// The top level of a YAML vars file, its entries in order with a
/// repeated key kept: PyYAML, and so Ansible, lets the later one win
/// (with a warning) where serde's mappings refuse the file.
pub enum TopLevel {
    Pairs(Vec<(serde_norway::Value, serde_norway::Value)>),
    Other(serde_norway::Value),
}

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TopLevel;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of parameter names to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<TopLevel, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = m.next_entry()? {
                    pairs.push(pair);
                }
                Ok(TopLevel::Pairs(pairs))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<TopLevel, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = s.next_element()? {
                    items.push(item);
                }
                Ok(TopLevel::Other(serde_norway::Value::Sequence(items)))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<TopLevel, E> {
                Ok(TopLevel::Other(serde_norway::Value::Null))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<TopLevel, E> {
                self.visit_unit()
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<TopLevel, E> {
                Ok(TopLevel::Other(serde_norway::Value::Bool(b)))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<TopLevel, E> {
                Ok(TopLevel::Other(serde_norway::Value::Number(n.into())))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<TopLevel, E> {
                Ok(TopLevel::Other(serde_norway::Value::Number(n.into())))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<TopLevel, E> {
                Ok(TopLevel::Other(serde_norway::Value::Number(n.into())))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<TopLevel, E> {
                Ok(TopLevel::Other(serde_norway::Value::String(s.into())))
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<TopLevel, A::Error> {
                Err(serde::de::Error::custom(
                    "the top level is a tagged value; it must be a mapping of parameter names to values",
                ))
            }
        }
        d.deserialize_any(Visitor)
    }
}
