"""The top floor: pages composed from several apps (home, "my city", the city profile, the
practice page with its similar practices) and the demo loader, which fills every app.

How the apps stand on each other, from the ground up (tests/test_layers.py enforces it):

    core → accounts → cities → practices → search → exchanges, following → conversations
         → api, portal, dashboard, ops

An app imports only from the floors below it; apps on the same floor (api, portal, ops) do
not import each other, and nothing imports portal. `config` (settings, root URLs) is not an
app: it wires them all. When a page needs several apps, it is composed here, not in the lowest
app it shows; when a lower app must tell an upper one that something happened, it sends a
signal the upper one connects to (practices.outbox.outbox_recorded, drained by search).
"""
