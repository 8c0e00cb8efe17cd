//! Queries: Realm Query Language with `$0…$n` arguments, sort keys and a limit; counts.

use syncline_core as core;

use crate::error::{Result, SynclineError};
use crate::value::Value;

/// One sort key of a query: a property path (`priority`, `owner.name`) and a direction.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SortDescriptor {
    /// The property, or a path through to-one links.
    pub property: String,
    /// Ascending (nulls first) or descending.
    #[uniffi(default = true)]
    pub ascending: bool,
}

/// The query's arguments as the core's values.
pub(crate) fn arguments(args: Vec<Value>) -> Result<Vec<core::Value>> {
    args.into_iter().map(core::Value::try_from).collect()
}

/// The objects of a query's `results`, in order. `get` reads in the snapshot the query ran on,
/// so every key is there.
pub(crate) fn result_objects(
    results: &core::Results,
    get: impl Fn(&core::PrimaryKey) -> core::Result<Option<core::Object>>,
) -> core::Result<Vec<core::Object>> {
    results
        .keys
        .iter()
        .filter_map(|pk| get(pk).transpose())
        .collect()
}

/// `rql` with the sort keys and limit appended as RQL's own `SORT(…)` and `LIMIT(…)` clauses,
/// so that the core's one query path handles them.
pub(crate) fn with_modifiers(
    rql: &str,
    sort: &[SortDescriptor],
    limit: Option<u64>,
) -> Result<String> {
    let mut text = rql.to_owned();
    if !sort.is_empty() {
        let keys = sort
            .iter()
            .map(|key| {
                let well_formed = !key.property.is_empty()
                    && key.property.split('.').all(|step| {
                        !step.is_empty()
                            && step
                                .chars()
                                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                    });
                if !well_formed {
                    return Err(SynclineError::invalid_argument(format!(
                        "sort key {:?} is not a property path (names joined by '.')",
                        key.property
                    )));
                }
                let direction = if key.ascending { "ASC" } else { "DESC" };
                Ok(format!("{} {direction}", key.property))
            })
            .collect::<Result<Vec<_>>>()?;
        text.push_str(&format!(" SORT({})", keys.join(", ")));
    }
    if let Some(limit) = limit {
        text.push_str(&format!(" LIMIT({limit})"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_and_limit_become_rql_clauses() {
        let sort = [
            SortDescriptor {
                property: "priority".into(),
                ascending: false,
            },
            SortDescriptor {
                property: "owner.name".into(),
                ascending: true,
            },
        ];
        assert_eq!(
            with_modifiers("done == false", &sort, Some(3)).expect("valid"),
            "done == false SORT(priority DESC, owner.name ASC) LIMIT(3)"
        );
        assert_eq!(
            with_modifiers("TRUEPREDICATE", &[], None).expect("valid"),
            "TRUEPREDICATE"
        );
    }

    #[test]
    fn result_objects_are_in_query_order_and_pass_on_read_errors() {
        let schema = core::Schema::from_json_str(
            r#"[{"name": "Task", "primaryKey": "_id", "properties": {"_id": "int", "rank": "int"}}]"#,
        )
        .expect("valid schema");
        let db = core::Database::open_temporary(core::Config::new(schema)).expect("open");
        db.write(|txn| {
            for (id, rank) in [(1, 20), (2, 30), (3, 10)] {
                let mut doc = core::Document::new();
                doc.insert("_id", core::Value::Int(id));
                doc.insert("rank", core::Value::Int(rank));
                txn.create("Task", doc)?;
            }
            Ok::<_, core::Error>(())
        })
        .expect("write");
        db.read(|txn| {
            let results = txn.query("Task", "rank > 10 SORT(rank DESC)", &[])?;
            let objects = result_objects(&results, |pk| txn.get("Task", pk))?;
            let ids: Vec<_> = objects.iter().map(|o| o.pk.clone()).collect();
            assert_eq!(ids, [core::PrimaryKey::Int(2), core::PrimaryKey::Int(1)]);
            let err = result_objects(&results, |_| Err(core::Error::callback("gone")))
                .expect_err("a failed read fails the whole list");
            assert!(err.to_string().contains("gone"), "{err}");
            Ok::<_, core::Error>(())
        })
        .expect("read");
    }

    #[test]
    fn a_sort_key_that_is_not_a_path_is_rejected() {
        let sort = [SortDescriptor {
            property: "a) LIMIT(1".into(),
            ascending: true,
        }];
        let err = with_modifiers("TRUEPREDICATE", &sort, None).expect_err("not a path");
        assert!(err.to_string().contains("a) LIMIT(1"), "{err}");
    }
}
