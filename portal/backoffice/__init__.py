"""The back office for staff: login, queue, requests, users, audit."""
