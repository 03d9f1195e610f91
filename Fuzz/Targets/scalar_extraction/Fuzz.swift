@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `scalar_extraction` target (see ``FuzzTarget/scalarExtraction``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.scalarExtraction.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
