"""Outgoing signed webhooks (issue 20): recording events with their change, delivering them in order through the
worker, and the organization admin's page. `signing` (Standard Webhooks), `addresses` (where a webhook may go),
`events` (recording), `delivery` (the worker's side), `services` (the admin's changes), `selectors`, `receivers`
(the lower apps' signals), `forms`, `views`."""
