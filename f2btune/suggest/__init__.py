"""The core of ``f2btune suggest-regex``: turn a sample log and a slow failregex (or
filter) into an anchored filter, and prove it catches the same lines and addresses.

Modules: :mod:`.logread` (safe reading of unknown logs), :mod:`.dates` (date format
detection), :mod:`.positives` (baseline matches through fail2ban's Filter), :mod:`.anchor`
(common literal anchors), :mod:`.build` (prefregex/failregex construction), :mod:`.prove`
(equivalence and injection proof), :mod:`.writer` (filter + failJSON output),
:mod:`.samples` (fail2ban's samplestestcase in a child process), :mod:`.core` (the pipeline).
"""
