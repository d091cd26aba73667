#!/usr/bin/env bash
# Opens a poolbench report in headless Chromium, as a reviewer's browser
# would: saves a screenshot, and fails if the page logged anything to the
# console (it has no script, so any message is an error: a resource that
# did not load, markup the browser rejected) or if a chart is missing from
# the rendered page.
#
# Usage: scripts/check-report.sh REPORT_DIR     (installs Debian's chromium if missing)
set -euo pipefail
dir=${1:?usage: scripts/check-report.sh REPORT_DIR}
page=$(realpath "$dir/index.html" 2>/dev/null || true)
if [ ! -f "$page" ]; then
  echo "check-report: no index.html in $dir" >&2
  exit 1
fi
if ! command -v chromium >/dev/null; then
  echo "check-report: installing chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Stale or missing package lists: refresh once and try again.
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Flags that keep Chromium off the network this machine does not have.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$work/profile" --enable-logging=stderr --v=0)

timeout 60 chromium "${flags[@]}" --dump-dom "file://$page" >"$work/dom.html" 2>"$work/console.log"
# A desktop's width and a phone's (390 px, as an iPhone 14 shows a page).
timeout 60 chromium "${flags[@]}" --window-size=1280,5200 --hide-scrollbars \
  --screenshot="$dir/screenshot.png" "file://$page" >/dev/null 2>>"$work/console.log"
timeout 60 chromium "${flags[@]}" --window-size=390,8000 --hide-scrollbars \
  --screenshot="$dir/screenshot-phone.png" "file://$page" >/dev/null 2>>"$work/console.log"

# How wide the page lays out at each width: a copy of the page with a probe
# that writes the document's scroll width and the viewport's into the DOM
# (the report itself has no script). Wider than the viewport is a page that
# scrolls sideways. (Headless Chromium lays a page out at 500 px at the
# least; the phone layout starts at 600.)
sed 's|</body>|<script>document.body.dataset.scroll = document.documentElement.scrollWidth + "-" + window.innerWidth;</script></body>|' \
  "$page" >"$work/probe.html"
widths=""
for w in 1280 390; do
  scroll=$(timeout 60 chromium "${flags[@]}" --window-size=$w,900 --dump-dom "file://$work/probe.html" 2>>"$work/probe.log" |
    grep -o 'data-scroll="[0-9]*-[0-9]*"' | grep -o '[0-9]\+-[0-9]\+' || true)
  widths="$widths $w:${scroll:-?}"
done

status=0
if grep -E 'CONSOLE|Uncaught|Failed to load' "$work/console.log"; then
  echo "check-report: the page logged to the console (above)" >&2
  status=1
fi
for pair in $widths; do
  w=${pair%%:*} measured=${pair#*:}
  scroll=${measured%-*} viewport=${measured#*-}
  if [ "$measured" = "?" ]; then
    echo "check-report: could not measure the page at $w px" >&2
    status=1
  elif [ "$scroll" -gt "$viewport" ]; then
    echo "check-report: in a $viewport px window the page is $scroll px wide: it scrolls sideways" >&2
    status=1
  else
    echo "check-report: in a $viewport px window the page fits ($scroll px)"
  fi
done
python3 - "$dir" "$work/dom.html" <<'PY' || status=1
import html.parser, os, sys
report, dom_file = sys.argv[1], sys.argv[2]
expected = sorted(f[:-4] for f in os.listdir(report) if f.endswith(".svg"))

class Figures(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.open, self.with_svg, self.stack = None, set(), []
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "chart" in (attrs.get("class") or ""):
            self.open = attrs.get("id")
        if tag == "svg" and self.open:
            self.with_svg.add(self.open)
    def handle_endtag(self, tag):
        if tag == "figure":
            self.open = None

parser = Figures()
parser.feed(open(dom_file, encoding="utf-8").read())
missing = [c for c in expected if c not in parser.with_svg]
if not expected:
    print("check-report: the report has no charts", file=sys.stderr); sys.exit(1)
if missing:
    print(f"check-report: charts missing from the rendered page: {missing}", file=sys.stderr); sys.exit(1)
print(f"check-report: {len(expected)} charts rendered: {', '.join(expected)}")
PY
if [ ! -s "$dir/screenshot.png" ]; then
  echo "check-report: no screenshot was taken" >&2
  status=1
else
  echo "check-report: screenshots in $dir/screenshot.png (1280 px) and $dir/screenshot-phone.png (390 px)"
fi
exit $status
