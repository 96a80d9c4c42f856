"""The canvas's domain: what an agent may put on screen (the component models in `specs.py`, the
field types they share in `fields.py`, the image-URL policy in `image_urls.py`, a whole spec's
limits and ids in `canvas_spec.py`) and the canvas tools' arguments (`tool_args.py`). Nothing
here draws anything or knows the page states; the view is `dsf_app/components/canvas/`."""
