//! The task tracker from the docs: open a database with a schema, write, query, observe.
//!
//! Run it with `cargo run -p syncline-core --example task_tracker [PATH]`; without a path it
//! uses a fresh file in a temporary directory. Run it twice on the same path and the schema is
//! reused and the tasks are upserted, not duplicated.

use std::path::PathBuf;

use syncline_core::{
    ChangeEvent, Config, Database, Document, Error, ObjectId, PrimaryKey, Schema, Value,
};

const SCHEMA: &str = r#"[
  {
    "name": "Project",
    "primaryKey": "_id",
    "properties": {
      "_id": "objectId",
      "name": { "type": "string", "indexed": true },
      "tasks": "Task[]"
    }
  },
  {
    "name": "Task",
    "primaryKey": "_id",
    "properties": {
      "_id": "objectId",
      "name": "string",
      "status": { "type": "string", "indexed": true },
      "owner": "string?",
      "priority": { "type": "int", "default": 0 },
      "tags": "string<>",
      "projects": { "type": "linkingObjects", "objectType": "Project", "property": "tasks" }
    }
  }
]"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scratch;
    let path = match std::env::args_os().nth(1) {
        Some(path) => PathBuf::from(path),
        None => {
            scratch = tempfile::tempdir()?;
            scratch.path().join("tasks.db")
        }
    };

    let schema = Schema::from_json_str(SCHEMA)?;
    let db = Database::open(&path, Config::new(schema))?;
    println!("opened {}", path.display());

    // Fixed ids keep the example idempotent: a second run upserts the same objects.
    let project_id = oid("6560f1a2b3c4d5e6f7a8b9c0")?;
    let tasks = [
        (
            "6560f1a2b3c4d5e6f7a8b9c1",
            "Write the schema",
            "Done",
            Some("ana"),
            3,
            &["docs"][..],
        ),
        (
            "6560f1a2b3c4d5e6f7a8b9c2",
            "Open the database",
            "InProgress",
            Some("ana"),
            5,
            &["core"][..],
        ),
        (
            "6560f1a2b3c4d5e6f7a8b9c3",
            "Query open tasks",
            "Open",
            None,
            4,
            &["core", "rql"][..],
        ),
        (
            "6560f1a2b3c4d5e6f7a8b9c4",
            "Observe changes",
            "Open",
            Some("bo"),
            1,
            &[][..],
        ),
    ];

    db.write(|txn| -> Result<(), Error> {
        let mut task_links = Vec::new();
        for (id, name, status, owner, priority, tags) in tasks {
            let id = oid(id)?;
            let mut task = Document::new();
            task.insert("_id", Value::ObjectId(id));
            task.insert("name", name.into());
            task.insert("status", status.into());
            task.insert("owner", owner.map_or(Value::Null, Value::from));
            task.insert("priority", Value::Int(priority));
            task.insert(
                "tags",
                Value::Set(tags.iter().map(|t| Value::from(*t)).collect()),
            );
            txn.upsert("Task", task)?;
            task_links.push(Value::Link(syncline_core::Link {
                class: "Task".into(),
                pk: PrimaryKey::ObjectId(id),
            }));
        }
        let mut project = Document::new();
        project.insert("_id", Value::ObjectId(project_id));
        project.insert("name", "Syncline".into());
        project.insert("tasks", Value::List(task_links));
        txn.upsert("Project", project)?;
        Ok(())
    })?;

    db.read(|txn| -> Result<(), Error> {
        let open = txn.query(
            "Task",
            "status != $0 AND priority >= $1 SORT(priority DESC)",
            &["Done".into(), Value::Int(2)],
        )?;
        println!("{} unfinished task(s) with priority >= 2:", open.len());
        for pk in &open.keys {
            if let Some(task) = txn.get("Task", pk)? {
                let name = match task.get("name") {
                    Some(Value::String(name)) => name.as_str(),
                    _ => "?",
                };
                let priority = match task.get("priority") {
                    Some(Value::Int(p)) => *p,
                    _ => 0,
                };
                println!("  {name} (priority {priority})");
            }
        }
        let tagged = txn.count("Task", "ANY tags == 'core'", &[])?;
        println!("{tagged} task(s) tagged 'core'");
        let in_project = txn.count("Task", "ANY projects.name == $0", &["Syncline".into()])?;
        println!("{in_project} task(s) in project Syncline");
        Ok(())
    })?;

    // Observe the open tasks: the callback gets the initial results, then a change set after
    // each commit that changes them. Dropping the handle stops the observation.
    let observer = db.observe_query("Task", "status == 'Open'", &[], |event| match event {
        ChangeEvent::ResultsInitial { keys } => println!("observing {} open task(s)", keys.len()),
        ChangeEvent::ResultsChanged { keys, changes } => println!(
            "open tasks changed: now {}, deleted at {:?}, inserted at {:?}, modified at {:?}",
            keys.len(),
            changes.deletions,
            changes.insertions,
            changes.modifications
        ),
        other => println!("observer: {other:?}"),
    })?;

    let third = PrimaryKey::ObjectId(oid("6560f1a2b3c4d5e6f7a8b9c3")?);
    db.write(|txn| txn.set("Task", &third, "status", "Done".into()))?;
    drop(observer);
    let done = db.read(|txn| txn.count("Task", "status == 'Done'", &[]))?;
    println!("after finishing one more: {done} task(s) done");
    Ok(())
}

fn oid(hex: &str) -> Result<ObjectId, Error> {
    ObjectId::parse_str(hex).map_err(|e| {
        Error::from(syncline_core::ValueError::Parse {
            kind: "objectId",
            text: hex.into(),
            reason: e.to_string(),
        })
    })
}
