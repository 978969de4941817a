"""The quiz engine: item types and graders, bank loading, quiz assembly and importers.

Pure Python (PyYAML only): never imports Flask or SQLAlchemy. `app/` serves it.
"""
