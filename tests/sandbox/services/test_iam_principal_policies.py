import json

import pytest

from iamlab.sandbox import managed_catalog
from iamlab.sandbox.models import ActivityEvent
from iamlab.sandbox.services import errors, iam, principals

from .conftest import ACCOUNT, ADMIN_ARN, READ_ONLY_ARN, allow, denied, document, trust

KINDS = {
    "user": ("UserName", lambda c: iam.create_user(c, UserName="it")),
    "group": ("GroupName", lambda c: iam.create_group(c, GroupName="it")),
    "role": (
        "RoleName",
        lambda c: iam.create_role(c, RoleName="it", AssumeRolePolicyDocument=trust()),
    ),
}
LABEL = {"user": "User", "group": "Group", "role": "Role"}


def op(verb: str, kind: str, suffix: str = "Policy"):
    """iam.attach_user_policy & co., by kind."""
    name = f"{verb}_{kind}_{suffix}".lower()
    return getattr(iam, name)


@pytest.fixture(params=["user", "group", "role"])
def kind(request, admin):
    param, create = KINDS[request.param]
    create(admin)
    return request.param, param


def _policies(admin, count):
    arns = []
    for i in range(count):
        out = iam.create_policy(admin, PolicyName=f"p{i}", PolicyDocument=allow())
        arns.append(out["Policy"]["Arn"])
    return arns


def test_it_attaches_lists_and_detaches_managed_policies(admin, kind):
    k, param = kind
    op("attach", k)(admin, **{param: "it"}, PolicyArn=READ_ONLY_ARN)
    listed = op("list_attached", k, "policies")(admin, **{param: "it"})
    assert listed == {
        "AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY_ARN}],
        "IsTruncated": False,
    }
    op("detach", k)(admin, **{param: "it"}, PolicyArn=READ_ONLY_ARN)
    assert op("list_attached", k, "policies")(admin, **{param: "it"})["AttachedPolicies"] == []


def test_it_enforces_ten_managed_policies_per_identity(admin, kind):
    k, param = kind
    for name in managed_catalog.aws_managed_policy_names()[:10]:
        policy_arn = managed_catalog.aws_managed_policy(name)["arn"]
        op("attach", k)(admin, **{param: "it"}, PolicyArn=policy_arn)
    (extra,) = _policies(admin, 1)
    with pytest.raises(errors.LimitExceeded) as caught:
        op("attach", k)(admin, **{param: "it"}, PolicyArn=extra)
    assert caught.value.message == f"Cannot exceed quota for PoliciesPer{LABEL[k]}: 10"


def test_it_attaches_several_customer_managed_policies(admin, kind):
    k, param = kind
    for policy_arn in _policies(admin, 2):
        op("attach", k)(admin, **{param: "it"}, PolicyArn=policy_arn)
    assert len(op("list_attached", k, "policies")(admin, **{param: "it"})["AttachedPolicies"]) == 2


def test_it_refuses_a_policy_that_does_not_exist(admin, kind):
    k, param = kind
    missing = f"arn:aws:iam::{ACCOUNT}:policy/x"
    with pytest.raises(errors.NoSuchEntity) as caught:
        op("attach", k)(admin, **{param: "it"}, PolicyArn=missing)
    assert caught.value.message == f"Policy {missing} does not exist or is not attachable."


def test_it_refuses_an_aws_managed_policy_the_catalog_does_not_know(admin, kind):
    k, param = kind
    unknown = "arn:aws:iam::aws:policy/NoSuchPolicyAtAll"
    with pytest.raises(errors.NoSuchEntity):
        op("attach", k)(admin, **{param: "it"}, PolicyArn=unknown)


def test_it_refuses_to_detach_a_policy_that_is_not_attached(admin, kind):
    k, param = kind
    with pytest.raises(errors.NoSuchEntity) as caught:
        op("detach", k)(admin, **{param: "it"}, PolicyArn=READ_ONLY_ARN)
    assert caught.value.message == f"Policy {READ_ONLY_ARN} was not found."


def test_it_says_when_the_identity_is_missing(admin, kind):
    k, param = kind
    with pytest.raises(errors.NoSuchEntity) as caught:
        op("attach", k)(admin, **{param: "ghost"}, PolicyArn=READ_ONLY_ARN)
    assert caught.value.message == f"The {k} with name ghost cannot be found."


