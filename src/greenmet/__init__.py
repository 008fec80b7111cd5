"""greenmet: green metallurgy toolkit for steel and aluminium.

Carbon accounting (China ETS, EU CBAM, ISO 14404, product LCI), blast-furnace process
calculations and a simulated furnace, a plant-data historian, and (later) outlooks to 2060 and
green evaluation. Every calculation is a documented function first; the CLI (``greenmet``) and
the service are thin shells over them. See ``docs/`` and ``docs/dev/architecture.md``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
