"""State checks on how a role is set up and handed out: its settings (MaxSessionDuration,
description), and the instance profile an EC2 instance carries."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from iamlab.sandbox.models import Ec2Instance, Role

from .checkrun import Missing, Result, Run


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if rest == 0:
        return f"{seconds} seconds ({hours} hour{'s' if hours != 1 else ''})"
    return f"{seconds} seconds"


def check_role_settings(run: Run, args: dict[str, Any]) -> Result:
    """The role's MaxSessionDuration and/or description are the ones asked for."""
    role = run.named(Role, args, args["role"], "role")
    wrong, right = [], []
    if "max_session_duration" in args:
        want, got = args["max_session_duration"], role.max_session_duration
        if got == want:
            right.append(f"maximum session duration is {_duration(got)}")
        else:
            wrong.append(f"maximum session duration is {_duration(got)}, not {_duration(want)}")
    if "description" in args:
        want, got = args["description"], role.description
        if got == want:
            right.append(f"description is {got!r}" if got else "description is empty")
        else:
            shown = repr(got) if got else "empty"
            wrong.append(f"description is {shown}, not {want!r}")
    if wrong:
        return False, f"The role {role.name}'s " + "; its ".join(wrong) + "."
    return True, f"The role {role.name}'s " + "; its ".join(right) + "."


def _instance(run: Run, args: dict[str, Any]) -> Ec2Instance:
    """The instance by its id (i-...) or its Name tag, in the check's account."""
    account = run.account(args)
    wanted = args["instance"]
    rows = Ec2Instance.objects.filter(account=account).filter(
        Q(instance_id=wanted) | Q(tags__Name=wanted)
    )
    found = list(rows.select_related("instance_profile__role").order_by("pk")[:2])
    if not found:
        raise Missing(
            f"there is no EC2 instance {wanted!r} (by id or Name tag) in account "
            f"{account.account_id}"
        )
    if len(found) > 1 and found[0].instance_id != wanted:
        ids = ", ".join(i.instance_id for i in found)
        raise Missing(f"more than one EC2 instance is named {wanted!r} ({ids}): use its id")
    return found[0]


def check_instance_profile(run: Run, args: dict[str, Any]) -> Result:
    """The instance has the instance profile associated, and the profile holds a role (the
    one named, when `role` is given)."""
    instance = _instance(run, args)
    shown = instance.instance_id
    name = (instance.tags or {}).get("Name")
    if name:
        shown += f" ({name})"
    if instance.state == Ec2Instance.State.TERMINATED:
        return False, f"The instance {shown} is terminated."
    profile = instance.instance_profile
    want = args["profile"]
    if profile is None:
        return False, f"The instance {shown} has no instance profile associated."
    if profile.name.lower() != want.lower():
        return False, (
            f"The instance {shown} has the instance profile {profile.name} associated, not {want}."
        )
    role = profile.role
    if role is None:
        return False, (
            f"The instance profile {profile.name} on {shown} holds no role: add one with "
            f"AddRoleToInstanceProfile."
        )
    if "role" in args and role.name.lower() != args["role"].lower():
        return False, (
            f"The instance profile {profile.name} on {shown} holds the role {role.name}, "
            f"not {args['role']}."
        )
    return True, (
        f"The instance {shown} has the instance profile {profile.name}, holding the role "
        f"{role.name}."
    )
