#!/usr/bin/env bash
# Builds the .deb (CPack, Depends from dpkg-shlibdeps) and, with --static,
# the self-contained binary. One command each:
#   tools/package.sh            -> build-pkg/socktrace_VERSION_ARCH.deb
#   tools/package.sh --static   -> build-static/socktrace (and socktrace-VERSION-linux-ARCH-static.tar.gz)
# BUILD_DIR overrides the build directory (CI reuses build-test: only the
# install prefix changes there, nothing is recompiled). Prints the path of
# what it made on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
static=0
case "${1:-}" in
  "") ;;
  --static) static=1 ;;
  *) echo "tools/package.sh: unknown option '$1' (known: --static)" >&2; exit 2 ;;
esac
if ((static)); then
  build=${BUILD_DIR:-build-static}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOCKTRACE_STATIC=ON -DSOCKTRACE_TESTS=OFF \
    -DSOCKTRACE_BENCH=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
  cmake --build "$build" -j"$(nproc)" >&2
  strip "$build/socktrace"
  if ldd "$build/socktrace" >/dev/null 2>&1; then
    echo "tools/package.sh: $build/socktrace is dynamically linked: $(ldd "$build/socktrace" | tr '\n' ' ')" >&2
    exit 1
  fi
  version=$("$build/socktrace" --version | awk '{ print $2 }')
  name=socktrace-$version-linux-$(uname -m)-static
  rm -rf "$build/$name"
  mkdir -p "$build/$name"
  DESTDIR="$PWD/$build/$name" cmake --install "$build" >/dev/null
  tar -C "$build" -czf "$build/$name.tar.gz" "$name"
  echo "$build/socktrace"
  echo "$build/$name.tar.gz"
  exit 0
fi

build=${BUILD_DIR:-build-pkg}
if [[ -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
else
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOCKTRACE_TESTS=OFF -DSOCKTRACE_BENCH=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target socktrace socktrace_extras >&2
rm -f "$build"/socktrace_*.deb
(cd "$build" && cpack -G DEB >&2)
ls "$build"/socktrace_*.deb
