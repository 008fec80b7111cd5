"""China methods: frame functions over many installations against the single-installation path.

Runs ``cn_steel_lines`` and ``cn_aluminium_lines`` once over N installations (one join and one
group-by each) and, in the same process, the single path ``compute_cn_steel`` /
``compute_cn_aluminium`` over a sample of them (one call per installation, as a loop over files
would do), then prints the time per installation of both and the ratio. Validation of the
activity data (pydantic) is timed apart: both paths need it.

    python benchmarks/cn_frame_functions.py [N] [SAMPLE]
"""

from __future__ import annotations

import sys
import time
import tomllib
from importlib import resources

from greenmet.carbon import ActivityData
from greenmet.carbon.activity import activity_frames
from greenmet.carbon.cn_aluminium import cn_aluminium_lines, compute_cn_aluminium
from greenmet.carbon.cn_steel import cn_steel_lines, compute_cn_steel


def _activities(example: str, count: int) -> list[ActivityData]:
    text = resources.files("greenmet.carbon").joinpath("examples", f"{example}.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    items = []
    for index in range(count):
        data = dict(raw)
        data["installation"] = dict(raw["installation"], id=f"{example}-{index}")
        scale = 1 + index % 7 / 100
        data["materials"] = [dict(row, quantity=row["quantity"] * scale) for row in raw["materials"]]
        items.append(ActivityData.model_validate(data))
    return items


def main(count: int = 10000, sample: int = 100) -> None:
    for example, frame_function, single in (("bf_bof_plant", cn_steel_lines, compute_cn_steel),
                                            ("aluminium_smelter", cn_aluminium_lines, compute_cn_aluminium)):
        start = time.perf_counter()
        items = _activities(example, count)
        validate = time.perf_counter() - start
        start = time.perf_counter()
        frames = activity_frames(items)
        lines, _, _ = frame_function(frames)
        frame_time = time.perf_counter() - start
        start = time.perf_counter()
        for activity in items[:sample]:
            single(activity)
        single_time = (time.perf_counter() - start) / sample
        per_frame = frame_time / count
        print(f"{example}: {count} installations, {len(lines)} lines")
        print(f"  validation (both paths)       {validate / count * 1e3:8.3f} ms/installation")
        print(f"  frame functions (all at once) {per_frame * 1e3:8.3f} ms/installation "
              f"({count / frame_time:,.0f} installations/s)")
        print(f"  single path (sample {sample})     {single_time * 1e3:8.3f} ms/installation")
        print(f"  ratio single / frame          {single_time / per_frame:8.1f}x")


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    main(*arguments)
