import TFRecord

/// What a scan of one range of a file found, and where it stopped: ranges
/// read by different workers are joined into the summary of the whole file.
package struct PartialScan: RangeReading {
    /// The record boundary the range was read from.
    package var start: Int
    /// Counts, steps and damage of the range.
    package var summary: FileScanSummary
    /// The range's distinct tags.
    package var tags: TagTable
    /// The first record boundary at or after the range's limit, where
    /// reading stopped; nil when the end of the file (or an error that stops
    /// the file) ended the range.
    package var stoppedAtLimit: Int?

    /// Appends `next`, the range read from where this one stopped (see
    /// ``RangeReading/append(_:)``).
    package mutating func append(_ next: PartialScan) {
        let tail = next.summary
        summary.records += tail.records
        summary.events += tail.events
        summary.scalarPoints += tail.scalarPoints
        summary.malformedValues += tail.malformedValues
        summary.corruptRecords += tail.corruptRecords
        summary.skippedBytes += tail.skippedBytes
        summary.unreadable = summary.unreadable || tail.unreadable
        summary.issues.append(contentsOf: tail.issues)
        if summary.firstStep == nil { summary.firstStep = tail.firstStep }
        if let last = tail.lastStep { summary.lastStep = last }
        summary.bytes = tail.bytes
        summary.validEnd = tail.validEnd
        summary.truncatedBytes = tail.truncatedBytes
        for id in 0 ..< next.tags.count { _ = tags.intern(next.tags.tagBytes(id)) }
        summary.distinctTags = tags.count
        stoppedAtLimit = next.stoppedAtLimit
    }
}
