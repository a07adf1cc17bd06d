"""The web pages: staff, evaluators and auditors in Dutch (the default) or English."""
