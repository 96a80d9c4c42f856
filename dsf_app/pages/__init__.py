"""One module per page; each exports the page function and its route."""
