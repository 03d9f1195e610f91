import TFEventsSystem

/// Turns on `s3://` and `gs://` URLs wherever the library takes a path.
///
/// ```swift
/// import TFEvents
/// import TFEventsRemote
///
/// RemoteStorage.install()
/// let log = try ScalarLog(paths: ["gs://my-bucket/runs/model/eval"])
/// ```
///
/// Credentials are found as the AWS CLI and Google's client libraries find
/// them (see the README); nothing is read or contacted until a URL is used.
public enum RemoteStorage {
    /// Registers the S3 and GCS stores. Calling it again does nothing new.
    public static func install() {
        ObjectStores.register(RemoteStore { () throws(SystemError) -> any ObjectService in S3Client.fromEnvironment() }, scheme: "s3")
        ObjectStores.register(RemoteStore { () throws(SystemError) -> any ObjectService in try GCSClient.fromEnvironment() }, scheme: "gs")
    }
}
