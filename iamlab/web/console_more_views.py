"""More IAM console pages: instance profiles, EC2 instances (their instance profile: associate,
replace, disassociate), assigning a virtual MFA device to a user, a role's settings, and an
identity provider's details and deletion.

As in `console_views`, pages read the sandbox's rows to show them and ask the service layer as
the acting principal whether that principal may read them (a denied read shows AWS's message
instead of the data); every change is a service call as that principal.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from iamlab.sandbox.models import (
    Ec2Instance,
    IamUser,
    IdentityProvider,
    InstanceProfile,
    MfaDevice,
    Role,
)
from iamlab.sandbox.services import iam, mfa, resources, resources_compute
from iamlab.sandbox.services.errors import AwsError

from .access import get_own_sandbox
from .console_context import acting_caller, render_page, report, run, sandbox_context

# Error codes that mean "this principal may not do that" (IAM's and EC2's).
DENIED_CODES = {"AccessDenied", "UnauthorizedOperation"}

# The image the console's "Launch instance" uses (the sandbox has no AMIs to choose from).
DEFAULT_IMAGE_ID = "ami-0abcdef1234567890"


def _page(request: HttpRequest, template: str, context: dict, **kwargs) -> HttpResponse:  # noqa: ANN003
    response = render_page(request, template, context, **kwargs)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def read_denied(*calls) -> AwsError | None:  # noqa: ANN002
    """Run read-only service calls (List*/Get*) as the acting principal, in order; the first
    access-denied error, or None. Other errors (NoSuchEntity ...) do not hide the data."""
    with transaction.atomic():  # the probes' activity events in one commit, not one each
        for call in calls:
            try:
                call()
            except AwsError as error:
                if error.code in DENIED_CODES:
                    return error
    return None


def _status(error: AwsError | None) -> int:
    if error is None:
        return 200
    return error.http_status if 400 <= error.http_status < 500 else 400


# ---------------------------------------------------------------- instance profiles


@login_required
@require_http_methods(["GET", "POST"])
def instance_profiles(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """ListInstanceProfiles, and CreateInstanceProfile from the form on the page."""
    sandbox = get_own_sandbox(request, sandbox_id)
    extra: dict = {"new_name": ""}
    status = 200
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        role_name = request.POST.get("role", "").strip()
        outcome = run(
            request, sandbox, lambda c: iam.create_instance_profile(c, InstanceProfileName=name)
        )
        if outcome.ok and role_name:
            # A second call, from the version the first one left (not the form's any more).
            try:
                iam.add_role_to_instance_profile(
                    acting_caller(request, sandbox), InstanceProfileName=name, RoleName=role_name
                )
            except AwsError as error:
                messages.error(
                    request,
                    f"Instance profile {name} created, but the role was not added: "
                    f"{error.code}: {error.message}",
                )
            else:
                messages.success(request, f"Instance profile {name} created with role {role_name}.")
            return redirect("console_instance_profile", sandbox_id=sandbox.pk, name=name)
        if outcome.ok:
            messages.success(request, f"Instance profile {name} created.")
            return redirect("console_instance_profile", sandbox_id=sandbox.pk, name=name)
        extra = {"aws_error": outcome.error, "new_name": name}
        status = _status(outcome.error)
    ctx = sandbox_context(request, sandbox, section="instance-profiles", **extra)
    caller = ctx["caller"]
    ctx["denied"] = read_denied(lambda: iam.list_instance_profiles(caller, MaxItems=1))
    ctx["rows"] = (
        InstanceProfile.objects.filter(account=ctx["account"])
        .select_related("role")
        .order_by("name")
    )
    ctx["roles"] = Role.objects.filter(account=ctx["account"]).order_by("name")
    return _page(request, "sandbox/instance_profiles.html", ctx, status=status)


@login_required
def instance_profile_detail(request: HttpRequest, sandbox_id: int, name: str) -> HttpResponse:
    """GetInstanceProfile as the acting principal: its role, or AWS's AccessDenied."""
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="instance-profiles")
    profile = (
        InstanceProfile.objects.filter(account=ctx["account"], name=name)
        .select_related("role")
        .first()
    )
    if profile is None:
        raise Http404(f"No instance profile named {name} in this account.")
    caller = ctx["caller"]
    ctx["read_denied"] = read_denied(
        lambda: iam.get_instance_profile(caller, InstanceProfileName=profile.name)
    )
    ctx.update(
        entity=profile,
        tags=sorted(profile.tags.items()),
        roles=Role.objects.filter(account=ctx["account"]).order_by("name"),
        instances=Ec2Instance.objects.filter(instance_profile=profile).order_by("instance_id"),
    )
    return _page(request, "sandbox/instance_profile_detail.html", ctx)


