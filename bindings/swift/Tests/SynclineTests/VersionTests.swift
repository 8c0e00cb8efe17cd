import XCTest
import Syncline

final class VersionTests: XCTestCase {
    func testVersionComesFromTheNativeLibrary() {
        XCTAssertEqual(version(), "0.1.0")
    }
}
