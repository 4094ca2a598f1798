import Testing

@testable import ServerConfig

@Suite("Apache configuration syntax")
struct ApacheSyntaxTests {
    @Test func continuationsCommentsAndSections() throws {
        let directives = try ApacheConfigParser.parse(
            #"""
            # comment \
            continued comment
            LogFormat "%h %l %u %t \"%r\" %>s %O \
            \"%{Referer}i\"" combined
            ServerName www.example.com # not a comment in Apache
            <VirtualHost *:80 [::]:80>
                <IfModule log_config_module>
                    CustomLog ${APACHE_LOG_DIR}/a.log combined
                </IfModule>
            </virtualhost>
            """#, file: "apache2.conf")
        #expect(directives.map(\.name) == ["LogFormat", "ServerName", "VirtualHost"])
        #expect(directives[0].arguments == #""%h %l %u %t \"%r\" %>s %O \"%{Referer}i\"" combined"#)
        #expect(directives[0].location.line == 3)
        #expect(directives[1].arguments == "www.example.com # not a comment in Apache")
        #expect(directives[2].arguments == "*:80 [::]:80")
        let ifModule = try #require(directives[2].section?.first)
        #expect(ifModule.name == "IfModule" && ifModule.arguments == "log_config_module")
        #expect(ifModule.section?.first?.arguments == "${APACHE_LOG_DIR}/a.log combined")
        #expect(ifModule.section?.first?.location.line == 8)
    }

    @Test func windowsLineEnds() throws {
        let directives = try ApacheConfigParser.parse(
            "LogFormat \"%h \\\r\n%t\" x\r\n<VirtualHost *>\r\nCustomLog a x\r\n</VirtualHost>\r\n", file: "a.conf")
        #expect(directives.map(\.arguments) == ["\"%h %t\" x", "*"])
        #expect(directives[1].section?.map(\.location.line) == [4])
        var envvars = ApacheEnvvars(environment: [:], confDir: "/etc/apache2")
        envvars.run("export A=1\r\nexport B=2\r\n", file: "envvars")
        #expect(envvars.environment == ["A": "1", "B": "2"])
    }

    @Test(arguments: [
        ("<VirtualHost *:80>\nServerName a\n", 1, "<VirtualHost> was not closed"),
        ("</VirtualHost>", 1, "</VirtualHost> without matching <VirtualHost> section"),
        (
            "<VirtualHost *>\n<IfModule x>\n</VirtualHost>", 3,
            "expected </IfModule> but saw </VirtualHost> (the section opened on line 2)"
        ),
        ("<VirtualHost *:80\n</VirtualHost>", 1, "<VirtualHost directive missing closing '>'"),
    ])
    func refusedAsApacheRefusesIt(text: String, line: Int, message: String) {
        #expect(throws: DiscoveryError(message, at: ConfigLocation(file: "apache2.conf", line: line))) {
            try ApacheConfigParser.parse(text, file: "apache2.conf")
        }
    }

    @Test func wordsAsApGetwordConfSplitsThem() {
        #expect(
            ApacheWords.split(#"  "%h \"%r\" \\ %>s" combined env=!dontlog"#)
                == [#"%h "%r" \ %>s"#, "combined", "env=!dontlog"])
        #expect(
            ApacheWords.split(#"'single \' "double"' a\\b "unterminated"#) == [
                #"single ' "double""#, #"a\b"#, "unterminated",
            ])
        #expect(ApacheWords.split(#"a"b c"#) == [#"a"b"#, "c"])
    }

    @Test func variablesAsApResolveEnvExpandsThem() {
        var missing: [String] = []
        let expanded = ApacheWords.expand(
            "${APACHE_LOG_DIR}/x-${SITE}.log ${NOPE} $PLAIN ${open",
            lookup: { ["APACHE_LOG_DIR": "/var/log/apache2", "SITE": "a", "PLAIN": "no"][$0] },
            undefined: { missing.append($0) })
        #expect(expanded == "/var/log/apache2/x-a.log ${NOPE} $PLAIN ${open")
        #expect(missing == ["NOPE"])
    }
}

@Suite("Apache envvars")
struct ApacheEnvvarsTests {
    /// Debian 12's /etc/apache2/envvars, as the apache2 package installs it.
    static let debian = #"""
        # envvars - default environment variables for apache2ctl

        # this won't be correct after changing uid
        unset HOME

        # for supporting multiple apache2 instances
        if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
        	SUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
        else
        	SUFFIX=
        fi

        # Since there is no sane way to get the parsed apache2 config in scripts, some
        # settings are defined via environment variables and then used in apache2ctl,
        # /etc/init.d/apache2, /etc/logrotate.d/apache2, etc.
        export APACHE_RUN_USER=www-data
        export APACHE_RUN_GROUP=www-data
        # temporary state file location. This might be changed to /run in Wheezy+1
        export APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid
        export APACHE_RUN_DIR=/var/run/apache2$SUFFIX
        export APACHE_LOCK_DIR=/var/lock/apache2$SUFFIX
        # Only /var/log/apache2 is handled by /etc/logrotate.d/apache2.
        export APACHE_LOG_DIR=/var/log/apache2$SUFFIX

        ## The locale used by some modules like mod_dav
        export LANG=C
        ## Uncomment the following line to use the system default locale instead:
        #. /etc/default/locale

        export LANG

        ## The command to get the status for 'apache2ctl status'.
        ## Some packages providing 'www-browser' need '--dump' instead of '-dump'.
        #export APACHE_LYNX='www-browser -dump'

        ## If you need a higher file descriptor limit, uncomment and adjust the
        ## following line (default is 8192):
        #APACHE_ULIMIT_MAX_FILES='ulimit -n 65536'

        ## If you would like to pass arguments to the web server, add them below
        ## to the APACHE_ARGUMENTS environment.
        #export APACHE_ARGUMENTS=''

        ## Enable the debug mode for maintainer scripts.
        ## This will produce a verbose output on package installations of web server modules and web application
        ## installations which interact with Apache
        #export APACHE2_MAINTSCRIPT_DEBUG=1
        """#

    func run(_ text: String, confDir: String, environment: [String: String] = [:]) -> ApacheEnvvars {
        var envvars = ApacheEnvvars(environment: environment, confDir: confDir)
        envvars.run(text, file: "envvars")
        return envvars
    }

    @Test func debianEnvvarsForTheMainInstance() {
        let envvars = run(Self.debian, confDir: "/etc/apache2")
        #expect(
            envvars.environment == [
                "APACHE_RUN_USER": "www-data", "APACHE_RUN_GROUP": "www-data",
                "APACHE_PID_FILE": "/var/run/apache2/apache2.pid", "APACHE_RUN_DIR": "/var/run/apache2",
                "APACHE_LOCK_DIR": "/var/lock/apache2", "APACHE_LOG_DIR": "/var/log/apache2", "LANG": "C",
            ])
        #expect(envvars.variables["SUFFIX"] == "")  // set, but not exported: apache2 does not see it
        #expect(envvars.notes.isEmpty)
    }

    @Test func debianEnvvarsForASecondInstance() {
        let envvars = run(Self.debian, confDir: "/etc/apache2-shop", environment: ["HOME": "/root"])
        #expect(envvars.environment["APACHE_LOG_DIR"] == "/var/log/apache2-shop")
        #expect(envvars.environment["APACHE_PID_FILE"] == "/var/run/apache2-shop/apache2.pid")
        #expect(envvars.environment["APACHE_CONFDIR"] == "/etc/apache2-shop")  // as apache2@.service sets it
        #expect(envvars.environment["HOME"] == nil)  // unset HOME
    }

    @Test func shellForms() {
        let envvars = run(
            #"""
            export A=1 B="two words" C='$A literal'
            D=${A}x; export D
            export E=${UNSET:-default} F=${A:+set} G=${UNSET-dash} H="${B%% *}" I=${B#two }
            export J=a\ b K="q\"uote" L=$A$A
            if test "$A" = 1; then export M=yes; elif [ -n "$A" ]; then export M=elif; else export M=no; fi
            if [ -z "$A" ]
            then
                export N=no
            elif [ "$A" != 2 ]
            then
                export N=elif
            fi
            if [ -f /etc/something ]; then export O=unknown; fi
            export P=after   # comment
            X=1 some-command
            . /etc/default/locale
            """#, confDir: "/etc/apache2")
        let environment = envvars.environment
        #expect(environment["A"] == "1" && environment["B"] == "two words" && environment["C"] == "$A literal")
        #expect(environment["D"] == "1x")
        #expect(environment["E"] == "default" && environment["F"] == "set" && environment["G"] == "dash")
        #expect(environment["H"] == "two" && environment["I"] == "words")
        #expect(environment["J"] == "a b" && environment["K"] == #"q"uote"# && environment["L"] == "11")
        #expect(environment["M"] == "yes" && environment["N"] == "elif")
        #expect(environment["O"] == nil && environment["P"] == "after" && envvars.variables["X"] == nil)
        #expect(
            envvars.notes.map(\.description) == [
                "envvars:13: cannot evaluate the condition [ -f /etc/something ]; the assignments under it are not "
                    + "made",
                "envvars:16: . /etc/default/locale is not followed",
            ])
    }
}
