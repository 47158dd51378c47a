"""Rasa-side adapters for Parley: the persona importer, the move classifier and channels.

This package is the one place that knows Rasa's training-data and graph-component classes; the
core (`parley`) never imports Rasa.  Rasa imports it when it loads a Parley model, which is when
the speed-up below is installed.
"""

from parley_rasa.action_results import install_cached_validator

install_cached_validator()
