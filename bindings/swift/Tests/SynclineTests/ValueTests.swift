import Foundation
import XCTest

@testable import Syncline

/// Every property type crosses the boundary and comes back equal.
final class ValueTests: XCTestCase {
    let schema = """
        [{"name": "Address", "embedded": true, "properties": {"street": "string", "zip": "int?"}},
         {"name": "Owner", "primaryKey": "_id", "properties": {"_id": "uuid"}},
         {"name": "Everything", "primaryKey": "_id", "properties": {
           "_id": "objectId", "b": "bool", "i": "int", "f": "float", "d": "double", "s": "string",
           "bin": "data", "date": "date", "oid": "objectId", "u": "uuid", "dec": "decimal128",
           "any": "mixed", "owner": "Owner", "address": "Address",
           "list": "int[]", "set": "string<>", "dict": "double{}", "addresses": "Address[]",
           "maybe": "string?"}}]
        """

    func testEveryPropertyTypeRoundTrips() throws {
        let db = try Database.openTemporary(schemaJson: schema)
        let owner = "67e55044-10b1-426f-9247-bb680e5fe0c8"
        let fields: [String: Value] = [
            "_id": .objectId(hex: "5f1b2c3d4e5f601122334455"),
            "b": .bool(value: true),
            "i": .int(value: Int64.min),
            "f": .float(value: 1.5),
            "d": .double(value: -2.25),
            "s": .string(value: "héllo ✓"),
            "bin": .binary(value: Data([0, 1, 255])),
            "date": .date(value: Timestamp(seconds: 1_700_000_000, nanos: 123_456_789)),
            "oid": .objectId(hex: "000000000000000000000001"),
            "u": .uuid(value: owner),
            "dec": .decimal128(value: "12.50"),
            "any": .string(value: "mixed"),
            "owner": .link(value: Link(className: "Owner", pk: .uuid(value: owner))),
            "address": .embedded(fields: ["street": .string(value: "Main"), "zip": .int(value: 1234)]),
            "list": .list(values: [.int(value: 3), .int(value: 1), .int(value: 3)]),
            "set": .set(values: [.string(value: "a"), .string(value: "b")]),
            "dict": .dictionary(entries: ["x": .double(value: 0.5)]),
            "addresses": .list(values: [.embedded(fields: ["street": .string(value: "Side"), "zip": .null])]),
            "maybe": .null,
        ]
        let pk = try db.write { txn -> PrimaryKey in
            _ = try txn.create(className: "Owner", fields: ["_id": .uuid(value: owner)])
            return try txn.create(className: "Everything", fields: fields)
        }
        let stored = try XCTUnwrap(try db.get(className: "Everything", pk: pk)).fields
        for (name, expected) in fields {
            XCTAssertEqual(stored[name], expected, name)
        }
        db.close()
    }
}
