import AsyncHTTPClient
import NIOCore
import TFEventsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension HTTPSession {
    /// Downloads bytes `lower ..< upper` of an object into one buffer.
    ///
    /// A body that stops early (a reset connection, a truncated answer, a
    /// read timeout) is resumed from the first byte not received, with
    /// backoff; so are throttling and server errors. A retry counts
    /// against the attempts only when the previous one brought less than a
    /// quarter of what remained (and less than 64 KiB), so a transfer that
    /// keeps moving is never given up while a dead one, or one trickling a
    /// few bytes per connection, is. The result always holds exactly
    /// `upper - lower` bytes.
    ///
    /// - Parameters:
    ///   - make: the request for bytes `start ..< upper` (with its `Range`).
    ///   - failure: the error for a final answer that is not 200 or 206.
    static func download(_ what: String, _ lower: Int, _ upper: Int,
                         make: @Sendable (_ start: Int) throws(SystemError) -> HTTPExchange,
                         failure: @Sendable (HTTPReply) -> SystemError) async throws(SystemError) -> ByteBuffer {
        let policy = Policy.current
        let wanted = upper - lower
        var buffer = ByteBufferAllocator().buffer(capacity: wanted)
        var failures = 0
        var lastFailure = ""
        func progressed(from before: Int) -> Bool {
            let brought = buffer.readableBytes - before
            return brought >= 64 << 10 || (brought > 0 && brought * 4 >= wanted - before)
        }
        while buffer.readableBytes < wanted {
            if failures >= policy.attempts {
                throw SystemError(code: EIO, detail: "\(what): \(lastFailure) at byte \(lower + buffer.readableBytes) "
                                  + "(gave up after \(policy.attempts) attempts)")
            }
            if failures > 0 { await sleep(policy.delay(attempt: failures)) }
            if Task.isCancelled { throw SystemError(code: ECANCELED, detail: "\(what): cancelled") }
            let start = lower + buffer.readableBytes
            let before = buffer.readableBytes
            do {
                let response = try await client.execute(request(try make(start)), deadline: .now() + .seconds(3600))
                let status = Int(response.status.code)
                guard status == 206 || (status == 200 && start == 0) else {
                    let body = (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer()
                    let reply = HTTPReply(status: status, headers: response.headers, body: body)
                    if isRetryable(status: status) {
                        failures += 1
                        lastFailure = "HTTP \(status)"
                        continue
                    }
                    if status == 200 {
                        throw SystemError(code: EIO, detail: "\(what): the server ignored the byte range (HTTP 200 for a range from \(start))")
                    }
                    throw failure(reply)
                }
                for try await var chunk in response.body {
                    let room = wanted - buffer.readableBytes
                    if chunk.readableBytes > room { chunk.moveWriterIndex(to: chunk.readerIndex + room) }
                    buffer.writeBuffer(&chunk)
                    if buffer.readableBytes == wanted { break }
                }
                if buffer.readableBytes < wanted {
                    lastFailure = "the answer ended early"
                    failures = progressed(from: before) ? 0 : failures + 1
                }
            } catch let error as SystemError {
                throw error
            } catch {
                lastFailure = describe(error)
                failures = progressed(from: before) ? 0 : failures + 1
            }
        }
        return buffer
    }
}
