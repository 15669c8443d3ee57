from tests.factories import client_for, make_challenge, submitted_entry


def test_smoke(app, mailbox):
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = submitted_entry(p)
    assert entry["reference"] == "HIV-0001"
