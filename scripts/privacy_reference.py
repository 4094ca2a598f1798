#!/usr/bin/env python3
"""What sessiontail's privacy settings make of a log's clients, written with Python's own ipaddress and hmac.

    privacy_reference.py truncate V4 V6 < access.log > keyed.log
    privacy_reference.py hash KEYFILE < access.log > keyed.log

Each line's first field (the client of the common, combined and vhost-less formats) is replaced by what
`privacy.client` stores: `truncate`, the network of the address's leading V4 or V6 bits (IPv4-mapped
IPv6 addresses as IPv4; a host name `*.` and its last two labels); `hash`, the first 16 bytes of HMAC-SHA256 under the key
of the address's 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d), as 32 hex digits (a host name: of `host:` and
the name). `sessionize` on the output with addresses kept must equal `sessionize --privacy …` on the input.
"""
import hashlib
import hmac
import ipaddress
import sys


def address(text):
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return None
    if a.version == 6 and a.ipv4_mapped is not None:
        return a.ipv4_mapped
    return a


def main():
    mode = sys.argv[1]
    if mode == "truncate":
        v4, v6 = int(sys.argv[2]), int(sys.argv[3])
    else:
        key = open(sys.argv[2], "rb").read()

    def stored(client):
        a = address(client)
        if mode == "truncate":
            if a is None:
                return "*." + ".".join(client.lower().split(".")[-2:]).lstrip(".")[:62]
            net = ipaddress.ip_network(f"{a}/{v4 if a.version == 4 else v6}", strict=False)
            return net.compressed
        data = b"host:" + client.encode() if a is None else ipaddress.IPv6Address(
            int(ipaddress.IPv6Address("::ffff:0:0")) + int(a) if a.version == 4 else int(a)).packed
        return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]

    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        client, sep, rest = line.partition(b" ")
        if not sep:
            out.write(line)
            continue
        out.write(stored(client.decode("latin-1")).encode() + b" " + rest)


main()
