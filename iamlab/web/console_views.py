"""The IAM console pages of a sandbox: dashboard, users, groups, roles, policies, identity
providers and account settings.

Pages read the sandbox's rows to show them; every change is a service call as the principal the
learner acts as (`console_context.run`), so AWS's errors — AccessDenied with AWS's message,
NoSuchEntity, DeleteConflict, LimitExceeded, MalformedPolicyDocument — reach the page as they
would in the console, and a stale form (the sandbox changed in another tab) saves nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from iamlab.sandbox import managed_catalog
from iamlab.sandbox.models import (
    AccessKey,
    Bucket,
    GroupMembership,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    MfaDevice,
    PolicyAttachment,
    Role,
)
from iamlab.sandbox.services import iam, resources, sts
from iamlab.sandbox.services.errors import AccessDenied, AwsError

from .access import get_own_sandbox
from .console_context import (
    STALE_MESSAGE,
    Outcome,
    acting_caller,
    render_page,
    report,
    run,
    sandbox_context,
    set_acting_arn,
)
from .console_more_views import read_denied

SECRET_KEY_SESSION = "iamlab.new-access-key"

DEFAULT_TRUST_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::ACCOUNT_ID:root"},
      "Action": "sts:AssumeRole"
    }
  ]
}"""

# Starting points for a new role's trust policy: (label, the Principal element).
TRUSTED_ENTITIES = {
    "account": ("This account", '{"AWS": "arn:aws:iam::ACCOUNT_ID:root"}'),
    "other-account": ("Another AWS account", '{"AWS": "arn:aws:iam::444455556666:root"}'),
    "ec2": ("EC2 instances", '{"Service": "ec2.amazonaws.com"}'),
    "lambda": ("Lambda functions", '{"Service": "lambda.amazonaws.com"}'),
}

