"""Where f2btune's config snippets live, and a merged config dir for private fail2ban runs."""
import os
import shutil

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(PACKAGE_DIR)
STOCK_CONFDIR = "/etc/fail2ban"
SNIPPET_DIRS = ("filter.d", "action.d", "jail.d")


def snippets_root():
    """The directory holding f2btune's filter.d/action.d/jail.d (source tree or Debian's share dir)."""
    for root in (SOURCE_ROOT, "/usr/share/f2btune"):
        if os.path.isdir(os.path.join(root, "filter.d")):
            return root
    return STOCK_CONFDIR


def default_confdir():
    """Where filter names are looked up: stock /etc/fail2ban (with f2btune installed into it)."""
    return STOCK_CONFDIR


def snippet_files(root=None):
    """Yield (relative path, absolute path) of every file f2btune ships under filter.d/action.d/jail.d."""
    root = root or snippets_root()
    for sub in SNIPPET_DIRS:
        d = os.path.join(root, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isfile(p) and not name.startswith(".") and not name.endswith(("~", ".pyc")):
                yield os.path.join(sub, name), p


def shipped_filters(root=None):
    """Names of the filters f2btune ships (filter.d/f2btune-*.conf with a [Definition] section;
    f2btune-common.conf only holds shared definitions)."""
    names = []
    for rel, path in snippet_files(root):
        name = os.path.basename(rel)
        if rel.startswith("filter.d" + os.sep) and name.startswith("f2btune-") and name.endswith(".conf"):
            with open(path, encoding="utf-8") as f:
                if any(line.strip() == "[Definition]" for line in f):
                    names.append(name[:-len(".conf")])
    return names


def build_confdir(dest, stock=STOCK_CONFDIR, ours=None, enable_stock_jails=False):
    """Lay out a private fail2ban config dir: stock files linked, f2btune's snippets copied over.

    The result is what /etc/fail2ban looks like after ``f2btune install``, without touching
    /etc.  Stock ``jail.d`` snippets (e.g. Debian's defaults-debian.conf enabling sshd) are left
    out unless ``enable_stock_jails``.  Returns ``dest``.
    """
    os.makedirs(dest, exist_ok=True)
    for entry in sorted(os.listdir(stock)):
        src = os.path.join(stock, entry)
        if entry == "jail.d" and not enable_stock_jails:
            os.makedirs(os.path.join(dest, entry), exist_ok=True)
            continue
        if os.path.isdir(src):
            os.makedirs(os.path.join(dest, entry), exist_ok=True)
            for name in os.listdir(src):
                if name == "__pycache__":  # else fail2ban writes our .pyc into the host's /etc
                    continue
                target = os.path.join(dest, entry, name)
                if not os.path.lexists(target):
                    os.symlink(os.path.join(src, name), target)
        elif not os.path.lexists(os.path.join(dest, entry)):
            os.symlink(src, os.path.join(dest, entry))
    for rel, path in snippet_files(ours):
        target = os.path.join(dest, rel)
        if os.path.lexists(target):
            os.unlink(target)
        shutil.copyfile(path, target)
    return dest
