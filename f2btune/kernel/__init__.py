# SPDX-License-Identifier: GPL-2.0-or-later
"""Kernel firewall objects f2btune manages: ipsets over netlink, iptables hook rules."""
