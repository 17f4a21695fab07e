"""`python -m orchestrator.conformance`: see orchestrator/conformance/runner.py."""

from orchestrator.conformance.runner import main

raise SystemExit(main())
