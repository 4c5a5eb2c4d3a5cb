"""What the IAM operations share: AWS's parameter validation, lookups by name, pagination,
policy documents, and the shapes of entities in responses.

Validation collects every problem with the request and raises one `ValidationError` worded as
AWS words it ("2 validation errors detected: Value 'a b' at 'userName' failed to satisfy
constraint: ...; ..."), before authorization, as AWS does.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import transaction

from iamlab.engine import PolicyKind, Severity, validate_policy

from .. import managed_catalog
from ..documents import canonical_json
from ..models import (
    IamGroup,
    IamUser,
    InstanceProfile,
    ManagedPolicy,
    Role,
    StaleSandboxError,
    named,
)
from . import calls, errors, params

NAME_PATTERN = r"[\w+=,.@-]+"
PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
POLICY_PATH_PATTERN = r"((/[A-Za-z0-9\.,\+@=_-]+)*)/"
#: ListUsers, ListGroups and ListRoles take this PathPrefix (not a full path: "/" then anything).
PATH_PREFIX_PATTERN = r"\u002F[\u0021-\u007F]*"
VERSION_PATTERN = r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?"
DOCUMENT_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
TAG_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
_TAG_RE = re.compile(r"[\w\s.:/=+\-@]+")
_DOCUMENT_MAX = 131072

#: Inline policies: the quota is for all of one identity's inline policies together.
INLINE_QUOTA = {"user": 2048, "group": 5120, "role": 10240}
ATTACHED_QUOTA = 10
PROTECTED_ROLE_PATHS = ("/aws-service-role/", "/aws-reserved/")


# -- validation ------------------------------------------------------------------------------


class Check(params.Check):
    """The framework's `params.Check` with IAM's parameter types (names, paths, ARNs, documents,
    tags, paging). Two refinements, as AWS answers: a missing value reads `Value null at ...`,
    and `\\w` in a pattern means ASCII word characters only (Java's, which AWS's validators use).
    """

    def fail(self, value: Any, name: str, rule: str) -> None:
        shown = "null" if value is None else f"'{value}'"
        self.problems.append(
            f"Value {shown} at '{name}' failed to satisfy constraint: Member {rule}"
        )

    def required(self, value: Any, name: str) -> bool:
        if value is None:
            self.fail(None, name, "must not be null")
            return False
        return True

    def string(
        self,
        value: Any,
        name: str,
        *,
        min_len: int = 1,
        max_len: int | None = None,
        pattern: str | None = None,
        required: bool = False,
    ) -> bool:
        """True when `value` is a string that meets its constraints (None passes if optional)."""
        if value is None:
            if required:
                self.fail(None, name, "must not be null")
            return False
        if not isinstance(value, str):
            self.fail(value, name, "must be a string")
            return False
        before = len(self.problems)
        if len(value) < min_len:
            self.fail(value, name, f"must have length greater than or equal to {min_len}")
        if max_len is not None and len(value) > max_len:
            self.fail(value, name, f"must have length less than or equal to {max_len}")
        if pattern and value and not _fullmatch(pattern, value):
            self.fail(value, name, f"must satisfy regular expression pattern: {pattern}")
        return len(self.problems) == before

    def name(self, value: Any, field: str, max_len: int, *, required: bool = True) -> bool:
        return self.string(value, field, max_len=max_len, pattern=NAME_PATTERN, required=required)

    def path(self, value: Any, field: str = "path", *, policy: bool = False) -> bool:
        pattern = POLICY_PATH_PATTERN if policy else PATH_PATTERN
        return self.string(value, field, max_len=512, pattern=pattern, required=False)

    def arn(self, value: Any, field: str, *, required: bool = True) -> bool:
        return self.string(value, field, max_len=2048, min_len=20, pattern=None, required=required)

    def document(self, value: Any, field: str = "policyDocument") -> bool:
        return self.string(
            value, field, max_len=_DOCUMENT_MAX, pattern=DOCUMENT_PATTERN, required=True
        )

    def enum(self, value: Any, field: str, allowed: Iterable[str], *, required: bool = True):
        allowed = list(allowed)
        if value is None:
            if required:
                self.fail(None, field, "must not be null")
        elif value not in allowed:
            self.fail(value, field, f"must satisfy enum value set: [{', '.join(allowed)}]")

    def paging(self, marker: Any, max_items: Any) -> None:
        self.string(marker, "marker", max_len=320, pattern=r"[\u0020-\u00FF]+", required=False)
        self.integer(max_items, "maxItems", minimum=1, maximum=1000)

    def tags(self, tags: Any) -> None:
        if tags is None:
            return
        if not isinstance(tags, list) or len(tags) > 50:
            self.fail(tags, "tags", "must have length less than or equal to 50")
            return
        for index, tag in enumerate(tags, start=1):
            key = tag.get("Key") if isinstance(tag, Mapping) else None
            value = tag.get("Value") if isinstance(tag, Mapping) else None
            where = f"tags.{index}.member"
            key_ok = self.string(key, f"{where}.key", max_len=128, required=True)
            if key_ok and not _TAG_RE.fullmatch(key):
                self.fail(key, f"{where}.key", _tag_constraint())
            value_ok = self.string(value, f"{where}.value", max_len=256, min_len=0, required=True)
            if value_ok and value and not _TAG_RE.fullmatch(value):
                self.fail(value, f"{where}.value", _tag_constraint("*"))


def _tag_constraint(repeat: str = "+") -> str:
    return "must satisfy regular expression pattern: " + TAG_PATTERN[:-1] + repeat


def _fullmatch(pattern: str, value: str) -> bool:
    # Java's \w, as AWS's validators use it, is ASCII only.
    return re.fullmatch(pattern, value, flags=re.ASCII) is not None


def tags_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """Tags as stored: key → value. AWS refuses keys that differ only in case."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for tag in tags or []:
        if tag["Key"].lower() in seen:
            raise errors.InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(tag["Key"].lower())
        out[tag["Key"]] = tag["Value"]
    return out


