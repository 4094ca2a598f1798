#!/usr/bin/env python3
"""Reference digests for AddressPrivacyTests, from Python's hmac and hashlib.

  hmac_reference.py digest KEYFILE       addresses on standard input, one a line -> 32 hex digits each:
                                         HMAC-SHA256 of the address's 16 bytes (IPv4 as ::ffff:a.b.c.d),
                                         truncated to 16 bytes
  hmac_reference.py fingerprint KEYFILE  -> 16 hex digits: SHA-256 of the label and the key, truncated
"""
import hashlib
import hmac
import ipaddress
import sys

LABEL = b"sessiontail client address key fingerprint v1\n"


def sixteen_bytes(text):
    address = ipaddress.ip_address(text)
    if address.version == 4:
        return b"\0" * 10 + b"\xff\xff" + address.packed
    return address.packed


def main():
    mode, keyfile = sys.argv[1], sys.argv[2]
    with open(keyfile, "rb") as f:
        key = f.read()
    if mode == "fingerprint":
        print(hashlib.sha256(LABEL + key).hexdigest()[:16])
        return
    out = []
    for line in sys.stdin.read().split("\n")[:-1]:
        out.append(hmac.new(key, sixteen_bytes(line), hashlib.sha256).hexdigest()[:32])
    sys.stdout.write("".join(d + "\n" for d in out))


if __name__ == "__main__":
    main()
