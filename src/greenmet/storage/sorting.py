"""Sort kernels of the historian: points by (UTC day, tag, ts), last write of each (tag, ts) kept.

Ingestion delivers points in time order, so the common case needs only two linear-time radix
sorts (:func:`_presorted_order`); anything else takes one stable sort of a packed integer key,
or a lexicographic sort when the key does not fit 62 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from greenmet.storage.points import BUFFER_SCHEMA

__all__ = ["DAY_US", "SortedPoints", "sorted_unique", "tag_codes", "tag_ranges"]

DAY_US = 86_400_000_000


@dataclass(frozen=True)
class SortedPoints:
    """Points sorted by (UTC day, tag, ts) without duplicate (tag, ts), with their sort keys."""

    table: pa.Table
    days: np.ndarray
    codes: np.ndarray
    ts_us: np.ndarray
    names: list[str]

    def slice(self, begin: int, end: int) -> SortedPoints:
        return SortedPoints(self.table.slice(begin, end - begin), self.days[begin:end], self.codes[begin:end],
                       self.ts_us[begin:end], self.names)

    def tag_ranges(self) -> dict[str, tuple[int, int]]:
        """Per tag, first and last ts [µs since 1970]; valid within one day's slice."""
        if not len(self.codes):
            return {}
        starts = np.flatnonzero(np.diff(self.codes)) + 1
        firsts = np.concatenate(([0], starts))
        lasts = np.concatenate((starts - 1, [len(self.codes) - 1]))
        return {self.names[int(self.codes[f])]: (int(self.ts_us[f]), int(self.ts_us[last]))
                for f, last in zip(firsts, lasts, strict=True)}


def tag_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Integer codes of the tags that sort like the tag names, and the sorted names."""
    chunks = [c if pa.types.is_dictionary(c.type) else pc.dictionary_encode(c) for c in column.chunks]
    dictionaries = [c.dictionary.to_pylist() for c in chunks]
    names = sorted(set().union(*dictionaries))
    rank = {name: code for code, name in enumerate(names)}
    parts = [np.asarray([rank[n] for n in dictionary], dtype=np.int32)[
                 chunk.indices.to_numpy(zero_copy_only=False)] if len(dictionary) else
             np.zeros(len(chunk), dtype=np.int32)
             for chunk, dictionary in zip(chunks, dictionaries, strict=True)]
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)), names


def sorted_unique(table: pa.Table) -> SortedPoints:
    """Sort ``table`` by (UTC day, tag, ts), keep the last row of each (tag, ts).

    Rows later in ``table`` win over earlier rows with the same key (last write wins). The
    result's tag column is dictionary-encoded with a sorted dictionary.
    """
    ts_us = table.column("ts").to_numpy().view(np.int64)  # timestamp[us] -> µs since 1970
    codes, names = tag_codes(table.column("tag"))
    if not len(ts_us):
        empty = np.zeros(0, dtype=np.int64)
        return SortedPoints(table.cast(BUFFER_SCHEMA), empty, codes, empty, names)
    days = ts_us // DAY_US
    order = _presorted_order(ts_us, codes, days, len(names))
    if order is not None:  # time-ordered input without duplicates: two linear-time sorts suffice
        return _take_sorted(table, order, ts_us, codes, days, names)
    span_bits = int(ts_us.max() - ts_us.min()).bit_length()
    code_bits = max(1, len(names).bit_length())
    day_bits = int(days.max() - days.min()).bit_length()
    if span_bits + code_bits + day_bits <= 62:  # one integer key: a single stable sort
        key = (((days - days.min()) << (code_bits + span_bits)) | (codes.astype(np.int64) << span_bits)
               | (ts_us - ts_us.min()))
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        keep = np.ones(len(order), dtype=bool)
        keep[:-1] = sorted_key[1:] != sorted_key[:-1]
    else:
        order = np.lexsort((ts_us, codes, days))  # stable: equal keys keep their write order
        s_ts, s_codes = ts_us[order], codes[order]
        keep = np.ones(len(order), dtype=bool)
        keep[:-1] = (s_ts[1:] != s_ts[:-1]) | (s_codes[1:] != s_codes[:-1])
    return _take_sorted(table, order[keep], ts_us, codes, days, names)


def _presorted_order(ts_us: np.ndarray, codes: np.ndarray, days: np.ndarray, tags: int) -> np.ndarray | None:
    """The sort order by (day, tag) when that alone sorts the points, else None.

    Ingestion delivers points in time order (all tags of an instant, then the next instant).
    Then a stable sort by tag, and by day, leaves each tag's points in time order, and numpy's
    stable sort of 16-bit integers is a radix sort. Returns None when a tag's timestamps are
    not strictly increasing after that (out-of-order points or duplicates need the full sort).
    """
    day_span = int(days.max() - days.min())
    if tags >= 2**15 or day_span >= 2**15:
        return None
    order = np.argsort(codes.astype(np.int16), kind="stable")
    if day_span:
        by_day = np.argsort((days[order] - days.min()).astype(np.int16), kind="stable")
        order = order[by_day]
    s_ts, s_codes = ts_us[order], codes[order]
    same_tag = s_codes[1:] == s_codes[:-1]
    if np.any(same_tag & (s_ts[1:] <= s_ts[:-1])):
        return None
    return order


def _take_sorted(table: pa.Table, order: np.ndarray, ts_us: np.ndarray, codes: np.ndarray,
                 days: np.ndarray, names: list[str]) -> SortedPoints:
    values = table.column("value").to_numpy()
    quality = table.column("quality").to_numpy()
    codes, ts_us = codes[order], ts_us[order]
    result = pa.table([
        pa.array(ts_us).view(pa.timestamp("us", tz="UTC")),  # zero-copy
        pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names, pa.string())),
        pa.array(values[order], pa.float64()),
        pa.array(quality[order], pa.uint8()),
    ], schema=BUFFER_SCHEMA)
    return SortedPoints(result, days[order], codes, ts_us, names)


def tag_ranges(table: pa.Table) -> dict[str, tuple[int, int]]:
    if table.num_rows == 0:
        return {}
    grouped = pa.table({"tag": table.column("tag").cast(pa.string()),
                        "t": table.column("ts").cast(pa.int64())}) \
        .group_by("tag").aggregate([("t", "min"), ("t", "max")])
    return {
        tag: (int(low), int(high))
        for tag, low, high in zip(grouped.column("tag").to_pylist(), grouped.column("t_min").to_pylist(),
                                  grouped.column("t_max").to_pylist(), strict=True)
    }

