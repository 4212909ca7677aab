"""Bans shared across hosts through a CrowdSec Local API (LAPI).

:mod:`config` reads the root-only settings file, :mod:`lapi` speaks the LAPI's HTTP API,
:mod:`store` keeps the persisted push queue and the record of acknowledged bans,
:mod:`pusher` sends fail2ban's bans (used by ``action.d/f2btune-crowdsec.py``),
:mod:`puller` enforces the fleet's decisions in local ipsets (``f2btune fleet pull``).
"""
