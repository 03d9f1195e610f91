import TFEventsSystem

/// `~/.aws/credentials` and `~/.aws/config`, as the AWS CLI reads them: INI
/// sections of `key = value` lines; in the config file a profile's section
/// is `[profile NAME]` (but `[default]`).
struct AWSConfigFiles: Sendable {
    /// The profile in use: `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else
    /// `default`.
    let profile: String
    /// Settings of that profile in the credentials file.
    let credentials: [String: String]
    /// Settings of that profile in the config file.
    let config: [String: String]
    /// The two files' paths, for messages.
    let credentialsPath: String
    let configPath: String

    /// Reads the files named by the environment (`AWS_SHARED_CREDENTIALS_FILE`,
    /// `AWS_CONFIG_FILE`) or under `~/.aws`. Missing files are empty.
    static func load(environment: (String) -> String? = Environment.value) -> AWSConfigFiles {
        let home = environment("HOME") ?? ""
        let profile = environment("AWS_PROFILE") ?? environment("AWS_DEFAULT_PROFILE") ?? "default"
        let credentialsPath = environment("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
        let configPath = environment("AWS_CONFIG_FILE") ?? home + "/.aws/config"
        let credentialSections = parse(text(credentialsPath))
        let configSections = parse(text(configPath))
        let configSection = profile == "default" ? "default" : "profile " + profile
        return AWSConfigFiles(profile: profile, credentials: credentialSections[profile] ?? [:],
                              config: configSections[configSection] ?? configSections[profile] ?? [:],
                              credentialsPath: credentialsPath, configPath: configPath)
    }

    private static func text(_ path: String) -> String {
        guard let bytes = try? FileOperations.readFile(path) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sections of an INI text: `[name]` headers and `key = value` lines;
    /// `#` and `;` start comments; keys are lower-cased. Indented lines
    /// (nested settings such as `s3 =` blocks) are skipped.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast()).trimmingSpaces
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingSpaces.lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingSpaces
            sections[section]?[key] = value
        }
        return sections
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first ... last]))
    }
}
