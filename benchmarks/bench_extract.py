"""Extraction speed as a ratio to a bare lxml parse of the same bytes (goal: at most 1.5x).

    python benchmarks/bench_extract.py [--repeat N] [--captures DIR]

For every fixture page and every real capture (../shared/captures/<engine>/, engines that are registered),
it times `extract_html` and `lxml.html.fromstring` on the same bytes, interleaved in one run so machine
noise hits both alike, and prints the median of each, their ratio per page, and the median ratio per engine.
The fixtures are small pages (1-20 KiB) where an extraction's fixed cost (records, a few XPath queries) weighs
more than the parse, so the median over real captures and the total-time ratio are printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import lxml.html

from citewatch.engines import ENGINES
from citewatch.extract import extract_html

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5


def pages(captures: Path) -> list[tuple[str, str, bytes]]:
    found = [
        (p.parent.parent.name, f"fixture {p.parent.name}", p.read_bytes())
        for p in (ROOT / "fixtures").glob("*/*/page.html")
    ]
    if captures.is_dir():
        for engine in sorted(ENGINES):
            found += [(engine, f"capture {p.name}", p.read_bytes()) for p in sorted((captures / engine).glob("*.html"))]
    return sorted(found)


def median_times(engine: str, data: bytes, repeat: int) -> tuple[float, float]:
    extract_html(engine, data)  # warm caches (compiled XPath, URL lru caches) as a long run would
    bare, full = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        lxml.html.fromstring(data)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        extract_html(engine, data)
        full.append(time.perf_counter() - start)
    return statistics.median(bare), statistics.median(full)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--captures", type=Path, default=ROOT.parent / "shared" / "captures")
    args = parser.parse_args()
    ratios: dict[str, list[float]] = defaultdict(list)
    captured: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    print(f"{'engine':<16}{'page':<62}{'KiB':>7}{'lxml ms':>10}{'extract ms':>12}{'ratio':>8}")
    for engine, name, data in pages(args.captures):
        if engine not in ENGINES:
            continue
        bare, full = median_times(engine, data, args.repeat)
        ratio = full / bare if bare else float("inf")
        ratios[engine].append(ratio)
        if name.startswith("capture"):
            captured[engine].append(ratio)
        totals[engine][0] += bare
        totals[engine][1] += full
        print(
            f"{engine:<16}{name[:60]:<62}{len(data) / 1024:>7.0f}{bare * 1000:>10.2f}{full * 1000:>12.2f}{ratio:>8.2f}"
        )
    print()
    worst = 0.0
    for engine, values in sorted(ratios.items()):
        median = statistics.median(values)
        worst = max(worst, median)
        real = f"{statistics.median(captured[engine]):.2f}x" if captured[engine] else "n/a"
        bare, full = totals[engine]
        print(
            f"{engine:<16} median ratio {median:.2f}x over {len(values)} pages (goal <= {GOAL}x); "
            f"real captures {real}; total time {full / bare:.2f}x"
        )
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
