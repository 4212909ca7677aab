# SPDX-License-Identifier: GPL-2.0-or-later
"""The fail2ban action behind action.d/f2btune-ipset.py: bans in kernel ipsets, kept enforced."""
