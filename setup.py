# f2btune - fail2ban tuning toolkit
# SPDX-License-Identifier: GPL-2.0-or-later
"""Installs the f2btune package and command.

fail2ban itself is not on PyPI: install Debian's (apt-get install fail2ban) and use a
virtual environment made with --system-site-packages.  Config snippets (filter.d, action.d,
jail.d) are placed by the Debian package or ``f2btune install``, never by setup.py.
"""
import re

from setuptools import find_packages, setup

with open("f2btune/__init__.py") as f:
    VERSION = re.search(r'__version__ = "([^"]+)"', f.read()).group(1)

setup(
    name="f2btune",
    version=VERSION,
    description="Measure and tune fail2ban for small machines and large floods",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="GPL-2.0-or-later",
    python_requires=">=3.9",
    packages=find_packages(include=["f2btune", "f2btune.*"]),
    install_requires=["pyperf>=2.6"],
    extras_require={"test": ["pytest"]},
    entry_points={"console_scripts": ["f2btune = f2btune.cli:main"]},
    classifiers=[
        "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: Implementation :: CPython",
        "Programming Language :: Python :: Implementation :: PyPy",
        "Topic :: System :: Networking :: Firewalls",
    ],
)
