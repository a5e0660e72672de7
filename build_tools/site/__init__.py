"""``make site`` after the build step: docs/ → site/ (only what changed), the HTML check, the search index.

    render.py     MkDocs, incrementally: the pages whose source changed since the last render
"""
