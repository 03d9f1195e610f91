import TFEventsSystem

/// An object of a remote store (see ``ObjectStores``) as a ``ByteStream``:
/// the record reader pulls it through its window like a pipe.
final class ObjectReaderStream: ByteStream {
    private let reader: any ObjectReader

    init(_ reader: any ObjectReader) {
        self.reader = reader
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        do { return try unsafe reader.read(into: buffer) } catch { throw .io(error) }
    }
}
