"""The CRM simulator: a vendor-neutral sandbox CRM as a pure engine, seeded scenarios, and checks
that grade both the resulting data and the way it was reached. Never imports Flask or SQLAlchemy.
"""
