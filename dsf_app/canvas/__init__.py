"""The canvas: UI that agents compose at run time, as validated specs and the tools that carry them."""
