"""Pre-flight of a preset's DAG: each heavy job runs at its full size for a few steps (``clock``), and the
measurements become one table of predicted runtimes and peak memory against the jobs' requests (``table``)."""