_PROFILE_ACTIONS = {
    "add-role": (
        lambda c, n, p: iam.add_role_to_instance_profile(
            c, InstanceProfileName=n, RoleName=p.get("role", "").strip()
        ),
        "Role added to instance profile {name}.",
    ),
    "remove-role": (
        lambda c, n, p: iam.remove_role_from_instance_profile(
            c, InstanceProfileName=n, RoleName=p.get("role", "").strip()
        ),
        "Role removed from instance profile {name}.",
    ),
    "delete": (
        lambda c, n, p: iam.delete_instance_profile(c, InstanceProfileName=n),
        "Instance profile {name} deleted.",
    ),
}


@login_required
@require_POST
def instance_profile_action(
    request: HttpRequest, sandbox_id: int, name: str, action: str
) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    entry = _PROFILE_ACTIONS.get(action)
    if entry is None:
        raise Http404("No such action.")
    call, success = entry
    outcome = run(request, sandbox, lambda c: call(c, name, request.POST))
    report(request, outcome, success.format(name=name))
    if action == "delete" and outcome.ok:
        return redirect("console_instance_profiles", sandbox_id=sandbox.pk)
    return redirect("console_instance_profile", sandbox_id=sandbox.pk, name=name)


# ---------------------------------------------------------------- EC2 instances


