"""In-app notifications and e-mail about events, sent by jobs after commit, once per event and user."""
