#!/usr/bin/env bash
# Vendor the dashboard's JavaScript and map data from npm into the package (no CDN at run time).
# Usage: tools/vendor_js.sh   (needs npm; run from anywhere; rewrites web/static/vendor/)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/autonomy_monitor/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PACKAGES=(vega@6.4.0 vega-lite@6.5.0 vega-embed@7.3.0 htmx.org@2.0.11 world-atlas@2.0.2)
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "${PACKAGES[@]}" >/dev/null
mkdir -p "$DEST"
cp node_modules/vega/build/vega.min.js "$DEST/vega.min.js"
cp node_modules/vega-lite/build/vega-lite.min.js "$DEST/vega-lite.min.js"
cp node_modules/vega-embed/build/vega-embed.min.js "$DEST/vega-embed.min.js"
cp node_modules/htmx.org/dist/htmx.min.js "$DEST/htmx.min.js"
cp node_modules/world-atlas/countries-110m.json "$DEST/countries-110m.json"
for pkg in vega vega-lite vega-embed htmx.org world-atlas; do
  cp node_modules/$pkg/LICENSE* "$DEST/LICENSE.$pkg" 2>/dev/null || true
done
{
  echo "# Vendored from npm by tools/vendor_js.sh"
  for pkg in vega vega-lite vega-embed htmx.org world-atlas; do
    node -e "const p=require('./node_modules/$pkg/package.json');console.log(p.name+'@'+p.version+' ('+p.license+')')"
  done
} > "$DEST/VERSIONS.txt"
echo "Vendored into $DEST:"
cat "$DEST/VERSIONS.txt"
