"""pytest configuration of the documentation folder.

The ``.rst`` pages are collected as doctests (``--doctest-glob=*.rst`` in
pyproject.toml); the Sphinx configuration is not a test module.
"""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*"]
