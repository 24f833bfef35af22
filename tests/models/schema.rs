//! JSON Schema (draft 2020-12) validation of the reports this project writes against the schemas
//! it documents (`src/gate/report.schema.json`, `src/picture/report.schema.json`): the keywords
//! those schemas use, with the draft's meaning, and nothing else. A schema that uses any other
//! keyword, a `$ref` outside the document or a malformed keyword value is refused with a panic
//! ([`Schema::new`]), so a schema can never grow a rule that is silently not checked.
//!
//! Written here rather than taken from a crate: the `jsonschema` crate, even without its default
//! features, brought 41 crates into every fresh `cargo test` build (78 CPU-s of a build of about
//! 280, measured 2026-12-07 on 2 loaded cores), and boon, the other maintained 2020-12 validator,
//! needs the `url` and `idna` stacks. The tests at the bottom pin each keyword's meaning on
//! documents that break it.

use serde_json::{Map, Value};

/// A schema checked for the keywords this validator knows, ready to validate documents.
pub struct Schema<'a> {
    root: &'a Value,
}

/// Keywords with no effect on validation (annotations, and `$defs` which `$ref` reaches).
const ANNOTATIONS: &[&str] = &["$schema", "$defs", "title", "description"];

/// Keywords this validator applies.
const ASSERTIONS: &[&str] = &[
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "minimum",
    "maximum",
    "pattern",
    "oneOf",
    "$ref",
];

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