DEFAULT_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:ListAllMyBuckets",
      "Resource": "*"
    }
  ]
}"""


def _page(request: HttpRequest, template: str, context: dict, **kwargs) -> HttpResponse:  # noqa: ANN003
    response = render_page(request, template, context, **kwargs)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _error_context(error: AwsError | None) -> dict:
    return {"aws_error": error} if error is not None else {}


def _permission_probe(call: Callable[[], object]) -> AwsError | None:
    """Run a read-only List/Get call as the acting principal; its AccessDenied, if any."""
    try:
        call()
    except AccessDenied as error:
        return error
    except AwsError:
        return None
    return None


def _names(tags: dict) -> list[tuple[str, str]]:
    return sorted(tags.items())


def _attached(owner_field: str, owner: object) -> list[dict]:
    rows = PolicyAttachment.objects.filter(**{owner_field: owner}).select_related("policy")
    out = []
    for row in rows:
        arn = row.policy_arn
        out.append(
            {
                "arn": arn,
                "name": row.policy.name if row.policy_id else arn.rsplit("/", 1)[-1],
                "aws_managed": not row.policy_id,
            }
        )
    return sorted(out, key=lambda a: a["name"].lower())


def _attachable(sandbox, account) -> dict:  # noqa: ANN001
    """Policies the attach form offers: the account's customer managed ones, and AWS's."""
    return {
        "customer_policies": ManagedPolicy.objects.filter(sandbox=sandbox, account=account)
        .order_by("name")
        .only("name", "path", "account__account_id")
        .select_related("account"),
        "aws_policy_names": managed_catalog.aws_managed_policy_names(),
    }


# ---------------------------------------------------------------- dashboard


@login_required
def dashboard(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="dashboard")
    account = ctx["account"]
    ctx["counts"] = {
        "users": IamUser.objects.filter(account=account).count(),
        "groups": IamGroup.objects.filter(account=account).count(),
        "roles": Role.objects.filter(account=account).count(),
        "policies": ManagedPolicy.objects.filter(account=account).count(),
        "providers": IdentityProvider.objects.filter(account=account).count(),
    }
    ctx["root_mfa"] = MfaDevice.objects.filter(account=account, assigned_to_root=True).exists()
    ctx["root_keys"] = AccessKey.objects.filter(account=account, user__isnull=True).count()
    return _page(request, "sandbox/dashboard.html", ctx)


# ---------------------------------------------------------------- users


@login_required
def users(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="users")
    caller = ctx["caller"]
    ctx["denied"] = _permission_probe(lambda: iam.list_users(caller, MaxItems=1))
    query = request.GET.get("q", "").strip()
    rows = IamUser.objects.filter(account=ctx["account"]).order_by("name")
    if query:
        rows = rows.filter(name__icontains=query)
    ctx.update(rows=list(rows), query=query)
    return _page(request, "sandbox/users.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    form = {"name": "", "path": "/", "tag_key": "", "tag_value": ""}
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        params: dict = {"UserName": form["name"]}
        if form["path"] and form["path"] != "/":
            params["Path"] = form["path"]
        if form["tag_key"]:
            params["Tags"] = [{"Key": form["tag_key"], "Value": form["tag_value"]}]
        outcome = run(request, sandbox, lambda c: iam.create_user(c, **params))
        if outcome.ok:
            messages.success(request, f"User {form['name']} created.")
            return redirect("console_user", sandbox_id=sandbox.pk, name=form["name"])
        error = outcome.error
    ctx = sandbox_context(request, sandbox, section="users", form=form, **_error_context(error))
    return _page(request, "sandbox/user_create.html", ctx, status=_status(error))


def _status(error: AwsError | None) -> int:
    if error is None:
        return 200
    return error.http_status if 400 <= error.http_status < 500 else 400


USER_TABS = [
    ("permissions", "Permissions"),
    ("groups", "Groups"),
    ("tags", "Tags"),
    ("security-credentials", "Security credentials"),
    ("access-advisor", "Access Advisor"),
]


@login_required
def user_detail(
    request: HttpRequest, sandbox_id: int, name: str, tab: str = "permissions"
) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="users")
    user = IamUser.objects.filter(account=ctx["account"], name=name).first()
    if user is None:
        raise Http404(f"No user named {name} in this account.")
    ctx.update(entity=user, tab=tab, tabs=USER_TABS)
    caller, user_name = ctx["caller"], user.name
    ctx["summary_denied"] = read_denied(lambda: iam.get_user(caller, UserName=user_name))
    reads = {
        "permissions": [
            lambda: iam.list_attached_user_policies(caller, UserName=user_name),
            lambda: iam.list_user_policies(caller, UserName=user_name),
            lambda: iam.list_groups_for_user(caller, UserName=user_name),
        ],
        "groups": [lambda: iam.list_groups_for_user(caller, UserName=user_name)],
        "tags": [lambda: iam.list_user_tags(caller, UserName=user_name)],
        "security-credentials": [
            lambda: iam.list_access_keys(caller, UserName=user_name),
            lambda: iam.list_mfa_devices(caller, UserName=user_name),
            lambda: iam.get_login_profile(caller, UserName=user_name),
        ],
    }
    ctx["tab_denied"] = read_denied(*reads.get(tab, []))
    if tab == "permissions":
        ctx["attached"] = _attached("user", user)
        ctx["inline"] = InlinePolicy.objects.filter(user=user).order_by("name")
        ctx["via_groups"] = [
            {"group": m.group, "attached": _attached("group", m.group)}
            for m in GroupMembership.objects.filter(user=user).select_related("group")
        ]
        ctx.update(_attachable(sandbox, ctx["account"]))
    elif tab == "groups":
        ctx["memberships"] = (
            GroupMembership.objects.filter(user=user)
            .select_related("group")
            .order_by("group__name")
        )
        member_of = {m.group_id for m in ctx["memberships"]}
        ctx["other_groups"] = [
            g
            for g in IamGroup.objects.filter(account=ctx["account"]).order_by("name")
            if g.pk not in member_of
        ]
    elif tab == "tags":
        ctx["tags"] = _names(user.tags)
    elif tab == "security-credentials":
        ctx["keys"] = AccessKey.objects.filter(user=user).order_by("created")
        ctx["mfa_devices"] = MfaDevice.objects.filter(user=user).order_by("created")
        ctx["unassigned_mfa"] = MfaDevice.objects.filter(
            account=ctx["account"], user__isnull=True, assigned_to_root=False
        ).order_by("name")
        new_key = request.session.get(SECRET_KEY_SESSION)
        if new_key and new_key.get("sandbox") == sandbox.pk and new_key.get("user") == user.name:
            ctx["new_key"] = new_key
            del request.session[SECRET_KEY_SESSION]  # shown once, as in AWS
    elif tab == "access-advisor":
        ctx["advisor_url"] = f"/sandbox/{sandbox.pk}/access-advisor/?arn={user.arn}"
    else:
        raise Http404("No such tab.")
    return _page(request, "sandbox/user_detail.html", ctx, partial="tab-panel")


# ---------------------------------------------------------------- groups


@login_required
def groups(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="groups")
    caller = ctx["caller"]
    ctx["denied"] = _permission_probe(lambda: iam.list_groups(caller, MaxItems=1))
    ctx["rows"] = [
        {"group": g, "members": g.memberships.count()}
        for g in IamGroup.objects.filter(account=ctx["account"]).order_by("name")
    ]
    return _page(request, "sandbox/groups.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    form = {"name": ""}
    error = None
    if request.method == "POST":
        form = {"name": request.POST.get("name", "").strip()}
        outcome = run(request, sandbox, lambda c: iam.create_group(c, GroupName=form["name"]))
        if outcome.ok:
            messages.success(request, f"User group {form['name']} created.")
            return redirect("console_group", sandbox_id=sandbox.pk, name=form["name"])
        error = outcome.error
    ctx = sandbox_context(request, sandbox, section="groups", form=form, **_error_context(error))
    return _page(request, "sandbox/group_create.html", ctx, status=_status(error))


GROUP_TABS = [("users", "Users"), ("permissions", "Permissions")]


@login_required
def group_detail(
    request: HttpRequest, sandbox_id: int, name: str, tab: str = "users"
) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="groups")
    group = IamGroup.objects.filter(account=ctx["account"], name=name).first()
    if group is None:
        raise Http404(f"No user group named {name} in this account.")
    if tab not in dict(GROUP_TABS):
        raise Http404("No such tab.")
    ctx.update(entity=group, tab=tab, tabs=GROUP_TABS)
    caller, group_name = ctx["caller"], group.name
    ctx["summary_denied"] = read_denied(
        lambda: iam.get_group(caller, GroupName=group_name, MaxItems=1)
    )
    if tab == "users":
        ctx["tab_denied"] = ctx["summary_denied"]
    else:
        ctx["tab_denied"] = read_denied(
            lambda: iam.list_attached_group_policies(caller, GroupName=group_name),
            lambda: iam.list_group_policies(caller, GroupName=group_name),
        )
    if tab == "users":
        members = GroupMembership.objects.filter(group=group).select_related("user")
        ctx["members"] = sorted((m.user for m in members), key=lambda u: u.name.lower())
        member_ids = {u.pk for u in ctx["members"]}
        ctx["other_users"] = [
            u
            for u in IamUser.objects.filter(account=ctx["account"]).order_by("name")
            if u.pk not in member_ids
        ]
    else:
        ctx["attached"] = _attached("group", group)
        ctx["inline"] = InlinePolicy.objects.filter(group=group).order_by("name")
        ctx.update(_attachable(sandbox, ctx["account"]))
    return _page(request, "sandbox/group_detail.html", ctx, partial="tab-panel")


# ---------------------------------------------------------------- roles


@login_required
def roles(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="roles")
    caller = ctx["caller"]
    ctx["denied"] = _permission_probe(lambda: iam.list_roles(caller, MaxItems=1))
    ctx["rows"] = list(Role.objects.filter(account=ctx["account"]).order_by("name"))
    return _page(request, "sandbox/roles.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    template = request.GET.get("trusted", "account")
    principal = TRUSTED_ENTITIES.get(template, TRUSTED_ENTITIES["account"])[1]
    form = {
        "name": "",
        "description": "",
        "document": DEFAULT_TRUST_POLICY.replace(
            '{"AWS": "arn:aws:iam::ACCOUNT_ID:root"}', principal
        ).replace("ACCOUNT_ID", caller.account_id),
    }
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        params = {"RoleName": form["name"].strip(), "AssumeRolePolicyDocument": form["document"]}
        if form["description"].strip():
            params["Description"] = form["description"].strip()
        outcome = run(request, sandbox, lambda c: iam.create_role(c, **params))
        if outcome.ok:
            messages.success(request, f"Role {params['RoleName']} created.")
            return redirect("console_role", sandbox_id=sandbox.pk, name=params["RoleName"])
        error = outcome.error
    ctx = sandbox_context(
        request, sandbox, section="roles", form=form, caller=caller, **_error_context(error)
    )
    ctx["trusted_entities"] = [(key, label) for key, (label, _) in TRUSTED_ENTITIES.items()]
    ctx["trusted"] = template
    return _page(request, "sandbox/role_create.html", ctx, status=_status(error))


ROLE_TABS = [
    ("permissions", "Permissions"),
    ("trust-relationships", "Trust relationships"),
    ("tags", "Tags"),
    ("access-advisor", "Access Advisor"),
]


@login_required
@require_http_methods(["GET", "POST"])
def role_detail(
    request: HttpRequest, sandbox_id: int, name: str, tab: str = "permissions"
) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="roles")
    role = Role.objects.filter(account=ctx["account"], name=name).first()
    if role is None:
        raise Http404(f"No role named {name} in this account.")
    if tab not in dict(ROLE_TABS):
        raise Http404("No such tab.")
    ctx.update(entity=role, tab=tab, tabs=ROLE_TABS)
    caller, role_name = ctx["caller"], role.name
    ctx["summary_denied"] = read_denied(lambda: iam.get_role(caller, RoleName=role_name))
    reads = {
        "permissions": [
            lambda: iam.list_attached_role_policies(caller, RoleName=role_name),
            lambda: iam.list_role_policies(caller, RoleName=role_name),
        ],
        "trust-relationships": [lambda: iam.get_role(caller, RoleName=role_name)],
        "tags": [lambda: iam.list_role_tags(caller, RoleName=role_name)],
    }
    ctx["tab_denied"] = read_denied(*reads.get(tab, []))
    ctx["instance_profiles"] = role.instance_profiles.order_by("name")
    status = 200
    if tab == "permissions":
        ctx["attached"] = _attached("role", role)
        ctx["inline"] = InlinePolicy.objects.filter(role=role).order_by("name")
        ctx.update(_attachable(sandbox, ctx["account"]))
    elif tab == "trust-relationships":
        document = role.trust_policy
        if request.method == "POST":
            document = request.POST.get("document", "")
            outcome = run(
                request,
                sandbox,
                lambda c: iam.update_assume_role_policy(
                    c, RoleName=role.name, PolicyDocument=document
                ),
            )
            if outcome.ok:
                messages.success(request, f"Trust policy of {role.name} updated.")
                return redirect("console_role_tab", sandbox_id=sandbox.pk, name=role.name, tab=tab)
            ctx.update(_editor_error(outcome))
            status = _status(outcome.error)
        ctx["document"] = _pretty(document)
    elif tab == "tags":
        ctx["tags"] = _names(role.tags)
    else:
        ctx["advisor_url"] = f"/sandbox/{sandbox.pk}/access-advisor/?arn={role.arn}"
    if request.method == "POST" and tab != "trust-relationships":
        return HttpResponse(status=405)
    return _page(request, "sandbox/role_detail.html", ctx, partial="tab-panel", status=status)


@login_required
@require_POST
def switch_role(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """Switch role, as in the console: sts:AssumeRole as the acting principal on the role
    `role_name` of account `account_id`, then act as the new role session."""
    sandbox = get_own_sandbox(request, sandbox_id)
    account_id = request.POST.get("account_id", "").strip()
    role_name = request.POST.get("role_name", "").strip()
    role = (
        Role.objects.filter(sandbox=sandbox, account__account_id=account_id, name=role_name)
        .select_related("account")
        .first()
    )
    role_arn = role.arn if role else f"arn:aws:iam::{account_id}:role/{role_name}"
    params = {
        "RoleArn": role_arn,
        "RoleSessionName": request.POST.get("session_name", "").strip() or "console-session",
    }
    if request.POST.get("external_id", "").strip():
        params["ExternalId"] = request.POST["external_id"].strip()
    outcome = run(request, sandbox, lambda c: sts.assume_role(c, **params))
    if outcome.ok:
        arn = outcome.result["AssumedRoleUser"]["Arn"]
        set_acting_arn(request, sandbox, arn)
        messages.success(request, f"Role assumed: you now act as {arn}.")
    else:
        report(request, outcome, "")
    back = request.POST.get("back", "")
    if not outcome.ok and back.startswith(f"/sandbox/{sandbox.pk}/"):
        return redirect(back)
    return redirect("sandbox_home", sandbox_id=sandbox.pk)


# ---------------------------------------------------------------- policies


@login_required
def policies(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="policies")
    caller = ctx["caller"]
    ctx["denied"] = _permission_probe(lambda: iam.list_policies(caller, Scope="Local", MaxItems=1))
    scope = request.GET.get("scope", "local")
    query = request.GET.get("q", "").strip()
    rows: list[dict] = []
    if scope in ("local", "all"):
        for policy in ManagedPolicy.objects.filter(account=ctx["account"]).order_by("name"):
            if query.lower() in policy.name.lower():
                rows.append(
                    {
                        "name": policy.name,
                        "arn": policy.arn,
                        "aws_managed": False,
                        "description": policy.description,
                        "attachments": policy.attachments.count(),
                    }
                )
    if scope in ("aws", "all"):
        names = [
            n for n in managed_catalog.aws_managed_policy_names() if query.lower() in n.lower()
        ]
        for name in names[:200]:
            rows.append(
                {
                    "name": name,
                    "arn": managed_catalog.ARN_PREFIX + name,
                    "aws_managed": True,
                    "description": "",
                    "attachments": None,
                }
            )
    ctx.update(rows=rows, scope=scope, query=query)
    return _page(request, "sandbox/policies.html", ctx, partial="policy-table")


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    form = {"name": "", "description": "", "document": DEFAULT_POLICY}
    ctx_extra: dict = {}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        params = {"PolicyName": form["name"].strip(), "PolicyDocument": form["document"]}
        if form["description"].strip():
            params["Description"] = form["description"].strip()
        outcome = run(request, sandbox, lambda c: iam.create_policy(c, **params))
        if outcome.ok:
            messages.success(request, f"Policy {params['PolicyName']} created.")
            return redirect("console_policy", sandbox_id=sandbox.pk, name=params["PolicyName"])
        ctx_extra = _editor_error(outcome)
        status = _status(outcome.error)
    ctx = sandbox_context(request, sandbox, section="policies", form=form, **ctx_extra)
    return _page(request, "sandbox/policy_create.html", ctx, status=status)


def _pretty(text: str) -> str:
    """The document as stored, or re-indented when it was stored compact on one line."""
    if "\n" in text:
        return text
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def _editor_error(outcome: Outcome) -> dict:
    if outcome.stale:
        return {"stale": STALE_MESSAGE}
    return {"aws_error": outcome.error}


POLICY_TABS = [
    ("permissions", "Permissions"),
    ("entities", "Entities attached"),
    ("versions", "Policy versions"),
    ("tags", "Tags"),
]


@login_required
@require_http_methods(["GET", "POST"])
def policy_detail(
    request: HttpRequest, sandbox_id: int, name: str, tab: str = "permissions"
) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="policies")
    policy = ManagedPolicy.objects.filter(account=ctx["account"], name=name).first()
    if policy is None:
        raise Http404(f"No customer managed policy named {name} in this account.")
    if tab not in dict(POLICY_TABS):
        raise Http404("No such tab.")
    default = policy.versions.filter(is_default=True).first()
    ctx.update(entity=policy, tab=tab, tabs=POLICY_TABS, default_version=default)
    caller, policy_arn = ctx["caller"], policy.arn
    ctx["summary_denied"] = read_denied(lambda: iam.get_policy(caller, PolicyArn=policy_arn))
    reads = {
        "permissions": [
            lambda: iam.get_policy_version(
                caller, PolicyArn=policy_arn, VersionId=default.version_id if default else "v1"
            )
        ],
        "entities": [lambda: iam.list_entities_for_policy(caller, PolicyArn=policy_arn)],
        "versions": [lambda: iam.list_policy_versions(caller, PolicyArn=policy_arn)],
        "tags": [lambda: iam.list_policy_tags(caller, PolicyArn=policy_arn)],
    }
    ctx["tab_denied"] = read_denied(*reads[tab])
    status = 200
    if tab == "permissions":
        document = default.document if default else ""
        if request.method == "POST":
            document = request.POST.get("document", "")
            outcome = run(
                request,
                sandbox,
                lambda c: iam.create_policy_version(
                    c, PolicyArn=policy.arn, PolicyDocument=document, SetAsDefault=True
                ),
            )
            if outcome.ok:
                version = outcome.result["PolicyVersion"]["VersionId"]
                messages.success(request, f"Saved {policy.name} as version {version} (default).")
                return redirect("console_policy", sandbox_id=sandbox.pk, name=policy.name)
            ctx.update(_editor_error(outcome))
            status = _status(outcome.error)
        ctx["document"] = _pretty(document)
        ctx["editing"] = request.method == "POST" or request.GET.get("edit") == "1"
    elif request.method == "POST":
        return HttpResponse(status=405)
    elif tab == "entities":
        ctx["entities"] = policy.attachments.select_related("user", "group", "role")
    elif tab == "tags":
        ctx["tags"] = _names(policy.tags)
    else:
        ctx["versions"] = policy.versions.order_by("-created")
    return _page(request, "sandbox/policy_detail.html", ctx, partial="tab-panel", status=status)


@login_required
def aws_policy_detail(request: HttpRequest, sandbox_id: int, name: str) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    entry = managed_catalog.aws_managed_policy(name)
    if entry is None:
        raise Http404(f"No AWS managed policy named {name}.")
    ctx = sandbox_context(request, sandbox, section="policies", entry=entry)
    caller = ctx["caller"]
    ctx["read_denied"] = read_denied(
        lambda: iam.get_policy_version(
            caller, PolicyArn=entry["arn"], VersionId=entry["version_id"]
        )
    )
    ctx["document"] = json.dumps(entry["document"], indent=2)
    return _page(request, "sandbox/aws_policy_detail.html", ctx)


# ---------------------------------------------------------------- inline policies (editor)

_INLINE = {
    "user": (IamUser, "UserName", iam.put_user_policy, "console_user"),
    "group": (IamGroup, "GroupName", iam.put_group_policy, "console_group"),
    "role": (Role, "RoleName", iam.put_role_policy, "console_role"),
}


@login_required
@require_http_methods(["GET", "POST"])
def inline_policy_edit(
    request: HttpRequest, sandbox_id: int, kind: str, name: str, policy_name: str = ""
) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    if kind not in _INLINE:
        raise Http404("No such kind of principal.")
    model, param, put, back = _INLINE[kind]
    ctx = sandbox_context(request, sandbox, section=f"{kind}s" if kind != "group" else "groups")
    owner = model.objects.filter(account=ctx["account"], name=name).first()
    if owner is None:
        raise Http404(f"No {kind} named {name} in this account.")
    existing = None
    if policy_name:
        existing = InlinePolicy.objects.filter(**{kind: owner}, name=policy_name).first()
        if existing is None:
            raise Http404(f"No inline policy named {policy_name}.")
    form = {
        "name": policy_name,
        "document": _pretty(existing.document) if existing else DEFAULT_POLICY,
    }
    status = 200
    if request.method == "POST":
        form = {
            "name": policy_name or request.POST.get("name", "").strip(),
            "document": request.POST.get("document", ""),
        }
        params = {param: owner.name, "PolicyName": form["name"], "PolicyDocument": form["document"]}
        outcome = run(request, sandbox, lambda c: put(c, **params))
        if outcome.ok:
            messages.success(request, f"Inline policy {form['name']} saved on {owner.name}.")
            return redirect(back, sandbox_id=sandbox.pk, name=owner.name)
        ctx.update(_editor_error(outcome))
        status = _status(outcome.error)
    ctx.update(
        kind=kind,
        owner=owner,
        form=form,
        existing=existing,
        back_url=reverse(back, kwargs={"sandbox_id": sandbox.pk, "name": owner.name}),
    )
    return _page(request, "sandbox/inline_policy.html", ctx, status=status)


# ---------------------------------------------------------------- identity providers, account


def _lines(text: str) -> list[str]:
    """A form's list: one value a line, or several separated by commas."""
    return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]


