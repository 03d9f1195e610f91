import ArgumentParser
import TFEvents

extension ScalarsCommand {
    /// Every point of the files under `paths`, read one file after another,
    /// as one Arrow stream.
    func runArrow() throws {
        var writer = ArrowScalarOutput.writer(includingPath: pathColumn)
        let filter = TagFilter(patterns: tagPatterns)
        var corrupt = false
        var unreadable = false
        for root in paths.sorted(by: FilePaths.bytewiseLess) {
            let (files, failed) = runs.expand([root])
            unreadable = unreadable || failed
            for file in files {
                let run = writer.id(run: ArrowScalarOutput.run(of: file, root: root))
                let path = pathColumn ? writer.id(path: file) : 0
                // Tag id of the file -> dictionary id, or -1 when filtered out.
                var tagIDs: [Int32] = []
                let undecided: Int32 = -2
                let summary = FileScanner(options: reading.recordOptions).scan(path: file) { point in
                    let id = point.tagID
                    if id >= tagIDs.count { tagIDs.append(contentsOf: repeatElement(undecided, count: id + 1 - tagIDs.count)) }
                    if tagIDs[id] == undecided {
                        let tag = point.tag
                        tagIDs[id] = filter.matches(tag) ? writer.id(tag: tag) : -1
                    }
                    let tag = tagIDs[id]
                    guard tag >= 0 else { return }
                    writer.append(run: run, tag: tag, path: path, step: point.step, wallTime: point.wallTime,
                                  value: point.scalar.value)
                }
                for issue in summary.issues { StandardError.report("\(file): \(issue.message)") }
                corrupt = corrupt || summary.hasCorruption
                unreadable = unreadable || summary.unreadable
            }
        }
        ArrowScalarOutput.finish(&writer)
        if unreadable { throw ExitCode(ExitStatus.usage) }
        if corrupt { throw ExitCode(ExitStatus.corruption) }
    }

    /// The points from the log directory's index as one Arrow stream: each
    /// stored chunk's columns appended to the batch being filled, with no
    /// call or string per point.
    func runArrowFromIndex(_ index: LogdirIndex, report: IndexUpdateReport, logdir: String) throws {
        var writer = ArrowScalarOutput.writer(includingPath: pathColumn)
        let filter = TagFilter(patterns: tagPatterns)
        let prefix = logdir.hasSuffix("/") ? logdir : logdir + "/"
        // Per file: its tag list mapped once to dictionary ids (-1: filtered out).
        var currentFile = ""
        var run: Int32 = 0, path: Int32 = 0
        var tagIDs: [Int32] = []
        var known: [String: Int32] = [:]
        let undecided: Int32 = -2
        do {
            try index.forEachScalarChunk { file, columns in
                if file.relativePath != currentFile {
                    currentFile = file.relativePath
                    run = writer.id(run: ArrowScalarOutput.run(of: prefix + currentFile, root: logdir))
                    if pathColumn { path = writer.id(path: prefix + currentFile) }
                    tagIDs = [Int32](repeating: undecided, count: file.tags.count)
                }
                // Dictionary ids in the order tags first have a point, as
                // the direct reading gives them (a file's tag list also
                // names tags without scalars).
                for tagIndex in columns.pointTags where tagIDs[Int(tagIndex)] == undecided {
                    let name = file.tags[Int(tagIndex)].name
                    if let id = known[name] {
                        tagIDs[Int(tagIndex)] = id
                    } else {
                        let id = filter.matches(name) ? writer.id(tag: name) : -1
                        known[name] = id
                        tagIDs[Int(tagIndex)] = id
                    }
                }
                writer.append(run: run, path: path, tagIDs: tagIDs, pointTags: columns.pointTags,
                              pointEvents: columns.pointEvents, eventSteps: columns.eventSteps,
                              eventWallTimes: columns.eventWallTimes, values: columns.values)
            }
        } catch {
            ArrowScalarOutput.finish(&writer)
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        ArrowScalarOutput.finish(&writer)
        if !report.problems.isEmpty { throw ExitCode(ExitStatus.usage) }
        if index.files.contains(where: { $0.corruptRecords > 0 || $0.skippedBytes > 0 }) {
            throw ExitCode(ExitStatus.corruption)
        }
    }
}
