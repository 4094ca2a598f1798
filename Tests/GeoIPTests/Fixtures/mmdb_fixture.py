#!/usr/bin/env python3
"""Small MaxMind DB files for GeoIPTests, written with mmdb-writer, and reference lookups with maxminddb.

  mmdb_fixture.py write OUT.mmdb 6|4 [N]
                                      writes a country database (IPv6 with IPv4 in ::/96, or IPv4 only):
                                      N (300) random networks from a fixed seed, then a few fixed ones that
                                      exercise the record shapes; prints each network inserted, one a line
  mmdb_fixture.py lookup DB.mmdb      addresses on standard input -> `country.iso_code` of each, or `-`
  mmdb_fixture.py metadata DB.mmdb    -> `database_type build_epoch`

The reference reader is maxminddb's pure-Python one (MODE_FILE), so that it shares no code with libmaxminddb.
An IPv4-mapped address (::ffff:a.b.c.d) is looked up as its IPv4 address, as GeoIPDatabase documents.
"""
import ipaddress
import random
import sys

BUILD_EPOCH = 1_700_000_000
COUNTRIES = ["AU", "BR", "CA", "CN", "DE", "ES", "FR", "GB", "IN", "IT", "JP", "NL", "PL", "SE", "US", "ZA"]

# (network, record): nested networks, and records without a usable country.
FIXED = [
    ("1.0.0.0/24", {"country": {"iso_code": "AU"}, "registered_country": {"iso_code": "AU"}}),
    ("2.0.0.0/8", {"country": {"iso_code": "FR"}}),
    ("2.16.0.0/13", {"country": {"iso_code": "DE"}}),
    ("5.0.0.0/16", {"registered_country": {"iso_code": "GB"}}),  # registered only: no country
    ("8.8.8.0/24", {"country": {"iso_code": "US", "names": {"en": "United States"}}, "continent": {"code": "NA"}}),
    ("10.0.0.0/8", {"continent": {"code": "EU"}}),
    ("100.64.0.0/10", {"country": "not a map"}),
    ("192.0.2.0/24", {"country": {"iso_code": "USA"}}),  # not two letters
    ("198.51.100.0/24", {"country": {"iso_code": 7}}),  # not a string
    ("203.0.113.0/24", {"country": {"iso_code": "JP"}, "represented_country": {"iso_code": "US"}}),
    ("2001:db8::/32", {"country": {"iso_code": "NL"}}),
    ("2001:db8:1::/48", {"country": {"iso_code": "BE"}}),
    ("2a00::/12", {"country": {"iso_code": "IT"}}),
    ("2c0f:f000::/20", {"country": {"iso_code": "ZA"}}),
]


def write(out, version, count=300):
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    class Writer(MMDBWriter):
        def _build_meta(self):
            meta = super()._build_meta()
            meta["build_epoch"] = BUILD_EPOCH  # reproducible
            return meta

    writer = Writer(
        ip_version=version, database_type="sessiontail-Test-Country", languages=["en"],
        description="sessiontail test fixture", ipv4_compatible=version == 6)
    rng = random.Random(20261201)
    networks = []
    for _ in range(count):
        if version == 6 and rng.random() < 0.5:
            prefix = rng.randint(16, 64)
            base = (0x2000 << 112) | rng.getrandbits(125)
            net = ipaddress.IPv6Network((base >> (128 - prefix) << (128 - prefix), prefix))
        else:
            prefix = rng.randint(8, 28)
            base = rng.getrandbits(32)
            net = ipaddress.IPv4Network((base >> (32 - prefix) << (32 - prefix), prefix))
        networks.append((str(net), {"country": {"iso_code": rng.choice(COUNTRIES)}}))
    # The fixed networks last, so that no random one covers them.
    networks += [(n, r) for n, r in FIXED if version == 6 or ":" not in n]
    for network, record in networks:
        writer.insert_network(IPSet([network]), record)
        print(network)
    writer.to_db_file(out)


def lookup(path):
    import maxminddb

    reader = maxminddb.open_database(path, maxminddb.MODE_FILE)
    out = []
    for line in sys.stdin.read().split("\n")[:-1]:
        address = ipaddress.ip_address(line)
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        try:
            record = reader.get(address)
        except ValueError:  # an IPv6 address in an IPv4 database
            record = None
        code = "-"
        country = record.get("country") if isinstance(record, dict) else None
        if isinstance(country, dict):
            iso = country.get("iso_code")
            if isinstance(iso, str) and len(iso) == 2:
                code = iso
        out.append(code)
    sys.stdout.write("".join(c + "\n" for c in out))


def metadata(path):
    import maxminddb

    meta = maxminddb.open_database(path, maxminddb.MODE_FILE).metadata()
    print(meta.database_type, meta.build_epoch)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:5]))
    elif sys.argv[1] == "lookup":
        lookup(sys.argv[2])
    else:
        metadata(sys.argv[2])
