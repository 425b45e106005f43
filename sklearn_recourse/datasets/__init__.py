"""Benchmark datasets for algorithmic recourse.

Adult, COMPAS and German credit are shipped with the package (gzip-compressed
CSV files, no download needed). HELOC cannot be redistributed (FICO licence):
:func:`load_heloc` reads a copy you provide.

All loaders return raw feature values and an integer target where 1 is the
favourable outcome, together with the metadata recourse methods need:
``categorical_features``, ``immutable_features``, ``increasing_features`` and
``actionable_features``.
"""

from ._loaders import load_adult, load_compas, load_german, load_heloc

__all__ = ["load_adult", "load_compas", "load_german", "load_heloc"]
