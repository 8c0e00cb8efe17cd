import Foundation
import XCTest

@testable import Syncline

private let v0 = """
    [{"name": "Person", "primaryKey": "_id", "properties": {"_id": "int", "name": "string"}}]
    """
private let v1 = """
    [{"name": "Person", "primaryKey": "_id", "properties": {"_id": "int", "fullName": "string?"}}]
    """

/// Moves `name` to `fullName`, upper-cased; remembers the versions it saw.
final class Rename: MigrationHandler, @unchecked Sendable {
    var versions: (UInt64, UInt64)?

    func migrate(migration: Migration) throws {
        versions = (try migration.oldSchemaVersion(), try migration.newSchemaVersion())
        let txn = migration.transaction()
        for person in try migration.oldObjects(className: "Person") {
            guard case .string(let name) = person.fields["name"] else { throw CallbackError.Failed(reason: "no name") }
            try txn.set(
                className: "Person", pk: person.pk, path: "fullName",
                value: .string(value: name.uppercased()))
        }
    }
}

final class Failing: MigrationHandler, @unchecked Sendable {
    func migrate(migration: Migration) throws {
        try migration.transaction().set(
            className: "Person", pk: .int(value: 1), path: "fullName", value: .string(value: "x"))
        throw CallbackError.Failed(reason: "cannot migrate person 1")
    }
}

final class MigrationTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: dir)
    }

    func v0File() throws -> String {
        let path = dir.appendingPathComponent("people.db").path
        let db = try Database.openWithMigration(path: path, schemaJson: v0, schemaVersion: 0)
        let txn = try db.beginWrite()
        _ = try txn.create(className: "Person", fields: ["_id": .int(value: 1), "name": .string(value: "ada")])
        try txn.commit()
        db.close()
        return path
    }

    func testAMigrationRenamesAField() throws {
        let path = try v0File()
        let rename = Rename()
        let db = try Database.openWithMigration(
            path: path, schemaJson: v1, schemaVersion: 1, migration: rename)
        XCTAssertEqual(rename.versions?.0, 0)
        XCTAssertEqual(rename.versions?.1, 1)
        let person = try XCTUnwrap(try db.get(className: "Person", pk: .int(value: 1)))
        XCTAssertEqual(person.fields["fullName"], .string(value: "ADA"))
        XCTAssertNil(person.fields["name"])
        db.close()
    }

    func testABreakingChangeWithoutMigrationIsASchemaError() throws {
        let path = try v0File()
        XCTAssertThrowsError(try Database.openWithMigration(path: path, schemaJson: v1, schemaVersion: 0)) {
            guard case SynclineError.Schema(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("Person"), message)
            XCTAssertTrue(message.contains("migration"), message)
        }
    }

    func testAFailingMigrationRollsBackWithItsMessage() throws {
        let path = try v0File()
        XCTAssertThrowsError(
            try Database.openWithMigration(path: path, schemaJson: v1, schemaVersion: 1, migration: Failing())
        ) {
            guard case SynclineError.Callback(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("cannot migrate person 1"), message)
        }
        let db = try Database.open(path: path, schemaJson: v0)
        XCTAssertEqual(try db.get(className: "Person", pk: .int(value: 1))?.fields["name"], .string(value: "ada"))
        db.close()
    }
}