def tags_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def request_tag_context(tags: list[dict[str, str]] | None) -> dict[str, Any]:
    """aws:RequestTag/KEY and aws:TagKeys, as AWS sets them for a request that tags."""
    if not tags:
        return {}
    context: dict[str, Any] = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in tags}
    context["aws:TagKeys"] = [t["Key"] for t in tags]
    return context


def creation_request(
    tags: list[dict[str, str]] | None, boundary_arn: str | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """For a Create* call that may tag (and, for CreateUser and CreateRole, set a permissions
    boundary; None for the others): the tags as stored, and the request context to authorize
    with (aws:RequestTag/KEY, aws:TagKeys, iam:PermissionsBoundary). A malformed boundary ARN is
    refused first (InvalidInput), then tag keys that differ only in case."""
    if boundary_arn:
        check_policy_arn_format(boundary_arn)
    stored = tags_dict(tags)
    context = request_tag_context(tags)
    if boundary_arn:
        context["iam:PermissionsBoundary"] = boundary_arn
    return stored, context


def boundary_fields(caller: Any, boundary_arn: str | None) -> dict[str, Any]:
    """The model fields that set the boundary `boundary_arn` names ({} for none); NoSuchEntity
    when it names no attachable policy."""
    if not boundary_arn:
        return {}
    ref = resolve_policy(caller, boundary_arn)
    if ref is None:
        raise not_attachable(boundary_arn)
    return ref.boundary_fields()


# -- calls -----------------------------------------------------------------------------------


@contextmanager
def write(caller: Any) -> Iterator[None]:
    """One transaction per write; the sandbox's version moves on with it."""
    with transaction.atomic():
        yield
        try:
            caller.sandbox.bump_version()
        except StaleSandboxError:
            raise errors.ConcurrentModification() from None


_current: ContextVar[calls.Operation] = ContextVar("iam_operation")

F = TypeVar("F", bound=Callable[..., dict[str, Any]])


def iam_operation(action: str) -> Callable[[F], F]:
    """Run the operation as one logged call (`calls.operation`): a ValidationError raised before
    authorization, AccessDenied, and any later failure all land in the activity log."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(caller: Any, **params: Any) -> dict[str, Any]:
            with calls.operation(caller, action, params=params) as op:
                token = _current.set(op)
                try:
                    return fn(caller, **params)
                finally:
                    _current.reset(token)

        return run  # type: ignore[return-value]

    return decorate


def authorize(
    caller: Any, action: str, resource: str, *, context: Mapping[str, Any] | None = None
) -> None:
    """Authorize `action` on `resource` for the running operation (raises AccessDenied).

    `action` is the operation's own action, or a further permission it needs (iam:PassRole).
    """
    op = _current.get(None)
    if op is None:
        calls.authorized_call(caller, action, resource, context=context)
        return
    op.authorize(resource, context=context, action=None if action == op.action else action)


def arn(caller: Any, kind: str, path: str | None, name: str) -> str:
    return f"arn:aws:iam::{caller.account.account_id}:{kind}{path or '/'}{name}"


def now(caller: Any):  # noqa: ANN201 - a datetime
    return caller.sandbox.now()


# -- lookups ---------------------------------------------------------------------------------


def find(model: type, caller: Any, name: str | None):  # noqa: ANN201 - the model's row or None
    if name is None:
        return None
    return (
        named(model.objects.filter(account=caller.account), name).select_related("account").first()
    )


def find_user(caller: Any, name: str | None) -> IamUser | None:
    return find(IamUser, caller, name)


def find_group(caller: Any, name: str | None) -> IamGroup | None:
    return find(IamGroup, caller, name)


def find_role(caller: Any, name: str | None) -> Role | None:
    return find(Role, caller, name)


def find_instance_profile(caller: Any, name: str | None) -> InstanceProfile | None:
    return find(InstanceProfile, caller, name)


def no_user(name: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"The user with name {name} cannot be found.")


def no_group(name: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"The group with name {name} cannot be found.")


def no_role(name: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"The role with name {name} cannot be found.")


def no_instance_profile(name: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"Instance Profile {name} cannot be found.")


#: kind (as in the entity's ARN) → how to find one by name, and the error when there is none.
_LOOKUPS: dict[str, tuple[Callable[[Any, str | None], Any], Callable[[str], errors.AwsError]]] = {
    "user": (find_user, no_user),
    "group": (find_group, no_group),
    "role": (find_role, no_role),
    "instance-profile": (find_instance_profile, no_instance_profile),
}


def existing(caller: Any, kind: str, name: str) -> Any:
    """The `kind` called `name` (NoSuchEntity when there is none), for a second entity an
    operation names (the user of AddUserToGroup, the role of AddRoleToInstanceProfile)."""
    finder, missing = _LOOKUPS[kind]
    found = finder(caller, name)
    if found is None:
        raise missing(name)
    return found


def authorized_entity(
    caller: Any, kind: str, name: str, action: str, *, context: Mapping[str, Any] | None = None
) -> Any:
    """The `kind` ("user", "group", "role", "instance-profile") called `name`, as AWS reaches it:
    authorize `action` on its ARN (on the ARN it would have at path / when there is none), then
    NoSuchEntity when there is none."""
    finder, missing = _LOOKUPS[kind]
    found = finder(caller, name)
    resource = found.arn if found else arn(caller, kind, "/", name)
    authorize(caller, action, resource, context=context)
    if found is None:
        raise missing(name)
    return found


def calling_identity(caller: Any, action: str) -> IamUser | None:
    """For an operation whose UserName may be left out (it then acts on the caller): authorize
    `action` on the calling IAM user, or (None) on the root user; a role session or federated
    caller must name a user (ValidationError)."""
    if caller.user is not None:
        authorize(caller, action, caller.user.arn)
        return caller.user
    if not caller.is_root:
        raise errors.ValidationError("Must specify userName when calling with non-User credentials")
    authorize(caller, action, caller.account.root_arn)
    return None


def rename(
    caller: Any, entity: Any, kind: str, action: str, new_path: str | None, new_name: str | None
) -> None:
    """UpdateUser/UpdateGroup's change of path and name. Renaming needs permission on the target
    name as well as on the source (already authorized); EntityAlreadyExists when another entity
    has the new name."""
    path = new_path or entity.path
    name = new_name or entity.name
    target = arn(caller, kind, path, name)
    if target != entity.arn:
        authorize(caller, action, target)
    other = _LOOKUPS[kind][0](caller, new_name)
    if other and other.pk != entity.pk:
        label = kind.capitalize()
        raise errors.EntityAlreadyExists(f"{label} with name {new_name} already exists.")
    with write(caller):
        entity.name, entity.path = name, path
        entity.save(update_fields=["name", "path"])


def policies_conflict(entity: Any) -> str | None:
    """What must go before a user, group or role can be deleted, of its policies: "detach all
    policies", "delete policies" (inline), or None."""
    if entity.attachments.exists():
        return "detach all policies"
    if entity.inline_policies.exists():
        return "delete policies"
    return None


def check_quota(model: type, caller: Any, quota: int, name: str) -> None:
    """LimitExceeded when the caller's account already has `quota` rows of `model`."""
    if model.objects.filter(account=caller.account).count() >= quota:
        raise errors.LimitExceeded(f"Cannot exceed quota for {name}: {quota}")


def protected_role(role: Role) -> errors.AwsError | None:
    """Service-linked and IAM Identity Center roles: only AWS may change them."""
    if role.path.startswith(PROTECTED_ROLE_PATHS):
        return errors.UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}' - "
            "this role is only modifiable by AWS"
        )
    return None


