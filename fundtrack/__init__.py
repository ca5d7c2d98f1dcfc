"""fundtrack: grants and multi-funder budgets for Québec community organisations."""
