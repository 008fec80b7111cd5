"""Adapters between greenmet and files: atomic writes, Excel workbooks, readers.

This is the files layer of ``docs/dev/architecture.md``: domain packages never open files; the CLI and the
service call these functions with what the domain packages return.
"""
