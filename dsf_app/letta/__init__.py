"""Reaching the Letta server and the models it offers: the client DSF's settings configure, and
which model the agents (and the evaluators, who ask the same model) run on. Below the agents and
the evaluators, above the services."""