impl<'a> Schema<'a> {
    /// Checks every subschema of `root` (keywords known, values well formed, references
    /// resolvable); panics with the schema path of the first problem.
    pub fn new(root: &'a Value) -> Schema<'a> {
        assert_eq!(
            root.get("$schema").and_then(Value::as_str),
            Some(DRAFT),
            "the schema declares draft 2020-12"
        );
        let schema = Schema { root };
        schema.check_schema(root, "#");
        schema
    }

    /// Every way `instance` breaks the schema, one message each (empty when it is valid).
    pub fn errors(&self, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.validate(self.root, instance, "", &mut errors);
        errors
    }

    fn check_schema(&self, schema: &Value, at: &str) {
        let object = match schema {
            Value::Bool(_) => return,
            Value::Object(object) => object,
            _ => panic!("{at}: a schema is an object or a boolean"),
        };
        for (keyword, value) in object {
            let here = format!("{at}/{keyword}");
            match keyword.as_str() {
                "$schema" => assert!(value.is_string(), "{here}"),
                "title" | "description" => assert!(value.is_string(), "{here}: a string"),
                "$defs" | "properties" => {
                    let members = value
                        .as_object()
                        .unwrap_or_else(|| panic!("{here}: an object"));
                    for (name, subschema) in members {
                        self.check_schema(subschema, &format!("{here}/{name}"));
                    }
                }
                "additionalProperties" | "items" => self.check_schema(value, &here),
                "oneOf" => {
                    let options = value
                        .as_array()
                        .unwrap_or_else(|| panic!("{here}: an array"));
                    assert!(!options.is_empty(), "{here}: not empty");
                    for (index, option) in options.iter().enumerate() {
                        self.check_schema(option, &format!("{here}/{index}"));
                    }
                }
                "type" => {
                    let names: Vec<&Value> = match value {
                        Value::Array(names) => names.iter().collect(),
                        name => vec![name],
                    };
                    for name in names {
                        assert!(
                            matches!(
                                name.as_str(),
                                Some(
                                    "null"
                                        | "boolean"
                                        | "object"
                                        | "array"
                                        | "number"
                                        | "string"
                                        | "integer"
                                )
                            ),
                            "{here}: {name} is not a JSON Schema type"
                        );
                    }
                }
                "const" => {}
                "enum" => assert!(value.is_array(), "{here}: an array"),
                "required" => assert!(
                    value
                        .as_array()
                        .is_some_and(|names| names.iter().all(Value::is_string)),
                    "{here}: an array of strings"
                ),
                "minItems" => assert!(value.is_u64(), "{here}: a non-negative integer"),
                "minimum" | "maximum" => assert!(value.is_number(), "{here}: a number"),
                "pattern" => {
                    let pattern = value.as_str().unwrap_or_else(|| panic!("{here}: a string"));
                    regex_lite::Regex::new(pattern)
                        .unwrap_or_else(|e| panic!("{here}: not a regular expression: {e}"));
                }
                "$ref" => {
                    let reference = value.as_str().unwrap_or_else(|| panic!("{here}: a string"));
                    self.resolve(reference);
                }
                other => panic!(
                    "{here}: the keyword {other:?} is not one this validator applies \
                     (it knows {ASSERTIONS:?} and the annotations {ANNOTATIONS:?}): teach it the \
                     keyword in tests/models/schema.rs, with a test"
                ),
            }
        }
    }

    /// The subschema a local reference (`#` or `#/a/b`, a JSON pointer) names.
    fn resolve(&self, reference: &str) -> &'a Value {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| {
            panic!("$ref {reference:?}: only references inside the schema are supported")
        });
        self.root
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {reference:?} names nothing in the schema"))
    }

    fn validate(&self, schema: &Value, instance: &Value, at: &str, errors: &mut Vec<String>) {
        let object: &Map<String, Value> = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                errors.push(format!("{at}: {instance} is not allowed here"));
                return;
            }
            Value::Object(object) => object,
            _ => unreachable!("checked by Schema::new"),
        };
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            self.validate(self.resolve(reference), instance, at, errors);
        }
        if let Some(types) = object.get("type") {
            let names: Vec<&str> = match types {
                Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                name => name.as_str().into_iter().collect(),
            };
            if !names.iter().any(|name| has_type(instance, name)) {
                errors.push(format!("{at}: {instance} is not of type {types}"));
            }
        }
        if let Some(constant) = object.get("const")
            && !equal(instance, constant)
        {
            errors.push(format!("{at}: {constant} was expected, not {instance}"));
        }
        if let Some(Value::Array(options)) = object.get("enum")
            && !options.iter().any(|option| equal(instance, option))
        {
            errors.push(format!("{at}: {instance} is not one of {options:?}"));
        }
        if let (Value::String(text), Some(pattern)) =
            (instance, object.get("pattern").and_then(Value::as_str))
        {
            let regex = regex_lite::Regex::new(pattern).expect("checked by Schema::new");
            if !regex.is_match(text) {
                errors.push(format!("{at}: {instance} does not match {pattern:?}"));
            }
        }
        if let Value::Number(number) = instance {
            let value = number.as_f64().expect("a JSON number");
            if let Some(minimum) = object.get("minimum").and_then(Value::as_f64)
                && value < minimum
            {
                errors.push(format!(
                    "{at}: {instance} is less than the minimum of {minimum}"
                ));
            }
            if let Some(maximum) = object.get("maximum").and_then(Value::as_f64)
                && value > maximum
            {
                errors.push(format!(
                    "{at}: {instance} is more than the maximum of {maximum}"
                ));
            }
        }
        if let Value::Array(items) = instance {
            if let Some(minimum) = object.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < minimum
            {
                errors.push(format!("{at}: {instance} has fewer than {minimum} items"));
            }
            if let Some(item_schema) = object.get("items") {
                for (index, item) in items.iter().enumerate() {
                    self.validate(item_schema, item, &format!("{at}/{index}"), errors);
                }
            }
        }
        if let Value::Object(members) = instance {
            if let Some(Value::Array(required)) = object.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !members.contains_key(name) {
                        errors.push(format!("{at}: {name:?} is a required property"));
                    }
                }
            }
            let properties = object.get("properties").and_then(Value::as_object);
            for (name, value) in members {
                let here = format!("{at}/{name}");
                match properties.and_then(|properties| properties.get(name)) {
                    Some(property) => self.validate(property, value, &here, errors),
                    None => {
                        if let Some(additional) = object.get("additionalProperties") {
                            if additional == &Value::Bool(false) {
                                errors.push(format!(
                                    "{at}: additional property {name:?} is not allowed"
                                ));
                            } else {
                                self.validate(additional, value, &here, errors);
                            }
                        }
                    }
                }
            }
        }
        if let Some(Value::Array(options)) = object.get("oneOf") {
            let matching = options
                .iter()
                .filter(|option| {
                    let mut option_errors = Vec::new();
                    self.validate(option, instance, at, &mut option_errors);
                    option_errors.is_empty()
                })
                .count();
            if matching != 1 {
                errors.push(format!(
                    "{at}: {instance} matches {matching} of the oneOf schemas, not exactly one"
                ));
            }
        }
    }
}

