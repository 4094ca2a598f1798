import ClientAddress
import Testing

func parse(_ text: String) -> IPAddress? {
    Array(text.utf8).withUnsafeBytes { IPAddress($0) }
}

@Suite("Client addresses: examples")
struct AddressTests {
    @Test(
        "valid addresses format canonically",
        arguments: [
            ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"), ("192.0.2.1", "192.0.2.1"),
            ("10.0.0.10", "10.0.0.10"), ("::", "::"), ("::1", "::1"), ("1::", "1::"),
            ("2001:DB8::1", "2001:db8::1"), ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"), ("0:0:1:0:0:0:1:1", "0:0:1::1:1"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"), ("::FFFF:0102:0304", "::ffff:1.2.3.4"),
            ("::1.2.3.4", "::102:304"), ("64:ff9b::192.0.2.1", "64:ff9b::c000:201"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"), ("1::3:4:5:6:1.2.3.4", "1:0:3:4:5:6:102:304"),
            ("fe80::1", "fe80::1"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ])
    func canonical(_ text: String, _ expected: String) {
        #expect(parse(text)?.description == expected, "\(text)")
        #expect(IPAddress(text) == parse(text))
    }

    @Test(
        "everything else is refused",
        arguments: [
            "", "-", "unknown", "localhost", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "01.2.3.4",
            "1.2.3.04", "1.02.3.4", "00.1.2.3", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n",
            "1.2.3.4:80", "1.2.3.4/32", "0x1.2.3.4", "1.2.3.1000", "[::1]", "[::1]:443", "::1%eth0",
            "fe80::1%25eth0", ":", ":::", "::::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
            ":1::", "1:", ":1", "1::2:", "::1.2.3", "::1.2.3.4.5", "1.2.3.4::", "::01.2.3.4", "::1.2.3.4:5",
            "g::1", "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4", "::ffff:1.2.3.4.", "2001:db8::1 ", "2001:db8:::1", "::-1", "+1.2.3.4",
            "0000:0000:0000:0000:0000:0000:0000:0000:0", "1.2.3.4\u{0}",
        ])
    func refused(_ text: String) {
        #expect(parse(text) == nil, "\(text.debugDescription) parsed")
    }

    @Test func familiesAndUnmapping() throws {
        let v4 = try #require(parse("192.0.2.1"))
        let mapped = try #require(parse("::ffff:192.0.2.1"))
        #expect(v4.family == .ipv4 && v4.ipv4Value == 0xC000_0201 && v4 == IPAddress(ipv4: 0xC000_0201))
        #expect(mapped.family == .ipv6 && mapped.isIPv4Mapped && mapped.ipv4Value == nil)
        #expect(v4 != mapped)
        #expect(mapped.unmapped == v4 && v4.unmapped == v4)
        #expect(v4.high == mapped.high && v4.low == mapped.low)
        let v6 = try #require(parse("2001:db8::1"))
        #expect(v6.unmapped == v6 && !v6.isIPv4Mapped)
        #expect(v6 == IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1))
    }

    @Test func bytesAreInNetworkOrder() throws {
        let v4 = try #require(parse("192.0.2.1"))
        #expect(v4.withUnsafeBytes { Array($0) } == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1])
        let v6 = try #require(parse("2001:db8::102:304"))
        #expect(
            v6.withUnsafeBytes { Array($0) } == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
    }

    @Test func truncation() throws {
        #expect(try #require(parse("203.0.113.77")).truncated(toPrefixLength: 24).description == "203.0.113.0/24")
        let v6 = try #require(parse("2001:db8:1a2b:3c4d:5e6f::1"))
        #expect(v6.truncated(toPrefixLength: 48).description == "2001:db8:1a2b::/48")
        #expect(v6.truncated(toPrefixLength: 0).description == "::/0")
        #expect(v6.truncated(toPrefixLength: 128).description == "2001:db8:1a2b:3c4d:5e6f::1/128")
        #expect(v6.truncated(toPrefixLength: 64).description == "2001:db8:1a2b:3c4d::/64")
        #expect(v6.truncated(toPrefixLength: 65).description == "2001:db8:1a2b:3c4d::/65")
        #expect(v6.truncated(toPrefixLength: 66).description == "2001:db8:1a2b:3c4d:4000::/66")
        #expect(try #require(parse("1.2.3.4")).truncated(toPrefixLength: 0).description == "0.0.0.0/0")
        #expect(try #require(parse("1.2.3.4")).truncated(toPrefixLength: 32).description == "1.2.3.4/32")
        #expect(try #require(parse("255.255.255.255")).masked(toPrefixLength: 9) == parse("255.128.0.0"))
    }

    @Test func networks() throws {
        let ten = try #require(IPNetwork("10.0.0.0/8"))
        #expect(ten.contains(try #require(parse("10.255.0.1"))))
        #expect(!ten.contains(try #require(parse("11.0.0.0"))))
        #expect(!ten.contains(try #require(parse("::ffff:10.1.2.3"))))
        #expect(ten.contains(try #require(parse("::ffff:10.1.2.3")).unmapped))
        let loopback = try #require(IPNetwork("::1/128"))
        let one = try #require(parse("::1"))
        let two = try #require(parse("::2"))
        #expect(loopback.contains(one) && !loopback.contains(two))
        #expect(IPNetwork("192.0.2.1")?.description == "192.0.2.1/32")
        #expect(IPNetwork("2001:DB8::/32")?.description == "2001:db8::/32")
        let any = try #require(parse("1.2.3.4"))
        #expect(IPNetwork("0.0.0.0/0")?.contains(any) == true)
        for text in [
            "10.0.0.1/8", "10.0.0.0/08", "10.0.0.0/33", "::/129", "10.0.0.0/255.0.0.0", "10.0.0.0/", "/8",
            "10.0.0.0/8/8", "10.0.0.0 /8", "10.0.0.0/ 8", "::1/1280", "[::1]/128", "fe80::%eth0/64",
        ] {
            #expect(IPNetwork(text) == nil, "\(text) parsed")
        }
    }

    @Test func textFitsTheDocumentedBuffers() {
        let longest = IPAddress(ipv6High: ~0, low: ~0)
        #expect(longest.description.utf8.count == IPAddress.maxTextLength)
        #expect(longest.truncated(toPrefixLength: 128).description.utf8.count == IPNetwork.maxTextLength)
    }
}
