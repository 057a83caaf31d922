#!/usr/bin/env bash
# Builds the .deb (CPack, Depends from dpkg-shlibdeps) and, with --static,
# the self-contained binary. One command each:
#   tools/package.sh            -> build-pkg/socktrace_VERSION_ARCH.deb
#   tools/package.sh --static   -> build-static/socktrace (and socktrace-VERSION-linux-ARCH-static.tar.gz),
#                                  the same objects linked statically
# BUILD_DIR overrides the build directory (default build-pkg; CI reuses
# build-test: only the install prefix changes there, nothing is recompiled).
# Prints the path of what it made on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
static=0
case "${1:-}" in
  "") ;;
  --static) static=1 ;;
  *) echo "tools/package.sh: unknown option '$1' (known: --static)" >&2; exit 2 ;;
esac
build=${BUILD_DIR:-build-pkg}
if [[ -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
else
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOCKTRACE_TESTS=OFF -DSOCKTRACE_BENCH=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
fi

if ((static)); then
  # The same objects as the dynamic binary, linked statically (CMakeLists.txt,
  # target socktrace-static); only a link when $build is already built.
  cmake --build "$build" -j"$(nproc)" --target socktrace-static socktrace_extras >&2
  out=build-static
  mkdir -p "$out"
  strip -o "$out/socktrace" "$build/socktrace-static"
  if ldd "$out/socktrace" >/dev/null 2>&1; then
    echo "tools/package.sh: $out/socktrace is dynamically linked: $(ldd "$out/socktrace" | tr '\n' ' ')" >&2
    exit 1
  fi
  version=$("$out/socktrace" --version | awk '{ print $2 }')
  name=socktrace-$version-linux-$(uname -m)-static
  rm -rf "${out:?}/$name"
  mkdir -p "$out/$name"
  DESTDIR="$PWD/$out/$name" cmake --install "$build" >/dev/null
  cp "$out/socktrace" "$out/$name/usr/sbin/socktrace"
  tar -C "$out" -czf "$out/$name.tar.gz" "$name"
  echo "$out/socktrace"
  echo "$out/$name.tar.gz"
  exit 0
fi

cmake --build "$build" -j"$(nproc)" --target socktrace socktrace_extras >&2
rm -f "$build"/socktrace_*.deb
(cd "$build" && cpack -G DEB >&2)
ls "$build"/socktrace_*.deb
