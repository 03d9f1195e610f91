import ArgumentParser
import Dispatch
import Synchronization
import TFEvents

extension ScalarsCommand {
    /// Every point of the files under `paths` as one Arrow stream: files
    /// are read on worker threads (one per core, or --jobs) into blocks of
    /// point columns, which this thread appends to the stream in file
    /// order, so the stream is the one a single reader writes.
    func runArrow() throws {
        var writer = ArrowScalarOutput.writer(includingPath: pathColumn)
        let filter = TagFilter(patterns: tagPatterns)
        var corrupt = false
        var unreadable = false
        // Each file with the directory given it was found under (runs are
        // named relative to it).
        var files: [(path: String, root: String)] = []
        for root in paths.sorted(by: FilePaths.bytewiseLess) {
            let (found, failed) = runs.expand([root])
            unreadable = unreadable || failed
            files += found.map { ($0, root) }
        }
        let options = reading.recordOptions
        let paths = files.map(\.path)
        let workers = min(location.jobs ?? ObjectStores.defaultReaders(for: paths, cores: IndexOptions().jobs), files.count)
        let (ordered, group) = PointBlock.read(paths, workers: workers,
                                               blocksPerFile: OrderedFiles.pointBlocksPerFile(workers: workers), options: options)
        for (index, file) in files.enumerated() {
            let run = writer.id(run: ArrowScalarOutput.run(of: file.path, root: file.root))
            let path = pathColumn ? writer.id(path: file.path) : 0
            // Tag id of the file -> dictionary id, or -1 when filtered out,
            // decided in the order points first use them.
            var names: [String] = []
            var tagIDs: [Int32] = []
            let undecided: Int32 = -2
            let summary = ordered.drain(file: index) { block in
                for (id, name) in block.newTags {
                    if Int(id) >= names.count {
                        names += repeatElement("", count: Int(id) + 1 - names.count)
                        tagIDs += repeatElement(undecided, count: Int(id) + 1 - tagIDs.count)
                    }
                    names[Int(id)] = name
                }
                for tag in block.tags where tagIDs[Int(tag)] == undecided {
                    tagIDs[Int(tag)] = filter.matches(names[Int(tag)]) ? writer.id(tag: names[Int(tag)]) : -1
                }
                writer.append(run: run, path: path, tagIDs: tagIDs, pointTags: block.tags, pointEvents: PointBlock.identity,
                              eventSteps: block.steps, eventWallTimes: block.wallTimes, values: block.values)
                block.removeAll()
            }
            for issue in summary.issues { StandardError.report("\(file.path): \(issue.message)") }
            corrupt = corrupt || summary.hasCorruption
            unreadable = unreadable || summary.unreadable
        }
        group.wait()
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
