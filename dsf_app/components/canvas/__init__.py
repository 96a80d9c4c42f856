"""The canvas's view: the renderer that draws validated specs (`render.py`: the recursive node,
the container types and `RENDERERS`; `leaves.py`: the types that hold no children; `props.py`:
reading a node's props), its fixed theme (`theme.py`) and where surfaces show on a page
(`surfaces.py`). The specs themselves, and their validation, are the domain package
`dsf_app/canvas/`."""