class PolicyRef:
    """A managed policy named by ARN: a customer managed row, or an AWS managed catalog entry."""

    def __init__(self, arn: str, row: ManagedPolicy | None, entry: dict[str, Any] | None):
        self.arn = arn
        self.row = row
        self.entry = entry

    @property
    def name(self) -> str:
        return self.row.name if self.row else self.entry["name"]

    @property
    def path(self) -> str:
        return self.row.path if self.row else self.entry["path"]

    def attachment_filter(self) -> dict[str, Any]:
        return {"policy": self.row} if self.row else {"aws_policy_arn": self.arn}

    def boundary_fields(self) -> dict[str, Any]:
        if self.row:
            return {"boundary_policy": self.row, "boundary_aws_arn": ""}
        return {"boundary_policy": None, "boundary_aws_arn": self.arn}


_POLICY_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}|aws):policy(/.*)?/([^/]+)$")


def resolve_policy(caller: Any, policy_arn: str) -> PolicyRef | None:
    """The managed policy an ARN names in this sandbox, or None."""
    if managed_catalog.is_aws_managed_arn(policy_arn):
        entry = managed_catalog.aws_managed_policy(policy_arn)
        return PolicyRef(policy_arn, None, entry) if entry else None
    match = _POLICY_ARN_RE.match(policy_arn)
    if not match or match.group(1) != caller.account.account_id:
        return None
    path = (match.group(2) or "") + "/"
    row = (
        named(ManagedPolicy.objects.filter(account=caller.account, path=path), match.group(3))
        .select_related("account")
        .first()
    )
    return PolicyRef(row.arn, row, None) if row else None


