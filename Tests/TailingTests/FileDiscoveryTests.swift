import Testing

@testable import Tailing

@Suite("Finding log files")
struct FileDiscoveryTests {
    @Test(arguments: [
        ("/var/log/nginx/{host}.access.log", "/var/log/nginx/www.example.com.access.log", "www.example.com"),
        ("/l/{host}/access.log", "/l/Shop.Example.org/access.log", "shop.example.org"),
        ("/l/{host}-*.log", "/l/my-site.com-access.log", "my-site.com"),
        ("/l/access-{host}.log", "/l/access-blog.example.log", "blog.example"),
        ("/l/*/{host}.log", "/l/x/a.example.log", "a.example"),
    ])
    func hostIsCapturedFromThePath(pattern: String, path: String, host: String) {
        #expect(FileDiscovery.capture(pattern, path) == host)
    }

    @Test func patternsWithoutHostCaptureNothing() {
        #expect(FileDiscovery.capture("/var/log/nginx/access.log", "/var/log/nginx/access.log") == nil)
    }
}
