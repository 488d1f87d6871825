#!/bin/sh
# Screenshot a `clipz validate --report` HTML page to PNG with headless Chromium, to look at the
# page without a browser (e.g. on a build box). Not used by the tests.
#   Tools/render_report.sh report.html report.png [width] [height]
# Needs Debian's chromium-headless-shell (apt-get install chromium-headless-shell) or chromium.
set -eu
if [ $# -lt 2 ]; then echo "usage: $0 REPORT.html OUT.png [width=1280] [height=1500]" >&2; exit 2; fi
in=$1; out=$2; w=${3:-1280}; h=${4:-1500}
[ -f "$in" ] || { echo "$0: $in: no such file" >&2; exit 1; }
browser=""
for b in chromium-headless-shell chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
[ -n "$browser" ] || { echo "$0: no chromium found (apt-get install chromium-headless-shell)" >&2; exit 1; }
abs=$(cd "$(dirname "$in")" && pwd)/$(basename "$in")
case "$out" in /*) absout=$out ;; *) absout=$(pwd)/$out ;; esac
# The page is self-contained, so networking stays off; --no-sandbox because build boxes often run as root.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$w,$h" --screenshot="$absout" "file://$abs" >/dev/null 2>&1
[ -s "$absout" ] || { echo "$0: $browser wrote no screenshot" >&2; exit 1; }
echo "wrote $absout"