def check_policy_arn_format(policy_arn: str) -> None:
    if not _POLICY_ARN_RE.match(policy_arn):
        raise errors.InvalidInput(f"ARN {policy_arn} is not valid.")


def not_attachable(policy_arn: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"Policy {policy_arn} does not exist or is not attachable.")


# -- documents -------------------------------------------------------------------------------


def document_text(document: Any) -> Any:
    """Documents are JSON text, as AWS takes them; a dict is written out canonically."""
    if isinstance(document, Mapping):
        return canonical_json(document)
    return document


def check_document(text: str, kind: PolicyKind, *, max_length: int | None = None) -> None:
    """Raise what AWS raises for a document it refuses to store.

    Size over the quota is LimitExceeded ("Cannot exceed quota for PolicySize: 6144"); characters
    outside AWS's pattern are a ValidationError; everything else is MalformedPolicyDocument with
    the validator's message (AWS's words first, then what exactly is wrong).
    """
    for problem in validate_policy(text, kind, max_length=max_length):
        if problem.severity != Severity.ERROR:
            continue
        if problem.code.startswith("POLICY_SIZE_EXCEEDS"):
            raise errors.LimitExceeded(problem.message.split(". ", 1)[0].rstrip("."))
        if problem.code == "INVALID_CHARACTERS":
            raise errors.ValidationError(problem.message.split("+. ", 1)[0] + "+")
        message = problem.message
        if problem.code == "JSON_SYNTAX":
            # The parser says what is wrong; AWS says only this first part.
            where = f" (line {problem.line}, column {problem.column})" if problem.line else ""
            message = f"Syntax errors in policy. {message}{where}"
        raise errors.MalformedPolicyDocument(message)


