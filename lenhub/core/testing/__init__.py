"""Helpers shared by the test suites (not used by the running application)."""
