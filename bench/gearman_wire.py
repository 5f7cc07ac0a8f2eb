"""The few pieces of the Gearman binary protocol and of /proc that the measurement scripts in bench/ share."""
import struct

REQ, RES = b"\0REQ", b"\0RES"


def packet(ptype, *args):
    """A request packet: its arguments joined by NULs."""
    body = b"\0".join(args)
    return REQ + struct.pack(">II", ptype, len(body)) + body


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("server closed a connection")
        buf += chunk
    return buf


def read_frame(s):
    """The next packet as (magic, type, body)."""
    head = read_exact(s, 12)
    ptype, size = struct.unpack(">II", head[4:])
    return head[:4], ptype, read_exact(s, size)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")
