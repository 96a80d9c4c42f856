"""The canvas's domain: what an agent may put on screen (`specs.py`), the canvas tools' arguments
(`tool_args.py`) and their validation (`validate.py`). Nothing here draws anything or knows the
page states; the view is `dsf_app/components/canvas/`."""
