"""Infrastructure every chapter stands on: devices, run profiles, data, images, drawing and
the students' working copy. Nothing here knows about a particular chapter or network."""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]  # the course's checkout: notebooks/, images/, ...
RESULTS = CHECKOUT / "benchmarks" / "results"  # what the benchmarks measured, read by the chapters
