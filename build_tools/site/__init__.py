"""``make site`` after the build step: docs/ → site/ (only what changed), the HTML check, the search index.

    render.py       which pages to render again (the stat record of docs/), a warm Renderer for the preview
    incremental.py  the changed pages alone, with MkDocs' page functions (no walk, no Page for the rest)
    parallel.py     a full render with the pages spread over worker processes
"""
