"""Routes of the JSON API, one module per capability; each route declares its least role."""
