"""Use cases: the only bridge between HTTP/DB and the engines."""
