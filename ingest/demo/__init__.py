"""The offline demo and fixture sites: hand-written WordPress, VNPT-portal and Z-CMS papers served on 127.0.0.1.

``sites.py`` says what each site serves, ``content.py`` writes the article texts, ``server.py`` serves them over
HTTP (``python -m ingest.demo`` = ``python -m ingest.demo.server``). ``ingest demo`` crawls them into a database.
"""
