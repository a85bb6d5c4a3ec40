"""A throwaway nginx (Debian's package, `sendfile on`) serving a folder as a CDN would: one
port as is, one with `limit_rate` per connection. Its access log counts the bytes it sent."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

from roundhouse.cli.stack import Stack, free_port, wait_port

NGINX = "/usr/sbin/nginx"
CONF = """
worker_processes 2;
daemon off;
{user}
pid {tmp}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  log_format bench '$status $body_bytes_sent "$http_range"';
  access_log {tmp}/access.log bench;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{ listen 127.0.0.1:{fast}; root {root}; }}
  server {{ listen 127.0.0.1:{slow}; root {root}; limit_rate {limit}; }}
}}
"""


def ensure_nginx() -> str:
    """The nginx binary; installs Debian's nginx-light when missing and we may, else says how."""
    found = shutil.which("nginx") or (NGINX if os.path.exists(NGINX) else None)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench.download: installing nginx-light (apt-get)...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], check=True)
        return NGINX
    sys.exit(
        "bench.download needs nginx as the CDN: `sudo apt-get install nginx-light` "
        "(Debian/Ubuntu), then run it again."
    )


class Nginx:
    """nginx under `tmp`, started as a child of `stack` (so stack.stop() ends it)."""

    def __init__(self, stack: Stack, tmp: Path, root: Path, limit: str = "50m") -> None:
        binary = ensure_nginx()
        tmp.mkdir(parents=True, exist_ok=True)
        self.fast, self.slow, self.log = free_port(), free_port(), tmp / "access.log"
        user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.geteuid() == 0 else ""
        conf = tmp / "nginx.conf"
        conf.write_text(
            CONF.format(tmp=tmp, root=root, fast=self.fast, slow=self.slow, limit=limit, user=user)
        )
        argv = [binary, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log")]
        proc = stack._spawn("nginx", argv)
        wait_port(self.fast, proc=proc)
        wait_port(self.slow, proc=proc)

    def url(self, limited: bool) -> str:
        return f"http://127.0.0.1:{self.slow if limited else self.fast}"

    def bytes_sent(self) -> int:
        """Body bytes nginx logged as sent (a request is logged when it ends)."""
        if not self.log.exists():
            return 0
        return sum(int(line.split()[1]) for line in self.log.read_text().splitlines() if line)

    def reset_log(self) -> None:
        self.log.write_text("")
