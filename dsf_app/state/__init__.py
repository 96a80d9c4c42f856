"""Reflex state classes: what each page remembers and the events that change it. Event handlers
get the acting person from `ActsForPerson.actor()` (state/auth.py) and call services."""
