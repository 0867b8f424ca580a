"""What several test modules share: settings, factories, and ways to act as a person would.

Fixtures stay in conftest.py; test modules import helpers from here, never from each other.
"""
