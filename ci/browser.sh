#!/usr/bin/env bash
# The HTML report in a real browser: writes the tour's report (`--report`), opens it in headless
# Chromium (installed from Debian's `chromium` package if missing), and fails on any console
# message (the page has no script, so any is an error: a resource it tried to fetch, a parse
# error) or on a blank page (a screenshot of one colour, or a rendered DOM without the pictures).
# Cost: the release build, the tour (~80 s), a few seconds of Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/browser-check
rm -rf "$out"
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

cargo build --release
./target/release/interleave tour --report "$out/tour" >"$out/tour.txt"
page="$PWD/$out/tour/index.html"
test -s "$page"

browser() {
    # Chromium's own chatter (dbus, GPU) goes to stderr with the console; only console lines count.
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --enable-logging=stderr --v=0 "$@" "file://$page"
}
browser --dump-dom >"$out/dom.html" 2>"$out/console-dom.log"
browser --screenshot="$out/tour.png" --window-size=1400,2400 >/dev/null 2>"$out/console-shot.log"

status=0
if grep -h "CONSOLE" "$out"/console-*.log; then
    echo "browser check: the page logged to the console (above)" >&2
    status=1
fi

python3 - "$page" "$out/dom.html" "$out/tour.png" <<'PY' || status=1
import re, sys, struct, zlib
source, dom, png = (open(sys.argv[1], encoding="utf-8").read(),
                    open(sys.argv[2], encoding="utf-8").read(),
                    open(sys.argv[3], "rb").read())
problems = []
for kind in ("timeline", "histogram", "chart"):
    written = len(re.findall(r'<svg class="%s"' % kind, source))
    rendered = len(re.findall(r'<svg class="%s"' % kind, dom))
    print(f"{kind}: {written} written, {rendered} in the rendered DOM")
    if written == 0 or rendered != written:
        problems.append(f"{kind} pictures: {written} written, {rendered} rendered")
for attribute in re.findall(r'(?:src|href)="([^"]*)"', source):
    if not attribute.startswith("#"):
        problems.append(f"the page refers outside itself: {attribute}")
# The screenshot must not be one colour: count the distinct bytes of its decoded pixel rows.
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
at, idat = 8, b""
while at < len(png):
    length, kind = struct.unpack(">I4s", png[at:at + 8])
    if kind == b"IDAT":
        idat += png[at + 8:at + 8 + length]
    at += 12 + length
distinct = len(set(zlib.decompress(idat)))
print(f"screenshot: {distinct} distinct byte values")
if distinct < 16:
    problems.append("the screenshot is blank (one colour)")
for problem in problems:
    print("browser check:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
if [ "$status" = 0 ]; then echo "browser check: the tour's report renders ($out/tour.png)"; fi
exit "$status"
