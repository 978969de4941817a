"""The browser tests' server must not leak a file when the browser drops a connection: under
`filterwarnings = error` one unclosed static file fails whichever test happens to be running."""
from __future__ import annotations

import gc
import socket
import struct
import time
import warnings
from urllib.parse import urlsplit


def test_dropped_connections_leave_no_file_open(live_server):
    port = urlsplit(live_server).port
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(100):
            connection = socket.create_connection(("127.0.0.1", port))
            connection.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: test\r\n"
                               b"If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT\r\n\r\n")
            time.sleep(0.002 * (i % 5))
            # reset, not close: the server sees the connection dropped mid-response
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
        time.sleep(0.5)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
