import Foundation
import XCTest

@testable import Syncline

let taskSchema = """
    [{"name": "Task", "primaryKey": "_id", "properties": {
       "_id": "int", "title": "string", "done": {"type": "bool", "default": false},
       "tags": "string[]"}}]
    """

struct ChangedMyMind: Error, Equatable {}

final class DatabaseTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: dir)
    }

    func open() throws -> Database {
        try Database.open(path: dir.appendingPathComponent("test.db").path, schemaJson: taskSchema)
    }

    func task(_ id: Int64, _ title: String) -> [String: Value] {
        ["_id": .int(value: id), "title": .string(value: title)]
    }

    func testVersionComesFromTheNativeLibrary() {
        XCTAssertEqual(version(), "0.1.0")
    }

    func testCreateGetUpdateDeleteInWriteClosures() throws {
        let db = try open()
        let pk = try db.write { try $0.create(className: "Task", fields: self.task(1, "Write docs")) }
        XCTAssertEqual(pk, .int(value: 1))
        let stored = try XCTUnwrap(try db.get(className: "Task", pk: pk))
        XCTAssertEqual(stored.fields["title"], .string(value: "Write docs"))
        XCTAssertEqual(stored.fields["done"], .bool(value: false))

        try db.write { try $0.update(className: "Task", pk: pk, fields: ["done": .bool(value: true)]) }
        XCTAssertEqual(try db.get(className: "Task", pk: pk)?.fields["done"], .bool(value: true))

        XCTAssertTrue(try db.write { try $0.delete(className: "Task", pk: pk) })
        XCTAssertNil(try db.get(className: "Task", pk: pk))
    }

    func testAThrowingClosureRollsBackAndRethrowsItsError() throws {
        let db = try open()
        XCTAssertThrowsError(
            try db.write { txn in
                _ = try txn.create(className: "Task", fields: self.task(7, "never stored"))
                throw ChangedMyMind()
            }
        ) { error in
            XCTAssertEqual(error as? ChangedMyMind, ChangedMyMind())
        }
        XCTAssertNil(try db.get(className: "Task", pk: .int(value: 7)))
    }

    func testErrorsCarryTheCoresMessage() throws {
        let db = try open()
        try db.write { _ = try $0.create(className: "Task", fields: self.task(1, "a")) }
        XCTAssertThrowsError(try db.write { _ = try $0.create(className: "Task", fields: self.task(1, "b")) }) {
            guard case SynclineError.Conflict(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("already exists"), message)
        }
        XCTAssertThrowsError(try db.get(className: "Nope", pk: .int(value: 1))) {
            guard case SynclineError.InvalidArgument(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("Nope"), message)
        }
        XCTAssertThrowsError(
            try Database.open(
                path: dir.appendingPathComponent("bad.db").path,
                schemaJson: #"[{"name": "X", "properties": {"a": "no-such-type"}}]"#)
        ) {
            guard case SynclineError.Schema(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("no-such-type"), message)
        }
    }

    func testUseAfterCloseThrowsClosed() throws {
        let db = try open()
        db.close()
        XCTAssertTrue(db.isClosed())
        XCTAssertThrowsError(try db.get(className: "Task", pk: .int(value: 1))) {
            guard case SynclineError.Closed = $0 else { return XCTFail("\($0)") }
        }
        db.close()
    }

    func testReleasingTheLastReferenceFreesTheNativeDatabase() throws {
        var db: Database? = try Database.openTemporary(schemaJson: taskSchema)
        let path = try XCTUnwrap(db).path()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        db = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testExplicitTransactionsAndBatches() throws {
        let db = try open()
        let txn = try db.beginWrite()
        let pks = try txn.createMany(
            className: "Task", objects: (1...50).map { self.task(Int64($0), "task \($0)") })
        try txn.commit()
        XCTAssertEqual(pks.count, 50)
        XCTAssertFalse(txn.isOpen())
        XCTAssertThrowsError(try txn.commit())

        let cancelled = try db.beginWrite()
        _ = try cancelled.create(className: "Task", fields: task(99, "dropped"))
        try cancelled.cancel()
        let fetched = try db.getMany(className: "Task", pks: [.int(value: 5), .int(value: 99)])
        XCTAssertEqual(fetched[0]?.fields["title"], .string(value: "task 5"))
        XCTAssertNil(fetched[1])
    }

    func testThreadsShareOneDatabase() throws {
        let db = try open()
        let failures = NSLock()
        var errors: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                for i in 0..<25 {
                    let id = Int64(worker * 100 + i)
                    try db.write { _ = try $0.create(className: "Task", fields: self.task(id, "t\(id)")) }
                }
            } catch {
                failures.lock()
                errors.append(error)
                failures.unlock()
            }
        }
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(try db.objects(className: "Task").count, 100)
    }

    func testSchemaInspection() throws {
        let db = try open()
        let classes = try db.schema()
        XCTAssertEqual(classes.map(\.name), ["Task"])
        XCTAssertEqual(classes[0].primaryKey, "_id")
        let tags = try XCTUnwrap(classes[0].properties.first { $0.name == "tags" })
        XCTAssertEqual(tags.propertyType, .string)
        XCTAssertEqual(tags.collection, .list)
    }
}
