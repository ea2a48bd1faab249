"""URLs: one canonical spelling per article address, the key the dedup stage and the database rely on.

Owns :func:`canonical_url`: scheme and host case, default ports, www/mobile/AMP variants, tracking parameters,
fragments and the trailing slash, with IDN hosts in their ASCII (punycode) form. Built on w3lib.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

__all__ = ["canonical_url", "is_tracking_param", "url_rank"]

# Parameters that only say where a click came from (ads, newsletters, social and Zalo shares).
_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "zarsrc",
        "gidzl",
        "zacc",
        "ocid",
        "cmpid",
        "spm",
        "share",
        "fb_source",
        "fb_ref",
        "fb_action_ids",
        "fb_action_types",
        "amp",
        "outputtype",
    }
)
_TRACKING_PREFIX = ("utm_", "pk_", "mtm_", "hsa_", "vero_", "oly_")
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp)$", re.IGNORECASE)
_MOBILE_HOST = re.compile(r"^(?:m|mobile|amp)\.", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only track a click (utm_*, fbclid, gclid, Zalo's zarsrc ...).

    >>> is_tracking_param("utm_source"), is_tracking_param("fbclid"), is_tracking_param("id")
    (True, True, False)
    """
    low = name.lower()
    return low in _TRACKING_EXACT or low.startswith(_TRACKING_PREFIX)


def canonical_url(url: str | None, *, strip_www: bool = True, strip_mobile: bool = True) -> str:
    """Return the canonical spelling of an http(s) URL; other input comes back trimmed. Never raises.

    Lower-cases scheme and host, drops the default port, the fragment and tracking parameters, sorts the remaining
    parameters, removes the ``www.`` prefix (``strip_www``) and mobile/AMP variants (``m.``, ``amp.``, ``/amp``;
    ``strip_mobile``), encodes IDN hosts as punycode, and removes a trailing slash except on the root path.

    >>> canonical_url("HTTPS://WWW.BaoGiaLai.com.vn:443/tin-tuc/abc-post123.html/?utm_source=fb&b=2&a=1#top")
    'https://baogialai.com.vn/tin-tuc/abc-post123.html?a=1&b=2'
    >>> canonical_url("https://m.vnexpress.net/abc-123.html?fbclid=x", strip_mobile=True)
    'https://vnexpress.net/abc-123.html'
    >>> canonical_url("http://báo.vn")
    'http://xn--bo-mia.vn/'
    """
    if not url or not isinstance(url, str):
        return ""
    return _canonical(url, strip_www, strip_mobile)


# A crawl canonicalises each article URL several times (found on a listing or in a sitemap, again when its page
# arrives, in the normalize stage, in the incremental check): the last few thousand answers are kept.
@functools.lru_cache(maxsize=4096)
def _canonical(url: str, strip_www: bool, strip_mobile: bool) -> str:
    raw = url.strip()
    try:
        candidate = "https:" + raw if raw.startswith("//") else raw
        parts = urlsplit(safe_url_string(candidate))
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return raw
        host = parts.hostname.rstrip(".").lower()
        if strip_www and host.startswith("www.") and host.count(".") >= 2:
            host = host[4:]
        if strip_mobile and _MOBILE_HOST.match(host) and host.count(".") >= 2:
            host = host.split(".", 1)[1]
        port = parts.port
        netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        path = parts.path or "/"
        if strip_mobile:
            path = _AMP_PATH.sub("", path) or "/"
        path = re.sub(r"/{2,}", "/", path)
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        query = urlencode(
            [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
        )
        return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")), keep_fragments=False)
    except (ValueError, TypeError, UnicodeError):
        return raw


def url_rank(url: str) -> tuple[bool, int, str]:
    """Order of preference among the fetched URLs of one article: without a query, then shortest, then alphabetical.

    The store keeps the lowest as an article's ``url``; incremental crawls fetch a stored article again when they
    meet a variant that ranks lower, so the stored URL does not depend on which variant a crawl met first.
    """
    return ("?" in url, len(url), url)
