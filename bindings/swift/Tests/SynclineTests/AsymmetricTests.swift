import Foundation
import XCTest

@testable import Syncline

let ingestSchema = """
    [{"name": "Reading", "primaryKey": "_id", "asymmetric": true,
      "properties": {"_id": "int", "sensor": "string", "celsius": "double"}}]
    """

/// Asymmetric (insert-only) classes: a create returns its key; reading them is an error.
final class AsymmetricTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: dir)
    }

    func testAsymmetricObjectsAreCreatedButNeverRead() throws {
        let db = try Database.open(
            path: dir.appendingPathComponent("ingest.db").path, schemaJson: ingestSchema)
        let pk = try db.write {
            try $0.create(
                className: "Reading",
                fields: ["_id": .int(value: 1), "sensor": .string(value: "s1"), "celsius": .double(value: 21.5)])
        }
        XCTAssertEqual(pk, .int(value: 1))
        XCTAssertThrowsError(try db.query(className: "Reading", rql: "celsius > 20")) {
            guard case SynclineError.Asymmetric(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("class 'Reading' is asymmetric"), message)
        }
        XCTAssertThrowsError(try db.get(className: "Reading", pk: .int(value: 1))) {
            guard case SynclineError.Asymmetric(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("cannot be read"), message)
        }
        XCTAssertThrowsError(
            try db.write {
                try $0.create(
                    className: "Reading",
                    fields: ["_id": .int(value: 2), "sensor": .string(value: "s1"), "celsius": .string(value: "hot")])
            }
        ) {
            guard case SynclineError.InvalidArgument(let message) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("Reading.celsius"), message)
        }
    }
}
