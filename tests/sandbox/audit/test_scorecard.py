from datetime import timedelta

from iamlab.sandbox.audit import scorecard
from iamlab.sandbox.models import AccessKey, MfaDevice

from .conftest import load


def lines(account):
    return {c.id: c for c in scorecard(account)}


def test_the_base_account_fails_the_practices_it_breaks(account):
    card = lines(account)
    assert not card["root-mfa"].passed
    assert card["root-access-keys"].failures == ["AKIAROOTKEY000000001"]
    assert not card["root-not-used"].passed  # root signed in two days ago
    assert card["permissions-through-groups"].failures == ["bob"]
    assert card["mfa-for-console-users"].failures == ["bob"]
    assert card["temporary-credentials"].failures == ["alice: AKIAALICEKEY00000001"]
    assert card["keys-rotated"].failures == ["alice: AKIAALICEKEY00000001"]
    assert "role old" in card["unused-credentials-removed"].failures
    assert card["least-privilege"].failures == ["Everything"]
    assert card["access-analyzer"].passed
    assert card["one-identity-per-person"].passed
    for check in card.values():
        assert check.fix and check.practice


def test_a_tidy_account_passes(account):
    sandbox = account.sandbox
    AccessKey.objects.filter(account=account).delete()
    MfaDevice.objects.create(
        sandbox=sandbox,
        account=account,
        name="root-mfa",
        assigned_to_root=True,
        created=sandbox.now(),
        enabled=sandbox.now(),
    )
    sandbox.move_clock(timedelta(days=31))
    card = lines(account)
    assert card["root-mfa"].passed
    assert card["root-access-keys"].passed
    assert card["root-not-used"].passed
    assert card["temporary-credentials"].passed
    assert card["keys-rotated"].passed


def test_two_keys_in_use_look_shared_and_public_access_fails(db):
    text = """
format: 1
clock: {now: "2026-06-01T12:00:00Z"}
accounts:
  "111122223333":
    users:
      ci:
        access_keys:
          - {id: AKIACIKEY00000000001, last_used: "2026-05-30T00:00:00Z"}
          - {id: AKIACIKEY00000000002, last_used: "2026-05-31T00:00:00Z"}
    buckets:
      web:
        block_public_access: false
        policy:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject",
                       Resource: "arn:aws:s3:::web/*"}]
"""
    sandbox = load(text, "shared")
    account = sandbox_account(sandbox)
    card = lines(account)
    assert card["one-identity-per-person"].failures == ["ci"]
    assert card["access-analyzer"].failures == ["arn:aws:s3:::web ← {'AWS': '*'}"]


def sandbox_account(sandbox):
    from iamlab.sandbox.models import Account

    return Account.objects.select_related("sandbox").get(sandbox=sandbox)
