# Parley: `make run` to practise, `make test` to run every test.
.PHONY: install train run run-team bench-team test test-unit test-nlu validate personas-check personas-test lint bench bench-evaluator clean

install:
	bash scripts/setup.sh

train: install
	bash scripts/train.sh

run:
	bash scripts/run.sh

run-team:  # PostgreSQL + Redis + 2 Rasa + 2 action servers behind nginx (docs/deploy.md)
	bash scripts/run-team.sh

test: install
	bash scripts/test.sh

test-unit: install
	.venv/bin/pytest tests/core tests/actions -q

test-nlu: train  # Rasa's own NLU report (intent = a turn's main move) on the held-out examples
	.venv/bin/python -m parley_rasa.importer var/heldout.nlu.yml
	RASA_TELEMETRY_ENABLED=false .venv/bin/rasa test nlu --nlu var/heldout.nlu.yml --out results/nlu

validate: install
	RASA_TELEMETRY_ENABLED=false .venv/bin/rasa data validate --config config.yml --domain domain.yml --data data

personas-check: install
	.venv/bin/parley personas check

personas-test: install
	.venv/bin/parley personas test

lint: install
	.venv/bin/ruff check parley parley_rasa parley_web actions tests bench deploy

bench: train
	.venv/bin/python bench/bench_turns.py

bench-team: train  # turns/s and latency: SQLite 1+1 vs PostgreSQL+Redis 1+1 vs 2+2 behind nginx
	bash scripts/team-deps.sh
	.venv/bin/python bench/bench_team.py

bench-evaluator: install
	.venv/bin/python bench/bench_evaluator.py

clean:
	rm -rf .rasa models var .parley .pytest_cache
