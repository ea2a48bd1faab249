#!/bin/sh
# Deploy vn-news-ingest's Scrapy project to a Scrapyd server.
#   deploy/scrapyd/deploy.sh [SCRAPYD_URL] [VERSION]      (default http://127.0.0.1:6800/, a timestamp)
# The Scrapyd host needs the package installed in Scrapyd's environment (pip install 'vn-news-ingest[scrapyd]')
# and INGEST_DB_URL / INGEST_SITES_FILE set there. The egg is built in a staging folder so the checkout gets
# no setup.py, build/ or egg-info.
set -eu
url="${1:-http://127.0.0.1:6800/}"
version="${2:-$(date -u +%Y%m%d%H%M%S)}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
deploy="${SCRAPYD_DEPLOY:-scrapyd-deploy}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -R "$root/spiders" "$root/pipelines" "$stage/"
cp "$root/deploy/scrapyd/setup.py" "$stage/setup.py"
find "$stage" -name __pycache__ -type d -prune -exec rm -rf {} +
cat > "$stage/scrapy.cfg" <<CFG
[settings]
default = ingest.settings

[deploy:target]
url = $url
project = vn_news_ingest
CFG
cd "$stage"
"$deploy" target -p vn_news_ingest -v "$version"
