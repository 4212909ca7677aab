"""The core of ``f2btune suggest-regex``: turn a sample log and the failregex (or filter) used
today into an anchored filter that generalises by field, and prove it on lines it did not see.

Modules: :mod:`.logread` (safe reading of unknown logs), :mod:`.dates` (date format detection),
:mod:`.tokens` (tokens of a message, field classes), :mod:`.locate` (the address's structural
position, injection attempts), :mod:`.shapes` (aligned line shapes), :mod:`.build` (prefregex and
failregex set), :mod:`.inject` (adversarial and near-miss variants), :mod:`.prove` (the proof
through fail2ban's Filter), :mod:`.attempt` (one build-and-prove attempt per mode),
:mod:`.heldout` (held-out proof), :mod:`.speed` (``f2btune bench`` per interpreter),
:mod:`.writer` (checked filter and failJSON output), :mod:`.samples` (fail2ban's samplestestcase
in a child process), :mod:`.report` (text output), :mod:`.core` (the pipeline).
"""
