"""Runner fixtures live in tests/runner/fixtures.py, registered as a plugin in tests/conftest.py so
tests/api can use them too."""
