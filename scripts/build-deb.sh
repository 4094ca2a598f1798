#!/usr/bin/env bash
# make deb: builds dist/sessiontail_<version>_<arch>.deb with dpkg-buildpackage from packaging/debian.
#
# dpkg-buildpackage writes its results beside the source tree and its scratch files into it, so it
# runs on a copy in .build-deb/ (the files git knows, committed or not); SwiftPM's build directory
# stays in .build-deb/swift between runs, so a second `make deb` only rebuilds what changed.
# Prints the path of the .deb last.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.build-deb

version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
tree=$work/sessiontail-$version

rm -rf "$tree"
mkdir -p "$tree" dist
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and new (not ignored) files; files deleted in the work tree are skipped.
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf - | tar -xf - -C "$tree"
else
    tar --exclude='./.build*' --exclude=./dist --exclude=./bench-data -cf - . | tar -xf - -C "$tree"
fi
cp -a packaging/debian "$tree/debian"

echo "== dpkg-buildpackage in $tree" >&2
(cd "$tree" && SESSIONTAIL_SWIFT_SCRATCH=$work/swift dpkg-buildpackage -b -us -uc)

deb=sessiontail_${version}_${arch}.deb
cp "$work/$deb" dist/
echo "dist/$deb"
