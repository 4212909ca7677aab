"""Benchmark candidates: a raw failregex or a fail2ban filter file, turned into real fail2ban objects."""
import os

from f2btune.errors import InputError, one_line

# fail2ban's jail.conf default; it decides what <HOST> expands to, so it is part of the config.
DEFAULT_USEDNS = "warn"


class _fail2ban_errors_silenced(object):
    """fail2ban logs a bad regex as an error before raising it: we report the exception only."""

    def __enter__(self):
        import logging
        self._logger = logging.getLogger("fail2ban")
        self._level = self._logger.level
        self._logger.setLevel(logging.CRITICAL + 1)

    def __exit__(self, *exc):
        self._logger.setLevel(self._level)
        return False


class Candidate(object):
    """What a jail would be configured with: ``kind`` is 'regex' or 'filter'.

    A regex candidate is a failregex exactly as a jail's filter would carry it (fail2ban tags such as
    ``<HOST>`` allowed, default date detection); a filter candidate is a filter name under the
    config dir's filter.d (``name[opt=val]``) or a path to a filter file, read by fail2ban's
    FilterReader with its ``prefregex``, ``datepattern``, modes and options.
    """

    KINDS = ("regex", "filter")

    def __init__(self, kind, spec, name=None, confdir=None, usedns=DEFAULT_USEDNS):
        if kind not in self.KINDS:
            raise ValueError("kind must be one of %s" % (self.KINDS,))
        if not isinstance(spec, str) or not spec.strip():
            raise InputError("empty %s" % kind)
        self.kind = kind
        self.spec = spec
        self.confdir = confdir
        self.usedns = usedns
        self.name = name or self._default_name()
        self._commands = None

    @classmethod
    def regex(cls, regex, name=None):
        return cls("regex", regex, name=name)

    @classmethod
    def filter(cls, spec, name=None, confdir=None):
        if os.sep in spec.split("[", 1)[0]:
            # keep the path valid whatever the worker's current directory
            base, _, opts = spec.partition("[")
            spec = os.path.abspath(base) + ("[" + opts if opts else "")
        return cls("filter", spec, name=name, confdir=confdir)

    def _default_name(self):
        if self.kind == "filter":
            base, _, opts = self.spec.partition("[")
            base = os.path.basename(base)
            for ext in (".conf", ".local"):
                if base.endswith(ext):
                    base = base[:-len(ext)]
            return base + ("[" + opts if opts else "")
        text = self.spec if len(self.spec) <= 40 else self.spec[:37] + "..."
        return "regex " + text

    def __repr__(self):
        return "Candidate(%r, %r, name=%r)" % (self.kind, self.spec, self.name)

    def to_dict(self):
        return {"kind": self.kind, "spec": self.spec, "name": self.name, "confdir": self.confdir,
                "usedns": self.usedns}

    @classmethod
    def from_dict(cls, d):
        return cls(d["kind"], d["spec"], name=d.get("name"), confdir=d.get("confdir"),
                   usedns=d.get("usedns", DEFAULT_USEDNS))

    def commands(self):
        """fail2ban's FilterReader command stream for a filter candidate (read once)."""
        from f2btune import f2b
        if self._commands is None:
            try:
                self._commands = f2b.filter_commands(self.spec, self.confdir)
            except InputError as e:
                raise InputError(one_line(e))
        return self._commands

    def configure(self, flt):
        """Apply this candidate to a fail2ban ``Filter`` (a bare Filter or a jail's FilterPoll)."""
        from f2btune import f2b
        return self._checked(f2b.configure_filter, flt)

    def build_filter(self):
        """A fresh real fail2ban ``Filter`` configured with this candidate."""
        from f2btune import f2b
        return self._checked(f2b.make_filter)

    def _checked(self, build, *args):
        """``build(*args, usedns=..., commands= or failregex=)``: one-line errors, a failregex required."""
        with _fail2ban_errors_silenced():
            try:
                if self.kind == "filter":
                    flt = build(*args, commands=self.commands(), usedns=self.usedns)
                else:
                    flt = build(*args, failregex=self.spec, usedns=self.usedns)
            except InputError as e:
                raise InputError(one_line(e))
        if not flt.getFailRegex():
            raise InputError("%s %r has no failregex" % (self.kind, self.spec))
        return flt

    def validate(self):
        """Raise InputError unless fail2ban accepts this candidate."""
        self.build_filter()
        return self
