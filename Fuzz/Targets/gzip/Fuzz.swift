@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `gzip` target (see ``FuzzTarget/gzip``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.gzip.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
