"""The Scrapyd egg of vn-news-ingest: the Scrapy project's spiders and pipelines, with ``ingest.settings``.

The ``ingest`` package itself (database, migrations, extraction, registry) is installed on the Scrapyd host with
pip, not shipped in the egg: migrations and package data must be real files, which an egg's zip is not.
``deploy.sh`` copies this file beside the project's modules in a staging folder and runs ``scrapyd-deploy``.
"""

from setuptools import setup

setup(
    name="vn_news_ingest",
    version="1.0",
    packages=["spiders", "pipelines"],
    entry_points={"scrapy": ["settings = ingest.settings"]},
    zip_safe=True,
)
