"""The skill model and its taxonomy. Imports numpy/scikit-learn, never Flask or SQLAlchemy."""
