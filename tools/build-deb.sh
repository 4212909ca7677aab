#!/bin/sh
# Build the fail2ban-f2btune .deb (binary only) from a copy of the source tree, so the
# working tree (and the .venv's editable install in it) is never touched by the build.
# Output: dist/fail2ban-f2btune_<version>_all.deb (+ .buildinfo, .changes); lintian must
# report no errors.  Usage: sh tools/build-deb.sh [--out DIR] [--no-lintian]
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
out=dist
lintian=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --no-lintian) lintian=no; shift ;;
        *) echo "usage: $0 [--out DIR] [--no-lintian]" >&2; exit 2 ;;
    esac
done
version=$(dpkg-parsechangelog -S Version)
mkdir -p build "$out"
work=$(mktemp -d "$top/build/deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
src="$work/fail2ban-f2btune-$version"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # tracked and untracked-but-not-ignored files that exist (no .venv, build, dist, caches)
    git ls-files -z -co --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
    tar --exclude=./.venv --exclude=./build --exclude=./dist --exclude=./.git --exclude=__pycache__ \
        --exclude='*.pyc' --exclude='*.egg-info' --exclude=.pytest_cache -cf - . | tar -xf - -C "$src"
fi
rm -rf "$src/debian/fail2ban-f2btune" "$src/debian/.debhelper" "$src/debian/files"
(cd "$src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -40 "$work/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
for f in "$work"/fail2ban-f2btune_"$version"_*; do
    mv -f "$f" "$out/"
done
deb="$out/fail2ban-f2btune_${version}_all.deb"
echo "build-deb: built $deb"
if [ "$lintian" = yes ]; then
    rc=0
    lintian --fail-on error "$deb" >"$work/lintian.log" 2>&1 || rc=$?
    grep -v 'running with root privileges' "$work/lintian.log" || true
    if [ "$rc" -ne 0 ]; then
        echo "build-deb: lintian reported errors" >&2
        exit 1
    fi
    echo "build-deb: lintian: no errors"
fi
