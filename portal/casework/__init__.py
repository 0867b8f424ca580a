"""The social workers' work: the queue and its calling order, transitions, safe windows,
working hours, referrals and triage."""
