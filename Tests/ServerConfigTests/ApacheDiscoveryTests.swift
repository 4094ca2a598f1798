import AccessLog
import Testing

@testable import ServerConfig

/// Apache configurations written for the tests, laid out as Debian lays out /etc/apache2: envvars,
/// apache2.conf, and sites included from sites-enabled.
@Suite("Apache discovery")
struct ApacheDiscoveryTests {
    static let sites: [String: String] = [
        "apache2/envvars": #"""
        unset HOME
        if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
        	SUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
        else
        	SUFFIX=
        fi
        export APACHE_LOG_DIR=@ROOT@/log/apache2$SUFFIX
        export APACHE_ARGUMENTS='-D WITH_STATUS -DOTHER'
        """#,
        "apache2/apache2.conf": #"""
        ServerName main.example.com
        LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
        Define SITES sites-enabled
        IncludeOptional mods-enabled/*.load
        IncludeOptional nothing-here/*.conf
        Include missing.conf
        LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
        LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
        LogFormat "%h %l %u %t \"%r\" %>s %O" common
        LogFormat "%{X-Forwarded-For}i %h %l %u %t \"%r\" %>s %b %D \"%{User-agent}i\"" proxy
        <IfModule log_config_module>
            CustomLog ${APACHE_LOG_DIR}/other_vhosts_access.log vhost_combined
        </IfModule>
        <IfModule !mod_log_config.c>
            CustomLog ${APACHE_LOG_DIR}/never.log combined
        </IfModule>
        <IfDefine WITH_STATUS>
            CustomLog ${APACHE_LOG_DIR}/status.log "%h %t \"%r\" %>s" env=status
        </IfDefine>
        <IfDefine !OTHER>
            CustomLog ${APACHE_LOG_DIR}/never2.log common
        </IfDefine>
        <IfModule mod_ssl.c>
            <VirtualHost *:443>
                ServerName secure.example.com
                CustomLog ${APACHE_LOG_DIR}/ssl.log combined
            </VirtualHost>
        </IfModule>
        <Directory /var/www>
            CustomLog ${APACHE_LOG_DIR}/not-allowed-here.log combined
        </Directory>
        IncludeOptional ${SITES}/*.conf
        """#,
        "apache2/sites-enabled/a.conf": #"""
        <VirtualHost *:80>
            ServerName https://www.a.example:443
            ServerAlias a.example
            CustomLog ${APACHE_LOG_DIR}/a.log combined
            CustomLog "|/usr/bin/rotatelogs ${APACHE_LOG_DIR}/a.%Y%m%d.log 86400" combined
        </VirtualHost>
        """#,
        "apache2/sites-enabled/b.conf": #"""
        <VirtualHost *:80>
            ServerName b.example
            CustomLog "${APACHE_LOG_DIR}/b.log" "%v %h %l %u %t \"%r\" %>s %b"
            SetEnvIf Request_URI "^/health$" dontlog
            CustomLog ${APACHE_LOG_DIR}/b-proxy.log proxy env=!dontlog
        </VirtualHost>
        """#,
        "apache2/sites-enabled/c.conf": """
        <VirtualHost *:80>
            ServerName c.example
        </VirtualHost>
        <VirtualHost *:8080>
        </VirtualHost>
        """,
        "apache2/sites-enabled/d.conf": #"""
        <VirtualHost *:80>
            ServerName d1.example
            CustomLog ${APACHE_LOG_DIR}/shared.log combined
        </VirtualHost>
        <VirtualHost *:80>
            ServerName d2.example
            CustomLog ${APACHE_LOG_DIR}/shared.log combined
        </VirtualHost>
        """#,
        "apache2/sites-enabled/e.conf": #"""
        <VirtualHost *:80>
            ServerName e.example
            # The virtual host's own "combined", defined after it is used: nicknames resolve at the end.
            CustomLog logs/e.log combined
            LogFormat "%h %t \"%r\" %>s" combined
            LogFormat common
            TransferLog ${APACHE_LOG_DIR}/e-transfer.log
            CustomLog ${UNDEFINED_DIR}/e.log common
        </VirtualHost>
        """#,
    ]

    @Test func everyLogOfAFewSites() throws {
        let tree = try ConfigTree()
        try tree.write(Self.sites)
        try tree.makeDirectory("apache2/mods-enabled")
        let result = try Discovery.run(nginx: nil, apache: tree.path("apache2/apache2.conf"))
        let log = tree.path("log/apache2")
        #expect(
            result.sources.map(\.paths) == [
                ["\(log)/other_vhosts_access.log"], ["\(log)/status.log"], ["\(log)/a.log"], ["\(log)/b.log"],
                ["\(log)/b-proxy.log"], ["\(log)/shared.log"], [tree.path("apache2/logs/e.log")],
                ["\(log)/e-transfer.log"], [tree.path("apache2/${UNDEFINED_DIR}/e.log")],
            ])
        #expect(
            result.sources.map(\.name) == [
                "apache-other-vhosts", "apache-status", "apache-a", "apache-b", "apache-b-proxy", "apache-shared",
                "apache-e", "apache-e-transfer", "apache-e-2",
            ])

        // The main server's log, also written by c.example and the unnamed *:8080 (which has the main's name).
        let vhosts = try source(result.sources, path: "\(log)/other_vhosts_access.log")
        #expect(vhosts.format == .preset("vhost_combined") && vhosts.host == nil)
        #expect(vhosts.notes.isEmpty)  // the format has %v

        let status = try source(result.sources, path: "\(log)/status.log")
        #expect(status.format == .string(#"%h %t "%r" %>s"#))
        #expect(status.notes.map(\.message).contains("only some requests are logged (env=status)"))

        let a = try source(result.sources, path: "\(log)/a.log")
        #expect(a.format == .preset("combined") && a.host == "www.a.example")

        let b = try source(result.sources, path: "\(log)/b.log")
        #expect(b.format == .string(#"%v %h %l %u %t "%r" %>s %b"#) && b.host == nil)
        let proxy = try source(result.sources, path: "\(log)/b-proxy.log")
        #expect(proxy.format == .string(#"%{X-Forwarded-For}i %h %l %u %t "%r" %>s %b %D "%{User-agent}i""#))
        #expect(proxy.host == "b.example")
        #expect(try proxy.compiledFormat().plan.hasForwardedFor)
        #expect(proxy.notes.map(\.message) == ["only some requests are logged (env=!dontlog)"])

        let shared = try source(result.sources, path: "\(log)/shared.log")
        #expect(shared.host == nil && shared.definedAt.count == 2)
        #expect(shared.notes.first?.message.hasPrefix("2 servers write this file (d1.example, d2.example)") == true)

        let e = try source(result.sources, path: tree.path("apache2/logs/e.log"))
        #expect(e.format == .string(#"%h %t "%r" %>s"#) && e.host == "e.example")
        // `LogFormat common` makes the main server's common the virtual host's TransferLog format.
        let transfer = try source(result.sources, path: "\(log)/e-transfer.log")
        #expect(transfer.format == .preset("common") && transfer.host == "e.example")

        #expect(
            result.notes.map(\.message) == [
                "Include \(tree.path("apache2/missing.conf")): no such file; Apache refuses to start",
                "config variable ${UNDEFINED_DIR} is not defined (not by Define, nor exported by envvars); Apache "
                    + "leaves it as written",
                "CustomLog \"|/usr/bin/rotatelogs \(log)/a.%Y%m%d.log 86400\" pipes the log to a program, not a file; "
                    + "skipped (point a source at the files the program writes, such as rotatelogs' dated files)",
            ])
        for source in result.sources { _ = try source.compiledFormat() }
    }

    @Test func transferLogWithoutLogFormatIsCommonLogFormat() throws {
        let tree = try ConfigTree()
        try tree.write(["httpd.conf": "ServerRoot @ROOT@/root\nTransferLog logs/access_log\n"])
        let result = try Discovery.run(nginx: nil, apache: tree.path("httpd.conf"))
        #expect(result.sources.map(\.paths) == [[tree.path("root/logs/access_log")]])
        #expect(result.sources.map(\.format) == [.preset("common")])
        #expect(result.sources.map(\.name) == ["apache"])
        #expect(result.sources.map(\.host) == [nil])  // no ServerName anywhere
    }

    @Test func nicknameThatIsNoFormat() throws {
        let tree = try ConfigTree()
        try tree.write(["apache2.conf": "CustomLog /l/x.log combinedd\n"])
        let result = try Discovery.run(nginx: nil, apache: tree.path("apache2.conf"))
        #expect(
            result.sources.first?.notes.map(\.message) == [
                "'combinedd' is no LogFormat nickname and has no % directive; Apache writes it as literal text"
            ])
    }

    @Test func includeCycleIsCut() throws {
        let tree = try ConfigTree()
        try tree.write(["apache2.conf": "Include apache2.conf\nCustomLog /l/x.log common\n"])
        let result = try Discovery.run(nginx: nil, apache: tree.path("apache2.conf"))
        #expect(result.sources.map(\.paths) == [["/l/x.log"]])
        #expect(result.notes.first?.message.contains("is nested 128 deep") == true)
    }
}