@login_required
@require_http_methods(["GET", "POST"])
def ec2_instances(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """The account's EC2 instances and their instance profiles; launch (RunInstances) one."""
    sandbox = get_own_sandbox(request, sandbox_id)
    status = 200
    extra: dict = {}
    if request.method == "POST":
        profile_name = request.POST.get("profile", "").strip()
        params: dict = {"ImageId": DEFAULT_IMAGE_ID, "MinCount": 1, "MaxCount": 1}
        if profile_name:
            params["IamInstanceProfile"] = {"Name": profile_name}
        outcome = run(request, sandbox, lambda c: resources.run_instances(c, **params))
        if outcome.ok:
            instance_id = outcome.result["Instances"][0]["InstanceId"]
            messages.success(request, f"Instance {instance_id} launched.")
            return redirect("console_ec2_instances", sandbox_id=sandbox.pk)
        extra = {"aws_error": outcome.error}
        status = _status(outcome.error)
    ctx = sandbox_context(request, sandbox, section="ec2", **extra)
    rows = list(
        Ec2Instance.objects.filter(account=ctx["account"])
        .select_related("instance_profile__role")
        .order_by("launched", "instance_id")
    )
    for row in rows:
        row.association_id = (
            resources_compute.association_id(row) if row.instance_profile_id else ""
        )
    ctx["rows"] = rows
    ctx["profiles"] = InstanceProfile.objects.filter(account=ctx["account"]).order_by("name")
    return _page(request, "sandbox/ec2_instances.html", ctx, status=status)


@login_required
@require_POST
def ec2_associate(request: HttpRequest, sandbox_id: int, instance_id: str) -> HttpResponse:
    """AssociateIamInstanceProfile: give a running instance (without one) an instance profile."""
    sandbox = get_own_sandbox(request, sandbox_id)
    profile_name = request.POST.get("profile", "").strip()
    outcome = run(
        request,
        sandbox,
        lambda c: resources.associate_iam_instance_profile(
            c, IamInstanceProfile={"Name": profile_name}, InstanceId=instance_id
        ),
    )
    report(request, outcome, f"Instance profile {profile_name} associated with {instance_id}.")
    return redirect("console_ec2_instances", sandbox_id=sandbox.pk)


def _association_form(request: HttpRequest, sandbox, instance_id: str) -> str:  # noqa: ANN001
    """The association ID of an instance of the acting account, as the console knows it (the
    page lists the instance's association); "" when it has none (the service then answers
    InvalidAssociationID.NotFound)."""
    caller = acting_caller(request, sandbox)
    instance = (
        Ec2Instance.objects.filter(
            sandbox=sandbox,
            account=caller.account,
            instance_id=instance_id,
            instance_profile__isnull=False,
        )
        .select_related("instance_profile")
        .first()
    )
    return resources_compute.association_id(instance) if instance else ""


@login_required
@require_POST
def ec2_replace(request: HttpRequest, sandbox_id: int, instance_id: str) -> HttpResponse:
    """ReplaceIamInstanceProfileAssociation: give an instance another instance profile."""
    sandbox = get_own_sandbox(request, sandbox_id)
    profile_name = request.POST.get("profile", "").strip()
    association = _association_form(request, sandbox, instance_id) or "iip-assoc-none"
    outcome = run(
        request,
        sandbox,
        lambda c: resources_compute.replace_iam_instance_profile_association(
            c, IamInstanceProfile={"Name": profile_name}, AssociationId=association
        ),
    )
    report(request, outcome, f"Instance {instance_id} now uses instance profile {profile_name}.")
    return redirect("console_ec2_instances", sandbox_id=sandbox.pk)


@login_required
@require_POST
def ec2_disassociate(request: HttpRequest, sandbox_id: int, instance_id: str) -> HttpResponse:
    """DisassociateIamInstanceProfile: the instance keeps running without a role."""
    sandbox = get_own_sandbox(request, sandbox_id)
    association = _association_form(request, sandbox, instance_id) or "iip-assoc-none"
    outcome = run(
        request,
        sandbox,
        lambda c: resources_compute.disassociate_iam_instance_profile(c, AssociationId=association),
    )
    report(request, outcome, f"Instance profile removed from {instance_id}.")
    return redirect("console_ec2_instances", sandbox_id=sandbox.pk)


# ---------------------------------------------------------------- virtual MFA


def _pending_device(ctx: dict, serial: str) -> MfaDevice | None:
    """An unassigned virtual MFA device of the caller's account, by serial number."""
    if not serial:
        return None
    for device in MfaDevice.objects.filter(
        account=ctx["account"], user__isnull=True, assigned_to_root=False
    ).select_related("account", "sandbox"):
        if device.serial_number == serial:
            return device
    return None


def _fill_codes(device: MfaDevice) -> tuple[str, str]:
    """Two consecutive codes, as an authenticator app shows them: the previous 30-second
    step's code, then the current one (by the sandbox's clock)."""
    secret = mfa.seed(device)
    when = device.sandbox.now()
    return mfa.totp(secret, when, offset_steps=-1), mfa.totp(secret, when)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_assign(request: HttpRequest, sandbox_id: int, name: str) -> HttpResponse:
    """Assign a virtual MFA device to user `name`, in two steps as in the console:
    CreateVirtualMFADevice (the page shows the secret), then EnableMFADevice with two
    consecutive codes. `fill` computes the two codes from the secret (sandbox only)."""
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="users")
    user = IamUser.objects.filter(account=ctx["account"], name=name).first()
    if user is None:
        raise Http404(f"No user named {name} in this account.")
    back = reverse(
        "console_user_tab",
        kwargs={"sandbox_id": sandbox.pk, "name": user.name, "tab": "security-credentials"},
    )
    step = request.POST.get("step") or request.GET.get("step", "")
    serial = request.POST.get("serial") or request.GET.get("serial", "")
    form = {
        "device_name": request.POST.get("device_name", user.name).strip(),
        "code1": request.POST.get("code1", "").strip(),
        "code2": request.POST.get("code2", "").strip(),
    }
    error = None
    device = _pending_device(ctx, serial)
    if request.method == "POST" and step == "create":
        outcome = run(
            request,
            sandbox,
            lambda c: iam.create_virtual_mfa_device(c, VirtualMFADeviceName=form["device_name"]),
        )
        if outcome.ok:
            new_serial = outcome.result["VirtualMFADevice"]["SerialNumber"]
            url = reverse("console_mfa_assign", kwargs={"sandbox_id": sandbox.pk, "name": name})
            return redirect(f"{url}?step=enable&serial={new_serial}")
        error = outcome.error
    elif request.method == "POST" and step == "enable":
        if device is None:
            raise Http404("No such unassigned virtual MFA device in this account.")
        if "fill" in request.POST:
            form["code1"], form["code2"] = _fill_codes(device)
            ctx["filled"] = True
        else:
            outcome = run(
                request,
                sandbox,
                lambda c: iam.enable_mfa_device(
                    c,
                    UserName=user.name,
                    SerialNumber=device.serial_number,
                    AuthenticationCode1=form["code1"],
                    AuthenticationCode2=form["code2"],
                ),
            )
            if outcome.ok:
                messages.success(request, f"MFA device assigned to {user.name}.")
                return redirect(back)
            error = outcome.error
    if step == "enable" and device is None:
        raise Http404("No such unassigned virtual MFA device in this account.")
    ctx.update(
        entity=user,
        step="enable" if device is not None else "create",
        device=device,
        seed=mfa.base32_seed(device) if device is not None else "",
        form=form,
        back_url=back,
        aws_error=error,
    )
    return _page(request, "sandbox/mfa_assign.html", ctx, status=_status(error))


