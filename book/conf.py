"""Sphinx + MyST-NB settings for the course's website (``python course.py site``, ``make site``).

``scripts/build_site.py`` copies this file, the contents page and the notebooks into
``build/site-src/`` and runs Sphinx there; nothing is executed (the committed outputs are shown)
and nothing is fetched: MathJax comes from the ``jupyter-server-mathjax`` package.
"""

project = "Convolutional neural networks, interactively (卷积神经网络)"
author = "the course's authors"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "notebooks/downloads", "**.ipynb_checkpoints"]
nb_execution_mode = "off"  # the committed, class-profile outputs, as they ran
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
html_theme = "sphinx_book_theme"
html_title = "CNNs, interactively (卷积神经网络)"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_theme_options = {
    "use_download_button": False,  # each chapter links its own notebook (scripts/build_site.py)
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
html_show_sourcelink = False
html_copy_source = False
# MathJax 2 from the local copy (no CDN): the TeX of the notebooks' $...$ and $$...$$.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processRefs": False, "processEnvironments": False,
                # MyST-NB marks a notebook tex2jax_ignore and its math with the class "math"
                "processClass": "tex2jax_process|mathjax_process|math|output_area"},
    "messageStyle": "none",
    # the fonts jupyter-server-mathjax ships (STIX-Web); TeX's own are not in it
    "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web",
                 "webFont": "STIX-Web", "imageFont": None},
    "menuSettings": {"zoom": "None"},
}
mathjax3_config = None
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