/// Whether `instance` is of the JSON Schema type `name` (an integer is any number with no
/// fractional part, 1.0 included, as the draft says).
fn has_type(instance: &Value, name: &str) -> bool {
    match (name, instance) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("object", Value::Object(_))
        | ("array", Value::Array(_))
        | ("string", Value::String(_))
        | ("number", Value::Number(_)) => true,
        ("integer", Value::Number(number)) => {
            number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        _ => false,
    }
}

/// JSON Schema's equality (for `const` and `enum`): numbers by value (1 equals 1.0), the rest
/// structurally.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| equal(x, y)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::Schema;
    use serde_json::json;

    fn schema(body: serde_json::Value) -> serde_json::Value {
        let mut body = body;
        body["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        body
    }

    fn errors(schema_body: serde_json::Value, instance: serde_json::Value) -> Vec<String> {
        let root = schema(schema_body);
        Schema::new(&root).errors(&instance)
    }

    #[test]
    fn the_project_s_schemas_are_accepted_whole() {
        for text in [
            include_str!("../../src/gate/report.schema.json"),
            include_str!("../../src/picture/report.schema.json"),
        ] {
            let root: serde_json::Value = serde_json::from_str(text).unwrap();
            Schema::new(&root);
        }
    }

    #[test]
    fn type_accepts_any_of_its_names_and_integers_include_whole_floats() {
        let types = json!({ "type": ["integer", "null"] });
        assert!(errors(types.clone(), json!(3)).is_empty());
        assert!(errors(types.clone(), json!(3.0)).is_empty());
        assert!(errors(types.clone(), json!(null)).is_empty());
        assert_eq!(errors(types.clone(), json!(3.5)).len(), 1);
        assert_eq!(errors(types, json!("3")).len(), 1);
        assert_eq!(errors(json!({ "type": "string" }), json!(1)).len(), 1);
        assert_eq!(errors(json!({ "type": "object" }), json!([])).len(), 1);
        assert_eq!(errors(json!({ "type": "boolean" }), json!(0)).len(), 1);
        assert!(errors(json!({ "type": "number" }), json!(0.5)).is_empty());
    }

    #[test]
    fn const_and_enum_compare_by_json_value() {
        assert!(errors(json!({ "const": "a" }), json!("a")).is_empty());
        assert_eq!(errors(json!({ "const": "a" }), json!("b")).len(), 1);
        assert!(errors(json!({ "const": 1 }), json!(1.0)).is_empty());
        let statuses = json!({ "enum": ["pass", "fail", null] });
        assert!(errors(statuses.clone(), json!(null)).is_empty());
        assert!(errors(statuses.clone(), json!("fail")).is_empty());
        assert_eq!(errors(statuses, json!("FAIL")).len(), 1);
    }

    #[test]
    fn objects_need_their_required_members_and_no_others_when_closed() {
        let closed = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["a"],
            "properties": { "a": { "type": "integer" }, "b": { "type": "string" } }
        });
        assert!(errors(closed.clone(), json!({ "a": 1 })).is_empty());
        assert!(errors(closed.clone(), json!({ "a": 1, "b": "x" })).is_empty());
        assert_eq!(errors(closed.clone(), json!({ "b": "x" })).len(), 1);
        assert_eq!(errors(closed.clone(), json!({ "a": 1, "c": 2 })).len(), 1);
        assert_eq!(errors(closed, json!({ "a": "1" })).len(), 1);
        let open = json!({ "properties": { "a": { "type": "integer" } } });
        assert!(errors(open.clone(), json!({ "c": 2 })).is_empty());
        assert!(errors(open, json!("not an object")).is_empty());
        let typed_rest = json!({ "additionalProperties": { "type": "integer" } });
        assert_eq!(errors(typed_rest, json!({ "c": "2" })).len(), 1);
    }

    #[test]
    fn arrays_check_every_item_and_their_length() {
        let list = json!({ "type": "array", "items": { "type": "integer" }, "minItems": 1 });
        assert!(errors(list.clone(), json!([1, 2])).is_empty());
        assert_eq!(errors(list.clone(), json!([])).len(), 1);
        assert_eq!(errors(list, json!([1, "2", "3"])).len(), 2);
    }

    #[test]
    fn numbers_keep_within_minimum_and_maximum_inclusive() {
        let range = json!({ "minimum": 1, "maximum": 1000 });
        assert!(errors(range.clone(), json!(1)).is_empty());
        assert!(errors(range.clone(), json!(1000)).is_empty());
        assert_eq!(errors(range.clone(), json!(0)).len(), 1);
        assert_eq!(errors(range.clone(), json!(1001)).len(), 1);
        assert!(errors(range, json!("not a number")).is_empty());
    }

    #[test]
    fn one_of_needs_exactly_one_match_and_refs_reach_defs() {
        let location = json!({
            "$defs": { "line": { "type": "integer", "minimum": 0 } },
            "oneOf": [{ "$ref": "#/$defs/line" }, { "type": "null" }]
        });
        assert!(errors(location.clone(), json!(3)).is_empty());
        assert!(errors(location.clone(), json!(null)).is_empty());
        assert_eq!(errors(location.clone(), json!(-1)).len(), 1);
        assert_eq!(errors(location, json!("3")).len(), 1);
        let both = json!({ "oneOf": [{ "type": "integer" }, { "minimum": 0 }] });
        assert_eq!(errors(both, json!(3)).len(), 1, "two matches are not one");
    }

    #[test]
    fn a_pattern_matches_strings_anywhere_unless_anchored_and_ignores_other_types() {
        let sandbox = json!({ "type": "string", "pattern": "^(namespaces|none, because .+)$" });
        assert!(errors(sandbox.clone(), json!("namespaces")).is_empty());
        assert!(errors(sandbox.clone(), json!("none, because --sandbox off")).is_empty());
        assert_eq!(errors(sandbox.clone(), json!("none, because ")).len(), 1);
        assert_eq!(errors(sandbox.clone(), json!("namespaces!")).len(), 1);
        assert_eq!(errors(sandbox, json!("some")).len(), 1);
        let unanchored = json!({ "pattern": "b+" });
        assert!(errors(unanchored.clone(), json!("abbc")).is_empty());
        assert_eq!(errors(unanchored.clone(), json!("ac")).len(), 1);
        assert!(
            errors(unanchored, json!(3)).is_empty(),
            "a pattern constrains strings only"
        );
    }

    #[test]
    fn an_unknown_keyword_or_reference_is_refused_not_ignored() {
        for bad in [
            json!({ "pattern": "^(a" }),
            json!({ "properties": { "a": { "maxLength": 3 } } }),
            json!({ "$ref": "#/$defs/missing" }),
            json!({ "$ref": "other.json#/x" }),
            json!({ "type": "int" }),
        ] {
            let root = schema(bad.clone());
            let refused = std::panic::catch_unwind(|| {
                Schema::new(&root);
            });
            assert!(refused.is_err(), "{bad} was accepted");
        }
    }
}