@login_required
@require_POST
def mfa_delete(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """DeleteVirtualMFADevice (an unassigned device); back to where the form was."""
    sandbox = get_own_sandbox(request, sandbox_id)
    serial = request.POST.get("serial", "")
    outcome = run(request, sandbox, lambda c: iam.delete_virtual_mfa_device(c, SerialNumber=serial))
    report(request, outcome, "Virtual MFA device deleted.")
    back = request.POST.get("back", "")
    if back.startswith(f"/sandbox/{sandbox.pk}/"):
        return redirect(back)
    return redirect("console_users", sandbox_id=sandbox.pk)


# ---------------------------------------------------------------- role settings


def _seconds(text: str) -> int | str | None:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


@login_required
@require_POST
def role_settings(request: HttpRequest, sandbox_id: int, name: str) -> HttpResponse:
    """UpdateRole: the role's description and maximum session duration."""
    sandbox = get_own_sandbox(request, sandbox_id)
    params = {
        "RoleName": name,
        "Description": request.POST.get("description", "").strip(),
        "MaxSessionDuration": _seconds(request.POST.get("max_session_duration", "")),
    }
    outcome = run(request, sandbox, lambda c: iam.update_role(c, **params))
    report(request, outcome, f"Role {name} updated.")
    return redirect("console_role", sandbox_id=sandbox.pk, name=name)


# ---------------------------------------------------------------- identity providers


@login_required
def identity_provider_detail(
    request: HttpRequest, sandbox_id: int, kind: str, name: str
) -> HttpResponse:
    """A SAML or OIDC provider of the caller's account, read with GetSAMLProvider or
    GetOpenIDConnectProvider as the acting principal: its metadata, audiences, thumbprints."""
    sandbox = get_own_sandbox(request, sandbox_id)
    ctx = sandbox_context(request, sandbox, section="providers")
    provider = IdentityProvider.objects.filter(
        account=ctx["account"], type=kind.upper(), name=name
    ).first()
    if provider is None:
        raise Http404("No such identity provider in this account.")
    caller = ctx["caller"]
    details: dict = {}
    error: AwsError | None = None
    try:
        if provider.type == IdentityProvider.Type.SAML:
            action = "iam:GetSAMLProvider"
            details = iam.get_saml_provider(caller, SAMLProviderArn=provider.arn)
        else:
            action = "iam:GetOpenIDConnectProvider"
            details = iam.get_open_id_connect_provider(
                caller, OpenIDConnectProviderArn=provider.arn
            )
    except AwsError as exc:
        error = exc
    ctx.update(
        entity=provider,
        action=action,
        details=details,
        read_denied_message=error.message if error else "",
        read_denied_code=error.code if error else "",
        tags=[(t["Key"], t["Value"]) for t in details.get("Tags", [])],
    )
    return _page(request, "sandbox/identity_provider_detail.html", ctx)


def _oidc_values(text: str) -> list[str]:
    return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]


