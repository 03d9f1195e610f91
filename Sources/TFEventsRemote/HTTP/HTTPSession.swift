import AsyncHTTPClient
import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TFEventsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One HTTP request, built again (and signed again) for every attempt.
struct HTTPExchange: Sendable {
    var method: HTTPMethod = .GET
    var url: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]?
    /// A local file sent as the body instead, read in chunks as it goes out.
    var bodyFile: FileBody?
}

/// A local file as a request body: its path and the size announced.
struct FileBody: Sendable {
    var path: String
    var size: Int
}

/// A whole response: status, headers and the body (bounded).
struct HTTPReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    /// The body as text, for messages and small documents.
    var text: String { String(buffer: body) }
}

/// The process's HTTP client and the retry rule every request follows.
///
/// Requests are async (SwiftNIO); the readers above are synchronous, so
/// ``HTTPSession/run(_:)`` runs an operation on the client's threads and
/// blocks the calling thread until it ends. Callers are the command's own
/// threads, never the event loops.
enum HTTPSession {
    /// Retries, timeouts and page sizes; the environment can tighten them
    /// (the fault-injection tests do).
    struct Policy: Sendable {
        /// Attempts per request before giving up (`TFEVENTS_REMOTE_ATTEMPTS`).
        var attempts = 8
        /// The first backoff; each retry doubles it up to ``maximumDelay``,
        /// and the wait is drawn uniformly below it ("full jitter").
        var baseDelay = 0.1
        var maximumDelay = 5.0
        /// Seconds without a byte before a connection is given up
        /// (`TFEVENTS_REMOTE_READ_TIMEOUT`).
        var readTimeout: Int64 = 30
        /// Seconds to connect.
        var connectTimeout: Int64 = 10

        static let current: Policy = {
            var policy = Policy()
            if let value = Environment.value("TFEVENTS_REMOTE_ATTEMPTS").flatMap(Int.init), value > 0 { policy.attempts = value }
            if let value = Environment.value("TFEVENTS_REMOTE_READ_TIMEOUT").flatMap(Int64.init), value > 0 { policy.readTimeout = value }
            if let value = Environment.value("TFEVENTS_REMOTE_BACKOFF").flatMap(Double.init), value >= 0 { policy.baseDelay = value }
            return policy
        }()

        /// The wait before retry number `attempt` (1 for the first retry).
        func delay(attempt: Int) -> Double {
            let ceiling = min(maximumDelay, baseDelay * Double(1 << min(attempt - 1, 20)))
            return Double.random(in: 0 ... ceiling)
        }
    }

    /// The client: never shut down (it lives as long as the process).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        let policy = Policy.current
        configuration.timeout = .init(connect: .seconds(policy.connectTimeout), read: .seconds(policy.readTimeout))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    /// Statuses worth another attempt: throttling and server errors.
    static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504 || status == 408
    }

    /// Runs `operation` to its end and returns its result on this thread.
    static func run<T: Sendable>(_ operation: @escaping @Sendable () async throws(SystemError) -> T) throws(SystemError) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, SystemError>?>(nil)
        Task(executorPreference: RemoteExecutor.shared) {
            let outcome: Result<T, SystemError>
            do throws(SystemError) { outcome = .success(try await operation()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// Sends `make()` until it gets an answer that is not throttling or a
    /// server error, retrying resets and timeouts with exponential backoff
    /// and jitter. The body is collected up to `bodyLimit` bytes.
    ///
    /// - Throws: `EIO` naming `what` after the last attempt.
    static func send(_ what: String, bodyLimit: Int = 1 << 20,
                     _ make: @Sendable () throws(SystemError) -> HTTPExchange) async throws(SystemError) -> HTTPReply {
        let policy = Policy.current
        var lastFailure = ""
        for attempt in 1 ... policy.attempts {
            if attempt > 1 { await sleep(policy.delay(attempt: attempt - 1)) }
            let exchange = try make()
            do {
                let status: Int, headers: HTTPHeaders, body: ByteBuffer
                if let file = exchange.bodyFile {
                    (status, headers, body) = try await upload(exchange, file)
                } else {
                    let response = try await client.execute(request(exchange), deadline: .now() + .seconds(600))
                    body = try await response.body.collect(upTo: bodyLimit)
                    (status, headers) = (Int(response.status.code), response.headers)
                }
                if isRetryable(status: status) {
                    lastFailure = "HTTP \(status)"
                    continue
                }
                return HTTPReply(status: status, headers: headers, body: body)
            } catch {
                if error is NIOTooManyBytesError {
                    throw SystemError(code: EFBIG, detail: "\(what): the answer is larger than \(bodyLimit) bytes")
                }
                lastFailure = describe(error)
            }
        }
        throw SystemError(code: EIO, detail: "\(what): \(lastFailure) (gave up after \(policy.attempts) attempts)")
    }

    /// The request AsyncHTTPClient sends for `exchange`.
    static func request(_ exchange: HTTPExchange) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: exchange.url)
        request.method = exchange.method
        for (name, value) in exchange.headers { request.headers.add(name: name, value: value) }
        if let body = exchange.body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// Sends `exchange` with `file` as its body, read 4 MiB at a time as the
    /// connection takes it (memory does not grow with the file).
    ///
    /// Through the client's future-based API: its async one iterates a
    /// streamed body in a task of Swift's cooperative pool, and a caller
    /// blocking threads of that pool (synchronous code called from async
    /// code, as in a test runner) starved it: the server waited for a body
    /// that never came. Here the chunks are written from the event loop.
    static func upload(_ exchange: HTTPExchange, _ file: FileBody) async throws -> (Int, HTTPHeaders, ByteBuffer) {
        let chunk = 4 << 20
        let body = HTTPClient.Body.stream(contentLength: Int64(file.size)) { writer in
            let loop = client.eventLoopGroup.next()
            let handle: FileHandle
            do { handle = try FileHandle(path: file.path, options: .readOnly) } catch { return loop.makeFailedFuture(error) }
            @Sendable func write(from offset: Int) -> EventLoopFuture<Void> {
                guard offset < file.size else { return loop.makeSucceededVoidFuture() }
                let bytes: [UInt8]
                do { bytes = try handle.read(at: offset, count: Swift.min(chunk, file.size - offset)) } catch {
                    return loop.makeFailedFuture(error)
                }
                guard !bytes.isEmpty else {
                    return loop.makeFailedFuture(SystemError(code: EIO, detail: "\(file.path) shrank to \(offset) bytes while being uploaded"))
                }
                return writer.write(.byteBuffer(ByteBuffer(bytes: bytes))).flatMap { write(from: offset + bytes.count) }
            }
            return write(from: 0)
        }
        var headers = HTTPHeaders()
        for (name, value) in exchange.headers { headers.add(name: name, value: value) }
        let request = try HTTPClient.Request(url: exchange.url, method: exchange.method, headers: headers, body: body)
        let response = try await client.execute(request: request, deadline: .now() + .seconds(3600)).get()
        return (Int(response.status.code), response.headers, response.body ?? ByteBuffer())
    }

    /// Sleeps `seconds` (cancellation ends it early).
    static func sleep(_ seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }

    /// A transport error in a sentence.
    static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .remoteConnectionClosed: return "the connection was closed mid-answer"
            case .readTimeout: return "no data for a while (read timeout)"
            case .connectTimeout: return "could not connect (timeout)"
            case .deadlineExceeded: return "the request took too long"
            default: return "\(client)"
            }
        }
        if let io = error as? IOError { return "\(io)" }
        return "\(error)"
    }
}