def compact_size(text: str) -> int:
    """A document's size as IAM counts it: without the white space outside strings."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return len(text)
    return len(json.dumps(parsed, separators=(",", ":"), ensure_ascii=False))


def parsed_document(text: str) -> Any:
    """A stored document for a response: parsed, as the AWS SDKs and CLI give it."""
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- responses -------------------------------------------------------------------------------


def paginate(
    items: list[Any],
    key: str,
    marker: str | None,
    max_items: int | None,
    render: Callable[[Any], Any] = lambda item: item,
) -> dict[str, Any]:
    """A list response: {key: [...], "IsTruncated": bool, "Marker"?: next page's marker}."""
    start = page_start(marker, len(items))
    if start is None:
        raise errors.ValidationError("Invalid Marker.")
    size = max_items or 100
    page = items[start : start + size]
    out: dict[str, Any] = {key: [render(item) for item in page]}
    truncated = start + size < len(items)
    out["IsTruncated"] = truncated
    if truncated:
        out["Marker"] = str(start + size)
    return out


def page_start(token: Any, count: int) -> int | None:
    """Where the page a paging token (IAM's Marker, Organizations' NextToken) asks for starts in
    a list of `count` items: 0 without a token, None for a token this sandbox did not give (the
    tokens it gives are the next item's index, as text)."""
    if token is None:
        return 0
    if not isinstance(token, str) or not token.isdigit() or int(token) > count:
        return None
    return int(token)


_ARN_KINDS = {IamUser: "user", IamGroup: "group", Role: "role", InstanceProfile: "instance-profile"}


def list_in_account(
    caller: Any,
    model: type,
    action: str,
    key: str,
    path_prefix: Any,
    marker: Any,
    max_items: Any,
    render: Callable[[Any], Any],
    *,
    related: tuple[str, ...] = ("account",),
    prefix_pattern: str = PATH_PREFIX_PATTERN,
) -> dict[str, Any]:
    """A List* of the account's users, groups, roles or instance profiles: PathPrefix (matching
    `prefix_pattern`) and paging checked, authorized on `arn:aws:iam::ACCOUNT:KIND/*`, filtered
    by path prefix, ordered by name (case folded), paged."""
    check = Check()
    check.string(path_prefix, "pathPrefix", max_len=512, pattern=prefix_pattern, required=False)
    check.paging(marker, max_items)
    check.done()
    authorize(caller, action, arn(caller, _ARN_KINDS[model], "/", "*"))
    rows = model.objects.filter(account=caller.account).select_related(*related)
    if path_prefix:
        rows = rows.filter(path__startswith=path_prefix)
    ordered = sorted(rows, key=lambda row: row.name.lower())
    return paginate(ordered, key, marker, max_items, render)


def boundary_shape(principal: IamUser | Role) -> dict[str, Any] | None:
    arn_ = principal.boundary_arn
    if not arn_:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn_}


def root_user_shape(account: Any) -> dict[str, Any]:
    """The root user where AWS shows it as a user (GetUser, ListVirtualMFADevices)."""
    return {"UserId": account.account_id, "Arn": account.root_arn, "CreateDate": account.created}


def user_shape(user: IamUser, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.created,
    }
    if full and user.password_last_used:
        out["PasswordLastUsed"] = user.password_last_used
    if full and (boundary := boundary_shape(user)):
        out["PermissionsBoundary"] = boundary
    if full and user.tags:
        out["Tags"] = tags_list(user.tags)
    return out


def group_shape(group: IamGroup) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": group.created,
    }


def role_shape(role: Role, *, full: bool = False, listing: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": parsed_document(role.trust_policy),
    }
    if role.description:
        out["Description"] = role.description
    if full or listing:
        out["MaxSessionDuration"] = role.max_session_duration
    if full and (boundary := boundary_shape(role)):
        out["PermissionsBoundary"] = boundary
    if full and role.tags:
        out["Tags"] = tags_list(role.tags)
    if full:
        last: dict[str, Any] = {}
        if role.last_used:
            last = {"LastUsedDate": role.last_used, "Region": role.last_used_region}
        out["RoleLastUsed"] = last
    return out


def instance_profile_shape(profile: InstanceProfile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.instance_profile_id,
        "Arn": profile.arn,
        "CreateDate": profile.created,
        "Roles": [role_shape(profile.role)] if profile.role_id else [],
    }
    if profile.tags:
        out["Tags"] = tags_list(profile.tags)
    return out
