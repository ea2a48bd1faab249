"""Benchmarks: each ``bench_*`` module has a ``main()`` that prints its figures (``make bench``)."""
