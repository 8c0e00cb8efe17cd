// The task tracker in Swift: open a database, write tasks, query them, observe changes.
import Foundation
import Syncline

let schema = """
    [{"name": "Task", "primaryKey": "_id", "properties": {
      "_id": "int",
      "name": "string",
      "status": {"type": "string", "indexed": true},
      "priority": {"type": "int", "default": 0}}}]
    """

/// Prints how the list of open tasks changes.
final class OpenTasks: ChangeListener, @unchecked Sendable {
    var updates = 0

    func onChange(event: ChangeEvent) {
        switch event {
        case .resultsInitial(let keys):
            print("observer: \(keys.count) open tasks")
        case .resultsChanged(let keys, let changes):
            updates += 1
            print("observer: now \(keys.count) open (-\(changes.deletions.count) +\(changes.insertions.count) ~\(changes.modifications.count))")
        default:
            break
        }
    }
}

func task(_ id: Int64, _ name: String, _ status: String, _ priority: Int64) -> [String: Value] {
    ["_id": .int(value: id), "name": .string(value: name), "status": .string(value: status), "priority": .int(value: priority)]
}

let path = CommandLine.arguments.dropFirst().first
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("tasks-\(UUID().uuidString).db").path
let db = try Database.open(path: path, schemaJson: schema)
print("opened \(path)")

let listener = OpenTasks()
let handle = try db.observeQuery(className: "Task", rql: "status != 'Done'", args: [], listener: listener)

try db.write { txn in
    // Upserts keep the example idempotent when run twice on one file.
    _ = try txn.upsert(className: "Task", fields: task(1, "Write the schema", "Done", 3))
    _ = try txn.upsert(className: "Task", fields: task(2, "Bind it to Swift", "InProgress", 5))
    _ = try txn.upsert(className: "Task", fields: task(3, "Ship the release", "Open", 1))
}

let open = try db.query(
    className: "Task", rql: "status != $0", args: [.string(value: "Done")],
    sort: [SortDescriptor(property: "priority", ascending: false)], limit: nil)
for t in open {
    if case .string(let name)? = t.fields["name"], case .int(let priority)? = t.fields["priority"] {
        print("  \(name) (priority \(priority))")
    }
}

try db.write { try $0.update(className: "Task", pk: .int(value: 2), fields: ["status": .string(value: "Done")]) }
let done = try db.count(className: "Task", rql: "status == 'Done'")
let all = try db.count(className: "Task", rql: "TRUEPREDICATE")
print("\(done) of \(all) tasks done")
handle.cancel()
db.close()
if listener.updates < 1 {
    FileHandle.standardError.write("the observer saw no change\n".data(using: .utf8)!)
    exit(1)
}
