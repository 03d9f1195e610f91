import Testing
@testable import TFEventsRemote

@Suite("What the stores answer: XML, times, URLs")
struct ResponseParsingTests {
    @Test("a ListObjectsV2 page: keys with entities, sizes, prefixes, the continuation")
    func listing() {
        let xml: Substring = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>runs/</Prefix>
        <Contents><Key>runs/a&amp;b &lt;1&gt;.tfevents</Key><LastModified>2026-11-30T09:54:04.123Z</LastModified>
        <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size></Contents>
        <Contents><Key>runs/&#233;t&#xE9;</Key><Size>0</Size><ETag/></Contents>
        <CommonPrefixes><Prefix>runs/eval/</Prefix></CommonPrefixes>
        <IsTruncated>true</IsTruncated><NextContinuationToken>1/2+3=</NextContinuationToken></ListBucketResult>
        """
        let contents = XMLText.elements("Contents", in: xml)
        #expect(contents.count == 2)
        #expect(XMLText.value("Key", in: contents[0]) == "runs/a&b <1>.tfevents")
        #expect(XMLText.value("ETag", in: contents[0]) == "\"9b2cf535f27731c974343645a3985328\"")
        #expect(XMLText.value("Size", in: contents[0]) == "1234")
        #expect(XMLText.value("Key", in: contents[1]) == "runs/été")
        #expect(XMLText.value("ETag", in: contents[1]) == "")
        #expect(XMLText.values("Prefix", in: XMLText.elements("CommonPrefixes", in: xml)[0]) == ["runs/eval/"])
        #expect(XMLText.value("NextContinuationToken", in: xml) == "1/2+3=")
        #expect(XMLText.value("IsTruncated", in: xml) == "true")
    }

    @Test("RFC 3339 and HTTP dates")
    func times() {
        #expect(Timestamps.seconds(iso8601: "1970-01-01T00:00:00Z") == 0)
        #expect(Timestamps.seconds(iso8601: "2026-11-30T09:54:04.250Z") == 1_796_032_444.25)
        #expect(Timestamps.seconds(httpDate: "Mon, 30 Nov 2026 09:54:04 GMT") == 1_796_032_444)
        #expect(Timestamps.seconds(iso8601: "yesterday") == nil)
        #expect(Timestamps.seconds(httpDate: "Mon, 30 Nov") == nil)
    }

    @Test("bucket URLs")
    func locations() {
        let location = ObjectLocation("gs://bucket/a/b/")
        #expect(location?.service == .gcs)
        #expect(location?.bucket == "bucket")
        #expect(location?.key == "a/b/")
        #expect(location?.directoryPrefix == "a/b/")
        #expect(ObjectLocation("s3://bucket")?.directoryPrefix == "")
        #expect(ObjectLocation("s3://bucket/x")?.child("y").description == "s3://bucket/x/y")
        #expect(ObjectLocation("s3:///key") == nil)
        #expect(ObjectLocation("http://bucket/key") == nil)
        #expect(ObjectLocation("/local/path") == nil)
    }

    @Test("path-style and virtual-hosted S3 addresses")
    func addresses() {
        let custom = S3Client(endpoint: "http://127.0.0.1:8333", region: "us-east-1", credentials: AWSCredentialChain(fixed: nil), pageSize: 1000)
        let path = custom.address(bucket: "logs", key: "run 1/events")
        #expect(path.base == "http://127.0.0.1:8333")
        #expect(path.host == "127.0.0.1:8333")
        #expect(path.path == "/logs/run%201/events")
        let aws = S3Client(endpoint: nil, region: "eu-west-1", credentials: AWSCredentialChain(fixed: nil), pageSize: 1000)
        #expect(aws.address(bucket: "logs", key: "k").host == "logs.s3.eu-west-1.amazonaws.com")
        #expect(aws.address(bucket: "my.logs", key: "k").path == "/my.logs/k")
    }
}
