"""Reads and writes memcached with pymemcache's python_memcache convention (pickle_serde).

Usage: python3 pymemcache-peer.py <port>; stdin is a JSON list of operations:
  {"op": "set", "key": k, "type": "str"|"int"|"bytes"|"json-text"|"pickle", "v": value}
  {"op": "get", "key": k}
stdout is a JSON list with one result per get: {"type": <python type>, "v": <value>}
(bytes as hex, dicts as themselves, JSON text parsed when it is a str of JSON).
"""
import json
import sys

from pymemcache.client.base import Client
from pymemcache.serde import pickle_serde

port = int(sys.argv[1])
client = Client(("127.0.0.1", port), serde=pickle_serde, connect_timeout=5, timeout=5)
out = []
for op in json.load(sys.stdin):
    if op["op"] == "set":
        t, v = op["type"], op["v"]
        value = {
            "str": lambda: v,
            "int": lambda: int(v),
            "bytes": lambda: bytes.fromhex(v),
            "json-text": lambda: json.dumps(v),
            "pickle": lambda: v,
        }[t]()
        if not client.set(op["key"], value, noreply=False):
            raise SystemExit("set failed")
    else:
        value = client.get(op["key"])
        if isinstance(value, bytes):
            out.append({"type": "bytes", "v": value.hex()})
        elif isinstance(value, bool) or value is None:
            out.append({"type": type(value).__name__, "v": value})
        elif isinstance(value, int):
            out.append({"type": "int", "v": str(value)})
        else:
            out.append({"type": type(value).__name__, "v": value})
client.close()
json.dump(out, sys.stdout)