_OIDC_ACTIONS = {
    "add-audience": (
        lambda c, arn, p: iam.add_client_id_to_open_id_connect_provider(
            c, OpenIDConnectProviderArn=arn, ClientID=p.get("value", "").strip()
        ),
        "Audience added.",
    ),
    "remove-audience": (
        lambda c, arn, p: iam.remove_client_id_from_open_id_connect_provider(
            c, OpenIDConnectProviderArn=arn, ClientID=p.get("value", "").strip()
        ),
        "Audience removed.",
    ),
    "thumbprints": (
        lambda c, arn, p: iam.update_open_id_connect_provider_thumbprint(
            c, OpenIDConnectProviderArn=arn, ThumbprintList=_oidc_values(p.get("value", ""))
        ),
        "Thumbprints updated.",
    ),
}


@login_required
@require_POST
def oidc_provider_action(request: HttpRequest, sandbox_id: int, action: str) -> HttpResponse:
    """AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider or
    UpdateOpenIDConnectProviderThumbprint on the provider named by `arn`; back to its page."""
    sandbox = get_own_sandbox(request, sandbox_id)
    entry = _OIDC_ACTIONS.get(action)
    if entry is None:
        raise Http404("No such action.")
    call, success = entry
    arn = request.POST.get("arn", "").strip()
    outcome = run(request, sandbox, lambda c: call(c, arn, request.POST))
    report(request, outcome, success)
    name = arn.split(":oidc-provider/", 1)[1] if ":oidc-provider/" in arn else ""
    if name:
        return redirect("console_provider", sandbox_id=sandbox.pk, kind="oidc", name=name)
    return redirect("console_providers", sandbox_id=sandbox.pk)


@login_required
@require_POST
def identity_provider_delete(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """DeleteSAMLProvider or DeleteOpenIDConnectProvider, by the provider's ARN."""
    sandbox = get_own_sandbox(request, sandbox_id)
    arn = request.POST.get("arn", "").strip()
    if ":saml-provider/" in arn:
        outcome = run(request, sandbox, lambda c: iam.delete_saml_provider(c, SAMLProviderArn=arn))
    else:
        outcome = run(
            request,
            sandbox,
            lambda c: iam.delete_open_id_connect_provider(c, OpenIDConnectProviderArn=arn),
        )
    report(request, outcome, f"Identity provider {arn} deleted.")
    if outcome.ok:
        return redirect("console_providers", sandbox_id=sandbox.pk)
    back = request.POST.get("back", "")
    if back.startswith(f"/sandbox/{sandbox.pk}/identity-providers/"):
        return redirect(back)
    return redirect("console_providers", sandbox_id=sandbox.pk)
