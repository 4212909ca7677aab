"""The findings ``f2btune check`` can report: stable ids, severities, documented cost estimates.

Each group module (regex, dates, backend, actions, bantime, loglevel, spoof) declares its
finding types with :func:`finding_type` (listed in its ``FINDINGS``) and its check functions
(listed in its ``CHECKS``).  A check function takes ``(jail, ctx)`` and yields :class:`Finding`
objects.  Ids never change once released; scripts key on them (``f2btune check --json``).
"""
import collections

SEVERITIES = ("error", "warning", "info")   # error/warning make `check` exit with PROBLEMS
PROBLEM_SEVERITIES = ("error", "warning")
RESEARCH = "docs/check.md (figures from f2btune's fail2ban 1.0.2 research, 2-core x86-64 VM)"

FindingType = collections.namedtuple("FindingType", "id severity title estimate")



def finding_type(id, severity, title, estimate=None):
    """A finding type; ``estimate`` is the documented cost, shown when nothing was measured."""
    if severity not in SEVERITIES:
        raise ValueError("bad severity %r" % severity)
    return FindingType(id, severity, title, estimate)


class Finding:
    """One finding on one jail (``jail`` is None for global findings)."""

    def __init__(self, kind, jail, message, fix=None, severity=None, cost=None):
        self.id = kind.id
        self.jail = jail
        self.message = message
        self.fix = fix
        self.severity = severity or kind.severity
        self.cost = cost if cost is not None else estimate(kind)

    @property
    def is_problem(self):
        return self.severity in PROBLEM_SEVERITIES

    def to_dict(self):
        return collections.OrderedDict([
            ("jail", self.jail), ("id", self.id), ("severity", self.severity),
            ("message", self.message), ("fix", self.fix), ("cost", self.cost)])

    def __repr__(self):
        return "Finding(%r, %r, %r)" % (self.id, self.jail, self.severity)


def estimate(kind):
    """The documented cost estimate of a finding type, as a ``cost`` dict (or None)."""
    text = kind.estimate
    if not text:
        return None
    return collections.OrderedDict([("kind", "estimate"), ("text", text), ("source", RESEARCH)])


def measured(text, **figures):
    """A ``cost`` dict for a figure measured by this run."""
    cost = collections.OrderedDict([("kind", "measured"), ("text", text)])
    cost.update(figures)
    return cost
