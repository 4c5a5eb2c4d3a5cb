"""The sandbox console's URLs (/sandbox/...), included from iamlab/web/urls.py."""

from django.urls import path

from . import console_more_views as m
from . import console_views as c
from . import editor_views, sandbox_views

S = "<int:sandbox_id>/"

urlpatterns = [
    path("", sandbox_views.sandbox_list, name="sandbox_list"),
    path("new/", sandbox_views.sandbox_create, name="sandbox_create"),
    path("policy-completions", editor_views.completions, name="policy_completions"),
    path(S, c.dashboard, name="sandbox_home"),
    path(S + "delete/", sandbox_views.sandbox_delete, name="sandbox_delete"),
    path(S + "act-as/", sandbox_views.act_as, name="sandbox_act_as"),
    path(S + "switch-role/", c.switch_role, name="console_switch_role"),
    path(S + "validate-policy", editor_views.validate, name="validate_policy"),
    # users
    path(S + "users/", c.users, name="console_users"),
    path(S + "users/create/", c.user_create, name="console_user_create"),
    path(S + "users/<str:name>/", c.user_detail, name="console_user"),
    path(S + "users/<str:name>/mfa/assign/", m.mfa_assign, name="console_mfa_assign"),
    path(S + "mfa/delete/", m.mfa_delete, name="console_mfa_delete"),
    path(S + "users/<str:name>/tab/<slug:tab>/", c.user_detail, name="console_user_tab"),
    path(
        S + "users/<str:name>/access-keys/create/",
        c.access_key_create,
        name="console_access_key_create",
    ),
    # user groups
    path(S + "groups/", c.groups, name="console_groups"),
    path(S + "groups/create/", c.group_create, name="console_group_create"),
    path(S + "groups/<str:name>/", c.group_detail, name="console_group"),
    path(S + "groups/<str:name>/tab/<slug:tab>/", c.group_detail, name="console_group_tab"),
    # roles
    path(S + "roles/", c.roles, name="console_roles"),
    path(S + "roles/create/", c.role_create, name="console_role_create"),
    path(S + "roles/<str:name>/", c.role_detail, name="console_role"),
    path(S + "roles/<str:name>/settings/", m.role_settings, name="console_role_settings"),
    path(S + "roles/<str:name>/tab/<slug:tab>/", c.role_detail, name="console_role_tab"),
    # policies
    path(S + "policies/", c.policies, name="console_policies"),
    path(S + "policies/create/", c.policy_create, name="console_policy_create"),
    path(S + "policies/aws/<str:name>/", c.aws_policy_detail, name="console_aws_policy"),
    path(S + "policies/<str:name>/", c.policy_detail, name="console_policy"),
    path(S + "policies/<str:name>/tab/<slug:tab>/", c.policy_detail, name="console_policy_tab"),
    # inline policies of a user, group or role
    path(
        S + "<slug:kind>s/<str:name>/inline/new/",
        c.inline_policy_edit,
        name="console_inline_new",
    ),
    path(
        S + "<slug:kind>s/<str:name>/inline/<str:policy_name>/",
        c.inline_policy_edit,
        name="console_inline_edit",
    ),
    # S3 buckets and their bucket policies
    path(S + "buckets/", c.buckets, name="console_buckets"),
    path(S + "buckets/<str:name>/", c.bucket_detail, name="console_bucket"),
    # identity providers, account settings
    path(S + "identity-providers/", c.identity_providers, name="console_providers"),
    path(
        S + "identity-providers/delete/",
        m.identity_provider_delete,
        name="console_provider_delete",
    ),
    path(
        S + "identity-providers/oidc-action/<slug:action>/",
        m.oidc_provider_action,
        name="console_oidc_provider_action",
    ),
    path(
        S + "identity-providers/<slug:kind>/<path:name>",
        m.identity_provider_detail,
        name="console_provider",
    ),
    path(S + "account/", c.account_settings, name="console_account"),
    # instance profiles, EC2 instances
    path(S + "instance-profiles/", m.instance_profiles, name="console_instance_profiles"),
    path(
        S + "instance-profiles/<str:name>/",
        m.instance_profile_detail,
        name="console_instance_profile",
    ),
    path(
        S + "instance-profiles/<str:name>/<slug:action>/",
        m.instance_profile_action,
        name="console_instance_profile_action",
    ),
    path(S + "ec2/instances/", m.ec2_instances, name="console_ec2_instances"),
    path(
        S + "ec2/instances/<str:instance_id>/associate/",
        m.ec2_associate,
        name="console_ec2_associate",
    ),
    path(
        S + "ec2/instances/<str:instance_id>/replace/",
        m.ec2_replace,
        name="console_ec2_replace",
    ),
    path(
        S + "ec2/instances/<str:instance_id>/disassociate/",
        m.ec2_disassociate,
        name="console_ec2_disassociate",
    ),
    # one-click changes: POST /sandbox/1/do/user/attach/bob/
    path(S + "do/<slug:kind>/<slug:action>/", c.entity_action, name="console_action_account"),
    path(S + "do/<slug:kind>/<slug:action>/<str:name>/", c.entity_action, name="console_action"),
]
