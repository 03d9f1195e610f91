@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `zlib` target (see ``FuzzTarget/zlib``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.zlib.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
