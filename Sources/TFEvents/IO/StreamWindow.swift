/// The buffer a ``RecordReader`` reads a ``ByteStream`` into.
///
/// Bytes are consumed from the front; a refill moves the unconsumed tail
/// (at most one partial record) to the start and reads after it, so a record
/// that straddles two reads is copied once. The buffer grows only when one
/// record is larger than it, and then only as its bytes actually arrive:
/// a length field alone never causes an allocation of that length.
public final class StreamWindow {
    let stream: any ByteStream
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes of `storage` holding data.
    private(set) var filled = 0
    /// True once the stream returned 0.
    private(set) var reachedEnd = false

    /// Default window size: 1 MiB.
    public static let defaultCapacity = 1 << 20

    init(stream: any ByteStream, capacity: Int = StreamWindow.defaultCapacity) {
        self.stream = stream
        self.capacity = max(capacity, TFRecordLayout.headerLength)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage, count: filled)
    }

    /// Discards `storage[0 ..< keepFrom]`, then reads until at least `needed`
    /// bytes (counted from `keepFrom`) are buffered or the stream ends.
    ///
    /// - Returns: the number of bytes discarded (the new buffer starts at the
    ///   old `keepFrom`).
    func refill(keepFrom: Int, needed: Int) throws(ByteStreamError) -> Int {
        precondition(keepFrom <= filled)
        let kept = filled - keepFrom
        if keepFrom > 0 && kept > 0 {
            // One copy of the partial record to the front.
            storage.copyMemory(from: storage + keepFrom, byteCount: kept)
        }
        filled = kept
        while filled < needed && !reachedEnd {
            if filled == capacity { grow(toAtLeast: needed) }
            let target = UnsafeMutableRawBufferPointer(start: storage + filled, count: capacity - filled)
            let count = try stream.read(into: target)
            if count == 0 { reachedEnd = true } else { filled += count }
        }
        return keepFrom
    }

    /// Doubles the buffer (but never past `limit`), keeping its content.
    private func grow(toAtLeast limit: Int) {
        let newCapacity = min(max(capacity * 2, TFRecordLayout.headerLength), limit)
        guard newCapacity > capacity else { return }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newStorage.copyMemory(from: storage, byteCount: filled)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }
}