def _create_provider(form: dict[str, str]) -> Callable:
    """The service call the identity provider form asks for, as a function of the caller."""
    if form["kind"] == "saml":
        return lambda c: iam.create_saml_provider(
            c, Name=form["name"], SAMLMetadataDocument=form["metadata"]
        )
    return lambda c: iam.create_open_id_connect_provider(
        c,
        Url=form["url"],
        ClientIDList=_lines(form["audiences"]),
        ThumbprintList=_lines(form["thumbprints"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_providers(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """ListSAMLProviders/ListOpenIDConnectProviders as the acting principal, and
    CreateSAMLProvider or CreateOpenIDConnectProvider from the form on the page."""
    sandbox = get_own_sandbox(request, sandbox_id)
    fields = ("kind", "name", "metadata", "url", "audiences", "thumbprints")
    form = {f: request.POST.get(f, "").strip() for f in fields}
    form["kind"] = "saml" if form["kind"] == "saml" else "oidc"
    extra: dict = {}
    status = 200
    if request.method == "POST":
        outcome = run(request, sandbox, _create_provider(form))
        if outcome.ok:
            arn = outcome.result.get("SAMLProviderArn") or outcome.result.get(
                "OpenIDConnectProviderArn", ""
            )
            messages.success(request, f"Identity provider {arn} created.")
            kind, name = arn.split(":", 5)[5].split("/", 1)
            return redirect(
                "console_provider",
                sandbox_id=sandbox.pk,
                kind="saml" if kind == "saml-provider" else "oidc",
                name=name,
            )
        extra = {"stale": STALE_MESSAGE} if outcome.stale else {"aws_error": outcome.error}
        status = _status(outcome.error)
    ctx = sandbox_context(request, sandbox, section="providers", form=form, **extra)
    caller = ctx["caller"]
    ctx["denied"] = read_denied(
        lambda: iam.list_saml_providers(caller), lambda: iam.list_open_id_connect_providers(caller)
    )
    ctx["rows"] = IdentityProvider.objects.filter(account=ctx["account"]).order_by("name")
    return _page(request, "sandbox/identity_providers.html", ctx, status=status)


@login_required
def account_settings(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="account")
    policy = ctx["account"].password_policy
    ctx["password_policy"] = sorted(policy.items()) if policy else None
    return _page(request, "sandbox/account_settings.html", ctx)


# ---------------------------------------------------------------- one-click changes


def _tags_param(post) -> list[dict[str, str]]:  # noqa: ANN001
    return [{"Key": post.get("key", "").strip(), "Value": post.get("value", "")}]


# (kind, action) -> (service call builder, success message, where to go: (url name, tab))
ACTIONS: dict[tuple[str, str], tuple[Callable, str, tuple[str, str | None]]] = {
    ("user", "delete"): (
        lambda c, n, p: iam.delete_user(c, UserName=n),
        "User {name} deleted.",
        ("console_users", None),
    ),
    ("user", "attach"): (
        lambda c, n, p: iam.attach_user_policy(c, UserName=n, PolicyArn=p.get("policy_arn", "")),
        "Policy attached to {name}.",
        ("console_user_tab", "permissions"),
    ),
    ("user", "detach"): (
        lambda c, n, p: iam.detach_user_policy(c, UserName=n, PolicyArn=p.get("policy_arn", "")),
        "Policy detached from {name}.",
        ("console_user_tab", "permissions"),
    ),
    ("user", "delete-inline"): (
        lambda c, n, p: iam.delete_user_policy(c, UserName=n, PolicyName=p.get("policy_name", "")),
        "Inline policy deleted from {name}.",
        ("console_user_tab", "permissions"),
    ),
    ("user", "add-to-group"): (
        lambda c, n, p: iam.add_user_to_group(c, UserName=n, GroupName=p.get("group", "")),
        "{name} added to the group.",
        ("console_user_tab", "groups"),
    ),
    ("user", "remove-from-group"): (
        lambda c, n, p: iam.remove_user_from_group(c, UserName=n, GroupName=p.get("group", "")),
        "{name} removed from the group.",
        ("console_user_tab", "groups"),
    ),
    ("user", "tag"): (
        lambda c, n, p: iam.tag_user(c, UserName=n, Tags=_tags_param(p)),
        "Tag saved on {name}.",
        ("console_user_tab", "tags"),
    ),
    ("user", "untag"): (
        lambda c, n, p: iam.untag_user(c, UserName=n, TagKeys=[p.get("key", "")]),
        "Tag removed from {name}.",
        ("console_user_tab", "tags"),
    ),
    ("user", "create-login-profile"): (
        lambda c, n, p: iam.create_login_profile(
            c,
            UserName=n,
            Password=p.get("password", ""),
            PasswordResetRequired=p.get("reset_required") == "on",
        ),
        "Console password set for {name}.",
        ("console_user_tab", "security-credentials"),
    ),
    ("user", "delete-login-profile"): (
        lambda c, n, p: iam.delete_login_profile(c, UserName=n),
        "Console access disabled for {name}.",
        ("console_user_tab", "security-credentials"),
    ),
    ("user", "update-access-key"): (
        lambda c, n, p: iam.update_access_key(
            c, UserName=n, AccessKeyId=p.get("key_id", ""), Status=p.get("status", "")
        ),
        "Access key status updated.",
        ("console_user_tab", "security-credentials"),
    ),
    ("user", "delete-access-key"): (
        lambda c, n, p: iam.delete_access_key(c, UserName=n, AccessKeyId=p.get("key_id", "")),
        "Access key deleted.",
        ("console_user_tab", "security-credentials"),
    ),
    ("user", "deactivate-mfa"): (
        lambda c, n, p: iam.deactivate_mfa_device(c, UserName=n, SerialNumber=p.get("serial", "")),
        "MFA device deactivated for {name}.",
        ("console_user_tab", "security-credentials"),
    ),
    ("user", "put-boundary"): (
        lambda c, n, p: iam.put_user_permissions_boundary(
            c, UserName=n, PermissionsBoundary=p.get("policy_arn", "")
        ),
        "Permissions boundary set on {name}.",
        ("console_user_tab", "permissions"),
    ),
    ("user", "delete-boundary"): (
        lambda c, n, p: iam.delete_user_permissions_boundary(c, UserName=n),
        "Permissions boundary removed from {name}.",
        ("console_user_tab", "permissions"),
    ),
    ("group", "delete"): (
        lambda c, n, p: iam.delete_group(c, GroupName=n),
        "User group {name} deleted.",
        ("console_groups", None),
    ),
    ("group", "add-user"): (
        lambda c, n, p: iam.add_user_to_group(c, GroupName=n, UserName=p.get("user", "")),
        "User added to {name}.",
        ("console_group_tab", "users"),
    ),
    ("group", "remove-user"): (
        lambda c, n, p: iam.remove_user_from_group(c, GroupName=n, UserName=p.get("user", "")),
        "User removed from {name}.",
        ("console_group_tab", "users"),
    ),
    ("group", "attach"): (
        lambda c, n, p: iam.attach_group_policy(c, GroupName=n, PolicyArn=p.get("policy_arn", "")),
        "Policy attached to {name}.",
        ("console_group_tab", "permissions"),
    ),
    ("group", "detach"): (
        lambda c, n, p: iam.detach_group_policy(c, GroupName=n, PolicyArn=p.get("policy_arn", "")),
        "Policy detached from {name}.",
        ("console_group_tab", "permissions"),
    ),
    ("group", "delete-inline"): (
        lambda c, n, p: iam.delete_group_policy(
            c, GroupName=n, PolicyName=p.get("policy_name", "")
        ),
        "Inline policy deleted from {name}.",
        ("console_group_tab", "permissions"),
    ),
    ("role", "delete"): (
        lambda c, n, p: iam.delete_role(c, RoleName=n),
        "Role {name} deleted.",
        ("console_roles", None),
    ),
    ("role", "attach"): (
        lambda c, n, p: iam.attach_role_policy(c, RoleName=n, PolicyArn=p.get("policy_arn", "")),
        "Policy attached to {name}.",
        ("console_role_tab", "permissions"),
    ),
    ("role", "detach"): (
        lambda c, n, p: iam.detach_role_policy(c, RoleName=n, PolicyArn=p.get("policy_arn", "")),
        "Policy detached from {name}.",
        ("console_role_tab", "permissions"),
    ),
    ("role", "delete-inline"): (
        lambda c, n, p: iam.delete_role_policy(c, RoleName=n, PolicyName=p.get("policy_name", "")),
        "Inline policy deleted from {name}.",
        ("console_role_tab", "permissions"),
    ),
    ("role", "put-boundary"): (
        lambda c, n, p: iam.put_role_permissions_boundary(
            c, RoleName=n, PermissionsBoundary=p.get("policy_arn", "")
        ),
        "Permissions boundary set on {name}.",
        ("console_role_tab", "permissions"),
    ),
    ("role", "delete-boundary"): (
        lambda c, n, p: iam.delete_role_permissions_boundary(c, RoleName=n),
        "Permissions boundary removed from {name}.",
        ("console_role_tab", "permissions"),
    ),
    ("role", "tag"): (
        lambda c, n, p: iam.tag_role(c, RoleName=n, Tags=_tags_param(p)),
        "Tag saved on {name}.",
        ("console_role_tab", "tags"),
    ),
    ("role", "untag"): (
        lambda c, n, p: iam.untag_role(c, RoleName=n, TagKeys=[p.get("key", "")]),
        "Tag removed from {name}.",
        ("console_role_tab", "tags"),
    ),
    ("policy", "tag"): (
        lambda c, n, p: iam.tag_policy(c, PolicyArn=_policy_arn(c, n), Tags=_tags_param(p)),
        "Tag saved on {name}.",
        ("console_policy_tab", "tags"),
    ),
    ("policy", "untag"): (
        lambda c, n, p: iam.untag_policy(
            c, PolicyArn=_policy_arn(c, n), TagKeys=[p.get("key", "")]
        ),
        "Tag removed from {name}.",
        ("console_policy_tab", "tags"),
    ),
    ("instance-profile", "tag"): (
        lambda c, n, p: iam.tag_instance_profile(c, InstanceProfileName=n, Tags=_tags_param(p)),
        "Tag saved on {name}.",
        ("console_instance_profile", None),
    ),
    ("instance-profile", "untag"): (
        lambda c, n, p: iam.untag_instance_profile(
            c, InstanceProfileName=n, TagKeys=[p.get("key", "")]
        ),
        "Tag removed from {name}.",
        ("console_instance_profile", None),
    ),
    ("policy", "delete"): (
        lambda c, n, p: iam.delete_policy(c, PolicyArn=_policy_arn(c, n)),
        "Policy {name} deleted.",
        ("console_policies", None),
    ),
    ("policy", "set-default"): (
        lambda c, n, p: iam.set_default_policy_version(
            c, PolicyArn=_policy_arn(c, n), VersionId=p.get("version_id", "")
        ),
        "Default version of {name} changed.",
        ("console_policy_tab", "versions"),
    ),
    ("policy", "delete-version"): (
        lambda c, n, p: iam.delete_policy_version(
            c, PolicyArn=_policy_arn(c, n), VersionId=p.get("version_id", "")
        ),
        "Policy version deleted.",
        ("console_policy_tab", "versions"),
    ),
    ("account", "create-alias"): (
        lambda c, n, p: iam.create_account_alias(c, AccountAlias=p.get("alias", "").strip()),
        "Account alias set.",
        ("console_account", None),
    ),
    ("account", "delete-alias"): (
        lambda c, n, p: iam.delete_account_alias(c, AccountAlias=p.get("alias", "")),
        "Account alias deleted.",
        ("console_account", None),
    ),
    ("bucket", "delete-policy"): (
        lambda c, n, p: resources.delete_bucket_policy(c, Bucket=n),
        "Bucket policy of {name} deleted.",
        ("console_bucket", None),
    ),
    ("account", "update-password-policy"): (
        lambda c, n, p: _update_password_policy(c, p),
        "Password policy saved.",
        ("console_account", None),
    ),
    ("account", "delete-password-policy"): (
        lambda c, n, p: iam.delete_account_password_policy(c),
        "Password policy deleted.",
        ("console_account", None),
    ),
}


def _number(post, key: str) -> int | str | None:  # noqa: ANN001
    """A number field: None when empty, the text itself when not a number (AWS then says so)."""
    value = post.get(key, "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def _update_password_policy(caller, post) -> dict:  # noqa: ANN001
    flags = [
        "RequireSymbols",
        "RequireNumbers",
        "RequireUppercaseCharacters",
        "RequireLowercaseCharacters",
        "AllowUsersToChangePassword",
        "HardExpiry",
    ]
    return iam.update_account_password_policy(
        caller,
        MinimumPasswordLength=_number(post, "MinimumPasswordLength"),
        MaxPasswordAge=_number(post, "MaxPasswordAge"),
        PasswordReusePrevention=_number(post, "PasswordReusePrevention"),
        **{flag: post.get(flag) == "on" for flag in flags},
    )


def _policy_arn(caller, name: str) -> str:  # noqa: ANN001
    policy = ManagedPolicy.objects.filter(account=caller.account, name=name).first()
    return policy.arn if policy else f"arn:aws:iam::{caller.account_id}:policy/{name}"


@login_required
@require_POST
def entity_action(
    request: HttpRequest, sandbox_id: int, kind: str, action: str, name: str = ""
) -> HttpResponse:
    """A one-click console change (delete, attach, detach, add to group, tag, keys, ...)."""
    sandbox = get_own_sandbox(request, sandbox_id)
    entry = ACTIONS.get((kind, action))
    if entry is None:
        raise Http404("No such action.")
    call, success, (target, tab) = entry
    outcome = run(request, sandbox, lambda c: call(c, name, request.POST))
    report(request, outcome, success.format(name=name))
    if target in _LIST_PAGES and not outcome.ok:
        target, tab = _LIST_PAGES[target], None  # a refused delete: back to the entity
    kwargs: dict = {"sandbox_id": sandbox.pk}
    if target not in _LIST_PAGES and target != "console_account":
        kwargs["name"] = name
    if tab:
        kwargs["tab"] = tab
    return redirect(target, **kwargs)


_LIST_PAGES = {
    "console_users": "console_user",
    "console_groups": "console_group",
    "console_roles": "console_role",
    "console_policies": "console_policy",
}


@login_required
@require_POST
def access_key_create(request: HttpRequest, sandbox_id: int, name: str) -> HttpResponse:
    """CreateAccessKey: the secret is shown once, on the next page, then forgotten."""
    sandbox = get_own_sandbox(request, sandbox_id)
    outcome = run(request, sandbox, lambda c: iam.create_access_key(c, UserName=name))
    if outcome.ok:
        key = outcome.result["AccessKey"]
        request.session[SECRET_KEY_SESSION] = {
            "sandbox": sandbox.pk,
            "user": name,
            "id": key["AccessKeyId"],
            "secret": key["SecretAccessKey"],
        }
    else:
        report(request, outcome, "")
    return redirect(
        "console_user_tab", sandbox_id=sandbox.pk, name=name, tab="security-credentials"
    )


# ---------------------------------------------------------------- S3 buckets (resource policies)


@login_required
@require_http_methods(["GET", "POST"])
def buckets(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    status = 200
    extra: dict = {}
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        outcome = run(request, sandbox, lambda c: resources.create_bucket(c, Bucket=name))
        if outcome.ok:
            messages.success(request, f"Bucket {name} created.")
            return redirect("console_bucket", sandbox_id=sandbox.pk, name=name)
        extra = {"aws_error": outcome.error, "new_name": name}
        status = _status(outcome.error)
    ctx = sandbox_context(request, sandbox, section="buckets", **extra)
    ctx["rows"] = Bucket.objects.filter(account=ctx["account"]).order_by("name")
    return _page(request, "sandbox/buckets.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bucket_detail(request: HttpRequest, sandbox_id: int, name: str) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="buckets")
    bucket = Bucket.objects.filter(sandbox=sandbox, account=ctx["account"], name=name).first()
    if bucket is None:
        raise Http404(f"No bucket named {name} in this account.")
    document = bucket.policy or DEFAULT_BUCKET_POLICY.replace("BUCKET", bucket.name).replace(
        "ACCOUNT_ID", ctx["account"].account_id
    )
    status = 200
    if request.method == "POST":
        document = request.POST.get("document", "")
        outcome = run(
            request, sandbox, lambda c: resources.put_bucket_policy(c, Bucket=name, Policy=document)
        )
        if outcome.ok:
            messages.success(request, f"Bucket policy of {name} saved.")
            return redirect("console_bucket", sandbox_id=sandbox.pk, name=name)
        ctx.update(_editor_error(outcome))
        status = _status(outcome.error)
    ctx.update(entity=bucket, document=_pretty(document), has_policy=bool(bucket.policy))
    return _page(request, "sandbox/bucket_detail.html", ctx, status=status)


DEFAULT_BUCKET_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AccountReadsObjects",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::ACCOUNT_ID:root"},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::BUCKET/*"
    }
  ]
}"""
