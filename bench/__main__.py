"""python -m bench: run every benchmark, one after another, and print their figures together.

Each benchmark is a module here with a `main()`; it prints its own table. This runner starts
each as `python -m bench.<name>` (so one cannot disturb the next), shows its output as it
goes, and ends with every table again under one heading.
"""

from __future__ import annotations

import argparse
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
NOT_BENCHMARKS = {"__main__", "stats", "wsclient"}


def names() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules([str(HERE)])]
    return sorted(n for n in found if n not in NOT_BENCHMARKS and not n.startswith("_"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    chosen = args.only or names()
    results: list[tuple[str, float, int, str]] = []
    for name in chosen:
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", f"bench.{name}"], capture_output=True, text=True, cwd=HERE.parent
        )
        print(proc.stdout, end="")
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
        results.append((name, time.monotonic() - started, proc.returncode, proc.stdout))
    print("\n\n##### Every benchmark #####")
    for name, seconds, code, out in results:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"\n--- bench.{name}: {status}, {seconds:.0f} s ---")
        print(out.strip())


if __name__ == "__main__":
    main()
