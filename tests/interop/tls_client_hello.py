"""Prints, in hex, the first flight of Python's TLS client (a ClientHello record), as OpenSSL builds it."""
import ssl

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
client = context.wrap_bio(incoming, outgoing, server_hostname="vpn.example")
try:
    client.do_handshake()
except ssl.SSLWantReadError:
    pass
print(outgoing.read().hex())
