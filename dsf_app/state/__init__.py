"""Reflex state classes: what each page remembers and the events that change it. Event handlers
call services through `ActsForPerson.act` (state/auth.py), which runs them as the signed-in
person in a worker thread, and `@shows_problems` (state/feedback.py) shows product errors."""
