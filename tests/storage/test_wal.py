"""Write-ahead log: framing, torn tails, a failed append never hides later frames."""

from __future__ import annotations

import errno
import os

import pyarrow as pa
import pytest

from greenmet.errors import StorageError
from greenmet.storage import wal as wal_module
from greenmet.storage.wal import WriteAheadLog, read_segment


def _table(first: int, count: int = 3) -> pa.Table:
    return pa.table({"n": pa.array(range(first, first + count), pa.int64())})


def _numbers(log: WriteAheadLog) -> list[int]:
    return [n for _, table in log.replay() for n in table.column("n").to_pylist()]


def test_appended_frames_replay_in_order(tmp_path):
    log = WriteAheadLog(tmp_path)
    for first in (0, 3, 6):
        log.append(_table(first))
    log.close()
    assert _numbers(WriteAheadLog(tmp_path)) == list(range(9))


@pytest.mark.parametrize("cut", [1, 5, 17, 40])
def test_torn_tail_is_ignored_and_earlier_frames_survive(tmp_path, cut):
    log = WriteAheadLog(tmp_path)
    log.append(_table(0))
    log.append(_table(3))
    log.close()
    segment = log.segments()[0]
    size = segment.stat().st_size
    os.truncate(segment, size - cut)  # a crash in the middle of the second frame
    contents = read_segment(segment)
    assert contents.torn_tail
    assert [t.column("n").to_pylist() for t in contents.tables] == [[0, 1, 2]]


def test_corrupt_payload_fails_its_crc(tmp_path):
    log = WriteAheadLog(tmp_path)
    log.append(_table(0))
    log.append(_table(3))
    log.close()
    segment = log.segments()[0]
    data = bytearray(segment.read_bytes())
    data[-10] ^= 0xFF
    segment.write_bytes(bytes(data))
    contents = read_segment(segment)
    assert contents.torn_tail
    assert len(contents.tables) == 1


def test_failed_append_is_cut_off_and_later_frames_go_to_a_new_segment(tmp_path, monkeypatch):
    log = WriteAheadLog(tmp_path)
    log.append(_table(0))
    real_write = os.write

    def half_then_full(descriptor, data):
        real_write(descriptor, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(wal_module.os, "write", half_then_full)
    with pytest.raises(StorageError, match="disk is full.*Fix: free space"):
        log.append(_table(100))
    monkeypatch.setattr(wal_module.os, "write", real_write)
    log.append(_table(3))
    log.close()
    assert len(log.segments()) == 2
    assert not any(read_segment(s).torn_tail for s in log.segments())
    assert _numbers(WriteAheadLog(tmp_path)) == [0, 1, 2, 3, 4, 5]


def test_rotate_and_delete(tmp_path):
    log = WriteAheadLog(tmp_path)
    log.append(_table(0))
    done = log.rotate()
    log.append(_table(3))
    log.delete(done)
    log.close()
    assert _numbers(WriteAheadLog(tmp_path)) == [3, 4, 5]


def test_segment_rotates_by_size(tmp_path):
    log = WriteAheadLog(tmp_path, segment_bytes=1)
    for first in range(0, 12, 3):
        log.append(_table(first))
    log.close()
    assert len(log.segments()) == 4
    assert _numbers(WriteAheadLog(tmp_path)) == list(range(12))
