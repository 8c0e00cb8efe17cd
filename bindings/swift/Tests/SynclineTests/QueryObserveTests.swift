import Foundation
import XCTest

@testable import Syncline

/// Collects events; listeners run on the committing thread.
final class Recorder: ChangeListener, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [ChangeEvent] = []

    var events: [ChangeEvent] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    func onChange(event: ChangeEvent) {
        lock.lock()
        received.append(event)
        lock.unlock()
    }
}

final class QueryObserveTests: XCTestCase {
    func seeded() throws -> Database {
        let db = try Database.openTemporary(schemaJson: taskSchema)
        try db.write { txn in
            _ = try txn.create(className: "Task", fields: ["_id": .int(value: 1), "title": .string(value: "write docs")])
            _ = try txn.create(
                className: "Task", fields: ["_id": .int(value: 2), "title": .string(value: "ship"), "done": .bool(value: true)])
            _ = try txn.create(className: "Task", fields: ["_id": .int(value: 3), "title": .string(value: "write tests")])
        }
        return db
    }

    func testQueryWithArgumentsSortAndLimit() throws {
        let db = try seeded()
        let found = try db.query(
            className: "Task", rql: "title BEGINSWITH $0", args: [.string(value: "write")],
            sort: [SortDescriptor(property: "_id", ascending: false)], limit: nil)
        XCTAssertEqual(found.map { $0.fields["title"] }, [.string(value: "write tests"), .string(value: "write docs")])
        XCTAssertEqual(try db.query(className: "Task", rql: "TRUEPREDICATE", limit: 1).count, 1)
        XCTAssertEqual(try db.count(className: "Task", rql: "done == $0", args: [.bool(value: false)]), 2)
        XCTAssertThrowsError(try db.count(className: "Task", rql: "done ==")) {
            guard case SynclineError.Query = $0 else { return XCTFail("\($0)") }
        }
    }

    func testQueryListenerReceivesChangeSets() throws {
        let db = try seeded()
        let recorder = Recorder()
        let handle = try db.observeQuery(className: "Task", rql: "done == false", args: [], listener: recorder)
        XCTAssertEqual(recorder.events, [.resultsInitial(keys: [.int(value: 1), .int(value: 3)])])

        try db.write { try $0.update(className: "Task", pk: .int(value: 1), fields: ["done": .bool(value: true)]) }
        XCTAssertEqual(
            recorder.events.last,
            .resultsChanged(keys: [.int(value: 3)], changes: ChangeSet(deletions: [0], insertions: [], modifications: [])))

        handle.cancel()
        XCTAssertFalse(handle.isActive())
        try db.write { _ = try $0.create(className: "Task", fields: ["_id": .int(value: 4), "title": .string(value: "x")]) }
        XCTAssertEqual(recorder.events.count, 2)
    }

    func testObjectListenerSeesPropertiesThenDeletion() throws {
        let db = try seeded()
        let recorder = Recorder()
        let handle = try db.observeObject(className: "Task", pk: .int(value: 2), listener: recorder)
        try db.write { try $0.update(className: "Task", pk: .int(value: 2), fields: ["title": .string(value: "shipped")]) }
        guard case .objectChanged(_, let properties) = recorder.events[1] else { return XCTFail("\(recorder.events)") }
        XCTAssertEqual(properties, ["title"])
        try db.write { _ = try $0.delete(className: "Task", pk: .int(value: 2)) }
        XCTAssertEqual(recorder.events.last, .objectDeleted)
        XCTAssertFalse(handle.isActive())
    }

    func testReleasingTheHandleStopsNotifications() throws {
        let db = try seeded()
        let recorder = Recorder()
        var handle: ObserverHandle? = try db.observeQuery(
            className: "Task", rql: "TRUEPREDICATE", args: [], listener: recorder)
        XCTAssertNotNil(handle)
        handle = nil
        try db.write { _ = try $0.create(className: "Task", fields: ["_id": .int(value: 9), "title": .string(value: "x")]) }
        XCTAssertEqual(recorder.events.count, 1)
    }
}

final class SchemaTests: XCTestCase {
    func testTypedSchemaRecordsAndQueriesInsideATransaction() throws {
        let classes = [
            ClassSchema(
                name: "Note",
                properties: [
                    PropertySchema(name: "_id", propertyType: .int, collection: .single, index: .none),
                    PropertySchema(name: "text", propertyType: .string, collection: .single, index: .regular),
                ],
                primaryKey: "_id")
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID().uuidString).db").path
        let db = try Database.openWithClasses(path: path, classes: classes)
        XCTAssertEqual(try db.schema(), classes)
        XCTAssertEqual(try parseSchemaJson(json: try schemaToJson(classes: classes)), classes)
        try db.write { txn in
            _ = try txn.create(className: "Note", fields: ["_id": .int(value: 1), "text": .string(value: "hi")])
            XCTAssertEqual(try txn.count(className: "Note", rql: "text == $0", args: [.string(value: "hi")]), 1)
        }
        db.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}
