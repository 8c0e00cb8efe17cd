//! Runs every pair of `shared/conformance/schema_mapping.json` (Realm object schema ↔ App
//! Services JSON Schema), in the directions each pair asserts.

use serde_json::Value as Json;
use syncline_core::schema::JsonSchemaOptions;
use syncline_core::{ObjectSchema, Schema};

/// `shared/conformance/<name>` beside the repository (found from any worktree depth).
fn conformance(name: &str) -> Json {
    let text = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/conformance").join(name))
        .find_map(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_else(|| panic!("shared/conformance/{name} beside the repository"));
    serde_json::from_str(&text).expect("conformance JSON")
}

/// Compares App Services JSON as the conformance notes say: key order and the order of
/// `required` are irrelevant, a `ref` is compared by its last path segment (the collection),
/// and paths listed in `accepted_alternatives` may hold any listed value.
fn compare(expected: &Json, actual: &Json, path: &str, alternatives: &Json) -> Result<(), String> {
    if let Some(allowed) = alternatives.get(path).and_then(Json::as_array) {
        return if allowed.contains(actual) {
            Ok(())
        } else {
            Err(format!("{path}: {actual} is none of {allowed:?}"))
        };
    }
    let last = path.rsplit('.').next().unwrap_or(path);
    match (expected, actual) {
        (Json::Array(e), Json::Array(a)) if last == "required" => {
            let mut e: Vec<String> = e.iter().map(ToString::to_string).collect();
            let mut a: Vec<String> = a.iter().map(ToString::to_string).collect();
            e.sort();
            a.sort();
            if e == a {
                Ok(())
            } else {
                Err(format!("{path}: expected {e:?}, got {a:?}"))
            }
        }
        (Json::String(e), Json::String(a)) if last == "ref" => {
            let tail = |s: &str| s.rsplit('/').next().unwrap_or(s).to_owned();
            if tail(e) == tail(a) {
                Ok(())
            } else {
                Err(format!("{path}: expected a ref to {e}, got {a}"))
            }
        }
        (Json::Object(e), Json::Object(a)) => {
            let mut ek: Vec<&String> = e.keys().collect();
            let mut ak: Vec<&String> = a.keys().collect();
            ek.sort();
            ak.sort();
            if ek != ak {
                return Err(format!("{path}: expected keys {ek:?}, got {ak:?}"));
            }
            for (k, v) in e {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                compare(v, &a[k], &sub, alternatives)?;
            }
            Ok(())
        }
        (Json::Array(e), Json::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare(ev, av, &format!("{path}.{i}"), alternatives)?;
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

#[test]
fn every_conformance_pair_maps_in_its_directions() {
    let data = conformance("schema_mapping.json");
    let pairs = data["pairs"].as_array().expect("pairs");
    assert!(!pairs.is_empty());
    let mut failures = Vec::new();
    for pair in pairs {
        let name = pair["name"].as_str().unwrap_or("?");
        let direction = pair["direction"].as_str().unwrap_or("both");
        let mut classes = vec![pair["realm_schema"].clone()];
        if let Some(related) = pair["related_realm_schemas"].as_array() {
            classes.extend(related.iter().cloned());
        }
        let realm = match Schema::from_json(&Json::Array(classes)) {
            Ok(schema) => schema,
            Err(e) => {
                failures.push(format!("{name}: realm schema: {e}"));
                continue;
            }
        };
        let main = realm.classes[0].name.clone();
        let expected = &pair["app_services_schema"];
        let alternatives = &pair["accepted_alternatives"];
        if direction == "both" || direction == "realm_to_app_services" {
            match realm.class_to_json_schema(&main, &JsonSchemaOptions::default()) {
                Ok((actual, _notes)) => {
                    if let Err(e) = compare(expected, &actual, "", alternatives) {
                        failures.push(format!(
                            "{name} (realm → app services): {e}\n  got {actual}"
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name} (realm → app services): {e}")),
            }
        }
        if direction == "both" || direction == "app_services_to_realm" {
            match Schema::from_json_schema(std::slice::from_ref(expected)) {
                Ok(import) => {
                    if import.schema.class(&main).is_none() {
                        failures.push(format!("{name} (app services → realm): no class {main}"));
                    }
                    for class in &import.schema.classes {
                        // A JSON Schema's properties are a map: compare regardless of order.
                        let sorted = |c: &ObjectSchema| {
                            let mut c = c.clone();
                            c.properties.sort_by(|a, b| a.name.cmp(&b.name));
                            c
                        };
                        if realm.class(&class.name).map(sorted) != Some(sorted(class)) {
                            failures.push(format!(
                                "{name} (app services → realm): class {} is\n  {}\nexpected\n  {}",
                                class.name,
                                class.to_json(),
                                realm
                                    .class(&class.name)
                                    .map(|c| c.to_json())
                                    .unwrap_or_default()
                            ));
                        }
                    }
                }
                Err(e) => failures.push(format!("{name} (app services → realm): {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
