"""Evidence from the real CRM: reading its exports (`formats`) and turning behaviour into indicators
(`indicators`). Pure Python, no Flask and no database: the services store and score what these read."""
