// swift-tools-version:5.9
// The task tracker in Swift, using the Syncline package (bindings/swift).
import PackageDescription

let package = Package(
    name: "TaskTracker",
    dependencies: [.package(path: "../../../bindings/swift")],
    targets: [
        .executableTarget(
            name: "task-tracker",
            dependencies: [.product(name: "Syncline", package: "swift")],
            path: "Sources/task-tracker"
        ),
    ]
)
