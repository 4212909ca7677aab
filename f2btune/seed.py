"""The baseline every comparison starts from, and the kernel LOG prefix f2btune anchors on.

``SEED_REGEX`` is the failregex admins typically write for a kern.log SYN flood; bench and replay
measure f2btune against it.  ``LOG_PREFIX`` is the ``--log-prefix`` that ``f2btune rules`` writes,
``f2btune flood`` generates and the ``f2btune-synflood`` filter and backend anchor on.
``BAN_LOG_PREFIX`` is what ``f2btune rules --in-kernel-ban`` logs each kernel ban with (the
filter's ``mode = ban``).  ``VERIFIED_LOG_PREFIX`` is what ``f2btune rules --verified`` logs completed handshakes with (the
filter's ``mode = verified``).
"""

SEED_REGEX = r"kernel:.*?SRC=(?:::f{4,6}:)?<HOST> DST.*?SYN"
LOG_PREFIX = "f2b-syn: "
BAN_LOG_PREFIX = "f2b-ban: "
VERIFIED_LOG_PREFIX = "f2b-ver: "
