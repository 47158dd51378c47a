"""Parley's cockpit for trainers, team leads and trainees: a Sanic app (Rasa ships Sanic) with Jinja2
templates and Chart.js charts served as static files under a strict Content-Security-Policy.

    python -m parley_web --port 8081            (scripts/run.sh starts it on COCKPIT_PORT)
"""
