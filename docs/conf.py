"""Sphinx configuration of the sklearn-recourse documentation.

Build with ``sphinx-build -b html docs docs/_build/html``. The package is
installed in editable mode, so no ``sys.path`` manipulation is needed.
"""

import sklearn_recourse

project = "sklearn-recourse"
author = "sklearn-recourse developers"
copyright = "sklearn-recourse developers"
version = sklearn_recourse.__version__
release = sklearn_recourse.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

# No network access: intersphinx stays off, so references to scikit-learn,
# numpy or pandas objects are rendered as plain literals.

autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"

# numpydoc renders the Parameters/Attributes sections itself; listing the
# class members again would create duplicate object descriptions.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "conftest.py"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"

html_theme = "alabaster"
html_title = f"sklearn-recourse {release}"
html_theme_options = {
    "description": "Algorithmic recourse as scikit-learn estimators",
    "fixed_sidebar": True,
}


# scikit-learn's metadata-routing plumbing (``set_*_request``,
# ``get_metadata_routing``) is inherited by every estimator; its docstrings
# point into scikit-learn's own documentation, which is not linked here.
def _skip_sklearn_plumbing(app, what, name, obj, skip, options):
    if name == "get_metadata_routing" or (
        name.startswith("set_") and name.endswith("_request")
    ):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)
