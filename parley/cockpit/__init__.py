"""The cockpit's plain-Python side (no Sanic import): accounts and passwords, who may see what, the
queries behind each page, the rubric in plain words, seeding and data retention.  The web app is in
parley_web/."""
