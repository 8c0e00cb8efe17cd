// Swift conveniences over uniffi's generated API: a closure write transaction. It only adapts
// the calling convention; every rule lives in the Rust core.
import Foundation

/// Runs a Swift closure as a `WriteBlock` and keeps what it returned or threw.
private final class ClosureWriteBlock<T>: WriteBlock, @unchecked Sendable {
    // Set once, on the thread that runs the transaction, before `write` returns.
    private let body: (WriteTransaction) throws -> T
    var result: Result<T, Error>?

    init(_ body: @escaping (WriteTransaction) throws -> T) {
        self.body = body
    }

    func run(transaction: WriteTransaction) throws {
        let outcome = Result { try body(transaction) }
        result = outcome
        if case .failure(let error) = outcome {
            throw CallbackError.Failed(reason: String(describing: error))
        }
    }
}

extension Database {
    /// Runs `body` in a write transaction: committed when it returns, rolled back entirely
    /// when it throws, and the error `body` threw is rethrown unchanged.
    @discardableResult
    public func write<T>(_ body: @escaping (WriteTransaction) throws -> T) throws -> T {
        let block = ClosureWriteBlock(body)
        do {
            try write(block: block)
        } catch SynclineError.Callback(let message) {
            if case .failure(let error)? = block.result { throw error }
            throw SynclineError.Callback(message: message)
        }
        guard case .success(let value)? = block.result else {
            throw SynclineError.Callback(message: "the write block did not run")
        }
        return value
    }
}
