import XCTest
import Syncline

// Models generated from core/tests/fixtures/codegen_schema.json (every property type) by
// run-tests.sh (Generated/Models.swift), used with the bindings.
final class ModelsTests: XCTestCase {
    private func sample() -> Todo {
        var todo = Todo(
            _id: "5f1b2c3d4e5f60718293a4b5", name: "write", done: false, progress: 0.5,
            created: Timestamp(seconds: 5, nanos: 7), ref: "00112233-4455-6677-8899-aabbccddeeff",
            counter: 3)
        todo.priority = 2
        todo.tags = ["a", "b"]
        todo.maybe_tags = ["x", nil]
        todo.numbers = [1, 2]
        todo.labels = ["k": "v"]
        todo.weights = ["w": nil, "z": 1.5]
        todo.owner = Link(className: "Member", pk: .string(value: "m1"))
        todo.watchers = [Link(className: "Member", pk: .string(value: "m1"))]
        todo.place = Address(street: "Main", geo: Point())
        todo.stops = [Address(street: "A"), Address(street: "B", number: 4)]
        todo.extra = .string(value: "hi")
        todo.mixes = [.int(value: 1), .null]
        todo.`default` = "d"
        todo.`in` = 5
        todo.two_words = true
        return todo
    }

    func testModelsRoundTripThroughTheDatabase() throws {
        let db = try Database.openTemporary(schemaJson: SynclineSchema.json)
        let todo = sample()
        let tx = try db.beginWrite()
        _ = try tx.create(className: Member.className, fields: Member(_id: "m1").toFields())
        let pk = try tx.create(className: Todo.className, fields: todo.toFields())
        try tx.commit()
        let stored = try XCTUnwrap(try db.get(className: Todo.className, pk: pk))
        let back = try Todo(fields: stored.fields)
        XCTAssertEqual(back.toFields(), todo.toFields())
        XCTAssertEqual(back.maybe_tags, ["x", nil])
        XCTAssertEqual(back.stops.map(\.street), ["A", "B"])
    }

    func testMissingAndMistypedFieldsAreNamed() {
        XCTAssertThrowsError(try Todo(fields: [:])) { error in
            XCTAssertTrue("\(error)".contains("Todo._id is missing"), "\(error)")
        }
        var fields = sample().toFields()
        fields["done"] = .string(value: "yes")
        XCTAssertThrowsError(try Todo(fields: fields)) { error in
            XCTAssertTrue("\(error)".contains("Todo.done: expected bool"), "\(error)")
        }
    }
}
