import AccessLog
import Foundation
import Testing

@testable import Agent

/// Page views and assets as issue 12's rules have them.
@Suite("Request classification")
struct RequestClassifierTests {
    func pageView(_ method: String, _ status: Int32, methodLogged: Bool = true) -> Bool {
        Array(method.utf8).withUnsafeBytes {
            RequestClassifier.isPageView(method: $0, status: status, methodLogged: methodLogged)
        }
    }

    @Test("a page view is GET or POST with 2xx or 304; a request line without a method is none")
    func pageViewsByMethodAndStatus() {
        #expect(pageView("GET", 200) && pageView("POST", 201) && pageView("GET", 299) && pageView("GET", 304))
        #expect(!pageView("GET", 300) && !pageView("GET", 404) && !pageView("HEAD", 200) && !pageView("get", 200))
        // `""`, `"-"` and `" /path HTTP/1.1"`: the format logs a method, and these have none.
        #expect(!pageView("", 200))
        // A format that logs no method at all: the status decides.
        #expect(pageView("", 200, methodLogged: false) && !pageView("", 404, methodLogged: false))
    }

    func isAsset(_ path: String, _ extensions: [String] = Classification.defaultAssetExtensions) throws -> Bool {
        let classifier = try RequestClassifier(Classification(assetExtensions: extensions))
        return Array(path.utf8).withUnsafeBytes { classifier.isAsset($0) }
    }

    @Test("assets by the last segment's extension, in any case; long and dotted extensions too")
    func assetExtensions() throws {
        #expect(try isAsset("/img/LOGO.PNG") && isAsset("/css/print.Css") && isAsset("/.css"))
        #expect(
            try !isAsset("/img.png/") && !isAsset("/a.css.php") && !isAsset("/css") && !isAsset("/site.webmanifest"))
        let more = Classification.assetExtensions(["default", "webmanifest", "tar.gz", "JSON"])
        #expect(try isAsset("/site.webmanifest", more) && isAsset("/Site.WEBMANIFEST", more))
        #expect(try isAsset("/dist/x-1.0.tar.gz", more) && isAsset("/api/items.json", more) && isAsset("/a.png", more))
        #expect(try !isAsset("/x.gz", more) && !isAsset("/webmanifest", more) && !isAsset("/tar.gz/", more))
    }

    @Test("an empty or `-` request line of a combined log is no page view")
    func requestLinesWithoutMethod() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("classify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("access.log").path
        let ua = "Mozilla/5.0 (Windows NT 10.0; rv:120.0) Gecko/20100101 Firefox/120.0"
        let requests = ["", "-", " /index.html HTTP/1.1", "GET / HTTP/1.1", "GET"]
        let lines = requests.enumerated().map { i, request in
            "10.0.0.\(i + 1) - - [10/Mar/2024:06:00:00 +0000] \"\(request)\" 200 10 \"-\" \"\(ua)\"\n"
        }
        try lines.joined().write(toFile: log, atomically: true, encoding: .utf8)
        var pipeline = try SourcePipeline(
            options: PipelineOptions(formats: [try LogFormat.preset(named: "combined")], host: "example.com"))
        try pipeline.read(path: log)
        var pageViews: [String: Int64] = [:]
        try pipeline.finish { session in
            pageViews[String(decoding: session.client, as: UTF8.self)] = session.visit?.pageViews
        }
        #expect(pageViews == ["10.0.0.1": 0, "10.0.0.2": 0, "10.0.0.3": 0, "10.0.0.4": 1, "10.0.0.5": 1])
    }
}
