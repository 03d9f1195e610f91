#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File names are bytes to the kernel and `String`s in this package; this
/// maps one to the other without losing a name.
///
/// A name that is valid UTF-8 is the same string. A byte that is not part
/// of valid UTF-8 (a Latin-1 name, a damaged one) becomes the private-use
/// scalar U+10FC00 + byte (U+10FC80 … U+10FCFF) when a name is read from
/// the system (``string(decoding:)``), and that byte again when the name
/// goes back to it (``withCString(_:_:)``), so such a file can be listed,
/// read and reported. (A name that really contains one of those 128
/// private-use scalars cannot be told apart; none is known to exist.)
/// ``displayText(_:)`` shows such bytes as `\xNN`.
///
/// The system calls of this module taking a path (below) go through it;
/// the rest of the package calls them with `String` paths.
package enum PathBytes {
    /// The scalar standing for raw byte `b` is `escapeBase + b`.
    static let escapeBase: UInt32 = 0x10FC00

    /// The name held in `bytes` (no terminating NUL).
    package static func string<Bytes: Collection<UInt8>>(decoding bytes: Bytes) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var scalars = String.UnicodeScalarView()
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = rest.makeIterator()
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                scalars.append(Unicode.UTF8.decode(encoded))
                rest = rest.dropFirst(encoded.count)
            case .error(let length):
                // Each byte of an invalid sequence stands for itself.
                for byte in rest.prefix(max(1, length)) {
                    scalars.append(Unicode.Scalar(escapeBase + UInt32(byte)) ?? "\u{FFFD}")
                }
                rest = rest.dropFirst(max(1, length))
            case .emptyInput:
                rest = rest.dropFirst(rest.count)
            }
        }
        return String(scalars)
    }

    /// The bytes `path` names, escapes turned back into raw bytes.
    package static func bytes(_ path: String) -> [UInt8] {
        guard path.utf8.contains(0xF4) else { return Array(path.utf8) }  // every escape starts with F4
        var result: [UInt8] = []
        for scalar in path.unicodeScalars {
            let value = scalar.value
            if value >= escapeBase + 0x80 && value <= escapeBase + 0xFF {
                result.append(UInt8(truncatingIfNeeded: value - escapeBase))
            } else {
                result += Array(String(scalar).utf8)
            }
        }
        return result
    }

    /// Calls `body` with `path` as the kernel's NUL-terminated bytes.
    package static func withCString<R, E: Error>(_ path: String,
                                                 _ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        if !path.utf8.contains(0xF4) {
            // String.withCString is untyped: carry the typed error out by hand.
            var failure: E?
            let result = unsafe path.withCString { pointer -> R? in
                do throws(E) { return try unsafe body(pointer) } catch { failure = error; return nil }
            }
            if let failure { throw failure }
            return result!
        }
        var raw = bytes(path)
        raw.append(0)
        return try unsafe raw.withUnsafeBufferPointer { buffer throws(E) -> R in
            try unsafe body(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
    }

    /// `path` for a terminal: raw bytes and control characters as `\\xNN`.
    package static func displayText(_ path: String) -> String {
        guard path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0.value >= escapeBase + 0x80 && $0.value <= escapeBase + 0xFF }) else {
            return path
        }
        var out = ""
        for scalar in path.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || value == 0x7F {
                out += "\\x" + hex(UInt8(value))
            } else if value >= escapeBase + 0x80 && value <= escapeBase + 0xFF {
                out += "\\x" + hex(UInt8(truncatingIfNeeded: value - escapeBase))
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }
}

// MARK: - The system calls taking a path, for `String` paths
//
// Overloads of the C functions: a `String` argument selects these (an exact
// match beats the C function's implicit pointer conversion), so every call
// in the package passes names through ``PathBytes``.

/// `open(2)`.
package func open(_ path: String, _ flags: Int32) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe systemOpenC($0, flags, 0) }
}

/// `open(2)` with a mode for created files.
package func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe systemOpenC($0, flags, mode) }
}

/// `stat(2)`.
package func stat(_ path: String, _ info: UnsafeMutablePointer<stat>) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe systemStat($0, info, follow: true) }
}

/// `lstat(2)`.
package func lstat(_ path: String, _ info: UnsafeMutablePointer<stat>) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe systemStat($0, info, follow: false) }
}

/// `unlink(2)`.
@discardableResult
package func unlink(_ path: String) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe unlinkat(AT_FDCWD, $0, 0) }
}

/// `rmdir(2)`.
package func rmdir(_ path: String) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe unlinkat(AT_FDCWD, $0, AT_REMOVEDIR) }
}

/// `mkdir(2)`.
package func mkdir(_ path: String, _ mode: mode_t) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe mkdirat(AT_FDCWD, $0, mode) }
}

/// `rename(2)`.
package func rename(_ source: String, _ destination: String) -> Int32 {
    unsafe PathBytes.withCString(source) { from in
        unsafe PathBytes.withCString(destination) { to in unsafe renameat(AT_FDCWD, from, AT_FDCWD, to) }
    }
}

/// `link(2)`.
package func link(_ source: String, _ destination: String) -> Int32 {
    unsafe PathBytes.withCString(source) { from in
        unsafe PathBytes.withCString(destination) { to in unsafe linkat(AT_FDCWD, from, AT_FDCWD, to, 0) }
    }
}

/// `chmod(2)`.
package func chmod(_ path: String, _ mode: mode_t) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe fchmodat(AT_FDCWD, $0, mode, 0) }
}

/// `access(2)`.
package func access(_ path: String, _ mode: Int32) -> Int32 {
    unsafe PathBytes.withCString(path) { unsafe faccessat(AT_FDCWD, $0, mode, 0) }
}

/// `opendir(3)`.
package func opendir(_ path: String) -> OpaquePointer? {
    unsafe PathBytes.withCString(path) { unsafe systemOpenDirectory($0) }
}

/// `realpath(3)`, the result decoded; nil with `errno` set on failure.
package func realpath(_ path: String) -> String? {
    unsafe PathBytes.withCString(path) { pointer -> String? in
        guard let resolved = unsafe systemRealpath(pointer) else { return nil }
        defer { unsafe free(resolved) }
        return unsafe PathBytes.string(decoding: UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
    }
}

@inline(__always)
private func systemOpenC(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return unsafe Glibc.openat(AT_FDCWD, path, flags, mode)
    #elseif canImport(Musl)
    return Musl.openat(AT_FDCWD, path, flags, mode)
    #else
    return Darwin.openat(AT_FDCWD, path, flags, mode)
    #endif
}

@inline(__always)
private func systemStat(_ path: UnsafePointer<CChar>, _ info: UnsafeMutablePointer<stat>, follow: Bool) -> Int32 {
    unsafe fstatat(AT_FDCWD, path, info, follow ? 0 : AT_SYMLINK_NOFOLLOW)
}

@inline(__always)
private func systemOpenDirectory(_ path: UnsafePointer<CChar>) -> OpaquePointer? {
    #if canImport(Glibc)
    return unsafe Glibc.opendir(path)
    #elseif canImport(Musl)
    return Musl.opendir(path)
    #else
    return Darwin.opendir(path)
    #endif
}

@inline(__always)
private func systemRealpath(_ path: UnsafePointer<CChar>) -> UnsafeMutablePointer<CChar>? {
    #if canImport(Glibc)
    return unsafe Glibc.realpath(path, nil)
    #elseif canImport(Musl)
    return Musl.realpath(path, nil)
    #else
    return Darwin.realpath(path, nil)
    #endif
}
