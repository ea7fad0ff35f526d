"""Summarise a py-spy collapsed-stack profile: python bench/hotspots.py PROFILE [--top 25].

Prints the functions with the most samples on top of the stack (self) and anywhere on it
(inclusive), as shares of all samples; idle threads waiting in a selector count too, so read
the shares against the busy ones.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

LINE = re.compile(r"^(.*) (\d+)$")
WHERE = re.compile(r" \((.*?):\d+\)$")


def frame_name(frame: str) -> str:
    """A frame without its line number: 'function (file)'."""
    return WHERE.sub(lambda m: f" ({m.group(1).rsplit('/', 2)[-1]})", frame.strip())


def summarise(path: str) -> tuple[Counter, Counter, int]:
    own: Counter = Counter()
    anywhere: Counter = Counter()
    total = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = LINE.match(line.rstrip("\n"))
            if not match:
                continue

            frames = [frame_name(f) for f in match.group(1).split(";") if f]
            count = int(match.group(2))
            total += count
            if frames:
                own[frames[-1]] += count

            for name in set(frames):
                anywhere[name] += count

    return own, anywhere, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    own, anywhere, total = summarise(args.profile)
    for title, counts in (("self", own), ("inclusive", anywhere)):
        print(f"\n{title} ({total} samples)")
        for name, count in counts.most_common(args.top):
            print(f"{100 * count / total:6.1f}%  {name}")


if __name__ == "__main__":
    main()
