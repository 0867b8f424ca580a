"""Taking a request in: writing it, its lane, the proof of work, card codes, references and
the person's own view of it."""
