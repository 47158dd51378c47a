"""Rasa-side adapters for Parley: the persona importer, the move classifier and channels.

This package is the one place that knows Rasa's training-data and graph-component classes; the
core (`parley`) never imports Rasa.
"""
