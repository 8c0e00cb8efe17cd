import Foundation
import XCTest

@testable import Syncline

private let people = """
    [{"name": "Person", "primaryKey": "_id", "properties": {
      "_id": "objectId", "name": "string", "age": "int?", "tags": "string[]"}}]
    """
private let added = """
    [{"name": "Person", "primaryKey": "_id", "properties": {
      "_id": "objectId", "name": "string", "age": "int?", "tags": "string[]", "email": "string?"}}]
    """
private let retyped = """
    [{"name": "Person", "primaryKey": "_id", "properties": {
      "_id": "objectId", "name": "string", "age": "string?", "tags": "string[]"}}]
    """

final class SchemaInteropTests: XCTestCase {
    func schemaMessage(_ error: Error) -> String {
        guard case SynclineError.Schema(let message) = error else {
            XCTFail("\(error)")
            return ""
        }
        return message
    }

    func testJsonSchemaRoundTrip() throws {
        let mapping = try schemaToJsonSchema(schemaJson: people)
        XCTAssertTrue(mapping.json.contains("\"title\":\"Person\""), mapping.json)
        XCTAssertTrue(mapping.json.contains("\"bsonType\":\"array\""), mapping.json)
        let back = try schemaFromJsonSchema(jsonSchema: mapping.json)
        XCTAssertEqual(try schemaDiff(oldSchemaJson: people, newSchemaJson: back.json), [])
    }

    func testDiffClassifiesEachChange() throws {
        let addedChanges = try schemaDiff(oldSchemaJson: people, newSchemaJson: added)
        XCTAssertEqual(addedChanges.count, 1)
        XCTAssertEqual(addedChanges.first?.kind, .additive)
        XCTAssertEqual(addedChanges.first?.className, "Person")
        XCTAssertEqual(addedChanges.first?.property, "email")
        let retypedChanges = try schemaDiff(oldSchemaJson: people, newSchemaJson: retyped)
        XCTAssertEqual(retypedChanges.first?.kind, .breaking)
        XCTAssertEqual(retypedChanges.first?.property, "age")
    }

    func testDevelopmentModeAcceptsAdditiveChangesOnly() throws {
        XCTAssertEqual(
            try schemaDevelopmentModeDecision(oldSchemaJson: people, newSchemaJson: added, developmentMode: true).count,
            1)
        XCTAssertThrowsError(
            try schemaDevelopmentModeDecision(oldSchemaJson: people, newSchemaJson: retyped, developmentMode: true)
        ) { XCTAssertTrue(self.schemaMessage($0).contains("age")) }
        XCTAssertThrowsError(
            try schemaDevelopmentModeDecision(oldSchemaJson: people, newSchemaJson: added, developmentMode: false))
    }

    func testSyncRules() throws {
        XCTAssertEqual(try schemaSyncRuleErrors(schemaJson: people, queryableFields: ["name", "tags"]), [])
        let errors = try schemaSyncRuleErrors(schemaJson: people, queryableFields: (0...10).map { "f\($0)" })
        XCTAssertTrue(errors.contains { $0.contains("10") }, "\(errors)")
    }

    func testInferenceFromExtendedJsonLines() throws {
        let lines = """
            {"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}, "n": 1}
            {"_id": {"$oid": "65a1b2c3d4e5f60718293a4c"}, "n": "one"}
            """
        let inference = try schemaInfer(className: "Sample", samples: lines)
        XCTAssertEqual(inference.documents, 2)
        XCTAssertTrue(inference.schemaJson.contains("\"primaryKey\":\"_id\""), inference.schemaJson)
        XCTAssertTrue(inference.schemaJson.contains("mixed"), inference.schemaJson)
        XCTAssertFalse(inference.report.isEmpty)
        XCTAssertThrowsError(try schemaInfer(className: "Sample", samples: "{\"_id\": 1}\nnot json")) {
            XCTAssertTrue(self.schemaMessage($0).contains("line 2"))
        }
    }

    func testModelCodeGeneration() throws {
        XCTAssertTrue(try schemaGenerateModels(schemaJson: people, language: "swift").contains("Person"))
        XCTAssertThrowsError(try schemaGenerateModels(schemaJson: people, language: "cobol")) {
            XCTAssertTrue(self.schemaMessage($0).contains("cobol"))
        }
    }
}
