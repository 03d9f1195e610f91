@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `zstd` target (see ``FuzzTarget/zstd``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.zstd.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
