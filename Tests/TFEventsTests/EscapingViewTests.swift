import Foundation
import Testing
import TFEventsTestSupport

/// A view that borrows a reader's buffer cannot outlive the reader: code
/// that tries does not compile. Checked by compiling small programs against
/// the package's built modules with the same compiler.
@Suite("Borrowed views cannot escape")
struct EscapingViewTests {
    @Test("using an event while the reader lives compiles")
    func borrowedUseCompiles() throws {
        let result = try ClientCompiler.typecheck("""
            import TFEvents
            func losses(_ path: String) throws -> [Double] {
                var reader = try EventFileReader(path: path)
                var found: [Double] = []
                while let event = try reader.next() {
                    var values = event.summaryValues()
                    while let value = try values.next() {
                        if value.tagEquals("loss"), let scalar = try value.scalar() { found.append(scalar.value) }
                    }
                }
                return found
            }
            """)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("returning an event past its reader does not compile")
    func returningAnEvent() throws {
        let result = try ClientCompiler.typecheck("""
            import TFEvents
            func firstEvent(_ path: String) throws -> EventView? {
                var reader = try EventFileReader(path: path)
                return try reader.next()
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("~Escapable"), "\(result.output)")
    }

    @Test("keeping a value view past the reader's next call does not compile")
    func keepingAcrossNext() throws {
        let result = try ClientCompiler.typecheck("""
            import TFEvents
            func tags(_ path: String) throws -> Int {
                var reader = try EventFileReader(path: path)
                guard let first = try reader.next() else { return 0 }
                _ = try reader.next()            // reads on while `first` is still used below
                return first.payloadLength
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("exclusive access") || result.output.contains("escapes"), "\(result.output)")
    }

    @Test("storing a record view does not compile")
    func storingARecord() throws {
        let result = try ClientCompiler.typecheck("""
            import TFEvents
            struct Keeper { var record: RecordView? }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("~Escapable"), "\(result.output)")
    }

    @Test("even with lifetime annotations, an event cannot outlive a local reader")
    func lifetimeAnnotations() throws {
        let result = try ClientCompiler.typecheck("""
            import TFEvents
            @_lifetime(borrow path)
            func firstEvent(_ path: borrowing String) throws -> EventView? {
                var reader = try EventFileReader(path: copy path)
                return try reader.next()
            }
            """, lifetimes: true)
        #expect(result.status != 0)
        #expect(result.output.contains("lifetime-dependent") || result.output.contains("escapes"), "\(result.output)")
    }
}