def test_it_puts_gets_lists_and_deletes_inline_policies(admin, kind):
    k, param = kind
    op("put", k)(admin, **{param: "it"}, PolicyName="s3", PolicyDocument=allow())
    got = op("get", k)(admin, **{param: "it"}, PolicyName="s3")
    assert got == {
        f"{LABEL[k]}Name": "it",
        "PolicyName": "s3",
        "PolicyDocument": json.loads(allow()),
    }
    assert op("list", k, "policies")(admin, **{param: "it"})["PolicyNames"] == ["s3"]
    op("delete", k)(admin, **{param: "it"}, PolicyName="s3")
    with pytest.raises(errors.NoSuchEntity) as caught:
        op("get", k)(admin, **{param: "it"}, PolicyName="s3")
    assert caught.value.message == f"The {k} policy with name s3 cannot be found."


def test_it_refuses_a_malformed_inline_policy(admin, kind):
    k, param = kind
    with pytest.raises(errors.MalformedPolicyDocument):
        op("put", k)(admin, **{param: "it"}, PolicyName="bad", PolicyDocument='{"Statement": 3}')


@pytest.mark.parametrize(("k", "quota"), [("user", 2048), ("group", 5120), ("role", 10240)])
def test_it_enforces_the_aggregate_inline_policy_size(admin, k, quota):
    param, create = KINDS[k]
    create(admin)
    # Each document is about 40% of the quota: two fit, the third does not.
    actions = [f"s3:Get{i:04d}" for i in range(quota * 4 // 10 // 12)]
    text = document({"Effect": "Allow", "Action": actions, "Resource": "*"})
    op("put", k)(admin, **{param: "it"}, PolicyName="one", PolicyDocument=text)
    op("put", k)(admin, **{param: "it"}, PolicyName="two", PolicyDocument=text)
    op("put", k)(admin, **{param: "it"}, PolicyName="two", PolicyDocument=text)  # replaces
    with pytest.raises(errors.LimitExceeded) as caught:
        op("put", k)(admin, **{param: "it"}, PolicyName="three", PolicyDocument=text)
    assert caught.value.message == f"Maximum policy size of {quota} bytes exceeded for {k} it"


def test_it_puts_and_deletes_permissions_boundaries(admin):
    iam.create_user(admin, UserName="bob")
    iam.put_user_permissions_boundary(admin, UserName="bob", PermissionsBoundary=READ_ONLY_ARN)
    user = iam.get_user(admin, UserName="bob")["User"]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY_ARN
    iam.delete_user_permissions_boundary(admin, UserName="bob")
    assert "PermissionsBoundary" not in iam.get_user(admin, UserName="bob")["User"]


def test_it_puts_a_role_boundary(admin):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.put_role_permissions_boundary(admin, RoleName="app", PermissionsBoundary=READ_ONLY_ARN)
    role = iam.get_role(admin, RoleName="app")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY_ARN
    iam.delete_role_permissions_boundary(admin, RoleName="app")
    assert "PermissionsBoundary" not in iam.get_role(admin, RoleName="app")["Role"]


def test_it_refuses_a_boundary_that_does_not_exist(admin):
    iam.create_user(admin, UserName="bob")
    missing = f"arn:aws:iam::{ACCOUNT}:policy/none"
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.put_user_permissions_boundary(admin, UserName="bob", PermissionsBoundary=missing)
    assert caught.value.message == f"Policy {missing} does not exist or is not attachable."


def test_it_denies_attaching_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.attach_user_policy(nobody, UserName="nobody", PolicyArn=ADMIN_ARN)
    assert caught.value.message == denied(
        "nobody", "iam:AttachUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/nobody"
    )


def test_it_puts_the_policy_arn_in_the_request_context(sandbox, root):
    iam.create_user(root, UserName="helper")
    only_read_only = document(
        {
            "Effect": "Allow",
            "Action": "iam:AttachUserPolicy",
            "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": READ_ONLY_ARN}},
        }
    )
    iam.put_user_policy(root, UserName="helper", PolicyName="p", PolicyDocument=only_read_only)
    helper = principals.as_user(sandbox, "helper")
    iam.attach_user_policy(helper, UserName="helper", PolicyArn=READ_ONLY_ARN)
    with pytest.raises(errors.AccessDenied):
        iam.attach_user_policy(helper, UserName="helper", PolicyArn=ADMIN_ARN)


def test_it_logs_a_failure_after_authorization_with_its_code(sandbox, admin):
    with pytest.raises(errors.NoSuchEntity):
        iam.attach_user_policy(admin, UserName="ghost", PolicyArn=ADMIN_ARN)
    event = ActivityEvent.objects.filter(sandbox=sandbox, action="iam:AttachUserPolicy").last()
    assert (event.decision, event.error_code) == ("allowed", "NoSuchEntity")
