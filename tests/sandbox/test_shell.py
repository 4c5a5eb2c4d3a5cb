"""The CLI pane's interpreter (iamlab.sandbox.shell): AWS CLI syntax in, AWS CLI output out."""

import inspect
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlab.sandbox.models import IamUser
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import iam, principals
from iamlab.sandbox.shell import new_state, run, services
from iamlab.sandbox.shell.commands import STRUCTURES, kebab, operation_name

ACCOUNT = "111122223333"
SCENARIO = f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      admin:
        policies: [arn:aws:iam::aws:policy/AdministratorAccess]
      dev:
        access_keys: [{{id: AKIADEV0000000000001, secret: dev-secret}}]
        inline_policies:
          assume:
            Version: '2012-10-17'
            Statement:
              - {{Effect: Allow, Action: sts:AssumeRole, Resource: 'arn:aws:iam::{ACCOUNT}:role/reader'}}
    roles:
      reader:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {{Effect: Allow, Principal: {{AWS: 'arn:aws:iam::{ACCOUNT}:user/dev'}}, Action: sts:AssumeRole}}
        inline_policies:
          read:
            Version: '2012-10-17'
            Statement:
              - {{Effect: Allow, Action: 'iam:Get*', Resource: '*'}}
"""  # noqa: E501

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@pytest.fixture
def sandbox(db):
    return load_scenario(SCENARIO, name="shell-tests")


@pytest.fixture
def sh(sandbox):
    """Run a line as the console's principal (root unless `as_` says otherwise)."""
    state = new_state()

    def go(line, as_=None):
        caller = principals.as_user(sandbox, as_) if as_ else principals.as_root(sandbox)
        return run(sandbox, line, state, default_caller=caller)

    go.state = state
    return go


# --------------------------------------------------------------------------- command table
def test_every_service_operation_is_a_command_named_as_the_cli_names_it():
    table = services()
    assert set(table) == {"iam", "sts", "s3api", "accessanalyzer", "organizations", "ec2"}
    assert len(table["iam"]) == len(iam.__all__)
    for service, commands in table.items():
        for name, cmd in commands.items():
            assert name == cmd.function.__name__.replace("_", "-")
            assert cmd.service == service
            sig = list(inspect.signature(cmd.function).parameters)[1:]
            assert [p.name for p in cmd.params] == sig
            for p in cmd.params:
                assert p.option == "--" + kebab(p.name)


@pytest.mark.parametrize(
    ("name", "option"),
    [
        ("VirtualMFADeviceName", "virtual-mfa-device-name"),
        ("AuthenticationCode1", "authentication-code1"),
        ("AssumeRolePolicyDocument", "assume-role-policy-document"),
        ("PolicyArn", "policy-arn"),
        ("PublicAccessBlockConfiguration", "public-access-block-configuration"),
    ],
)
def test_parameter_names_become_the_clis_options(name, option):
    assert kebab(name) == option


def test_operation_names_in_error_messages_are_the_apis():
    assert operation_name("create_virtual_mfa_device") == "CreateVirtualMFADevice"
    assert operation_name("get_caller_identity") == "GetCallerIdentity"
    assert operation_name("put_bucket_policy") == "PutBucketPolicy"


def _all_commands():
    return [(s, n) for s, cmds in services().items() for n in cmds]


@pytest.mark.parametrize(("service", "name"), _all_commands())
def test_every_command_checks_its_required_parameters_and_has_help(sh, service, name):
    cmd = services()[service][name]
    required = [p.option for p in cmd.params if p.required]
    help_ = sh(f"aws {service} {name} help")
    assert help_.exit_code == 0
    assert cmd.operation in help_.stdout
    for p in cmd.params:
        assert p.option in help_.stdout
    if required:
        out = sh(f"aws {service} {name}")
        assert out.exit_code == 252
        assert out.stderr.endswith(
            "aws: error: the following arguments are required: " + ", ".join(required) + "\n"
        )


# ------------------------------------------------------------------------------ successes
def test_create_user_prints_the_clis_json_and_creates_the_user(sh, sandbox):
    out = sh("aws iam create-user --user-name bob --path /eng/ --tags Key=team,Value=blue")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith('{\n    "User": {\n')  # 4-space indent, as the CLI
    user = json.loads(out.stdout)["User"]
    assert user["UserName"] == "bob"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/bob"
    assert user["CreateDate"] == "2026-03-01T10:00:00+00:00"
    assert user["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert IamUser.objects.filter(sandbox=sandbox, name="bob").exists()


def test_delete_prints_nothing_like_the_cli(sh, sandbox):
    sh("aws iam create-user --user-name temp")
    out = sh("aws iam delete-user --user-name temp")
    assert (out.exit_code, out.stdout, out.stderr) == (0, "", "")
    assert not IamUser.objects.filter(sandbox=sandbox, name="temp").exists()


def test_tags_as_json_and_option_equals_value(sh):
    out = sh("""aws iam create-user --user-name=carol --tags '[{"Key": "a", "Value": "b"}]'""")
    assert json.loads(out.stdout)["User"]["Tags"] == [{"Key": "a", "Value": "b"}]


def test_policy_documents_are_passed_as_json_text(sh):
    out = sh(f"aws iam create-role --role-name app --assume-role-policy-document '{TRUST}'")
    assert out.exit_code == 0, out.stderr
    role = json.loads(out.stdout)["Role"]
    assert role["RoleName"] == "app"
    got = json.loads(sh("aws iam get-role --role-name app").stdout)["Role"]
    assert got["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app"


def test_cli_input_json_gives_parameters_by_api_name_and_options_override(sh):
    out = sh(
        """aws iam create-user --cli-input-json '{"UserName": "x1", "Path": "/a/"}' --path /b/"""
    )
    assert json.loads(out.stdout)["User"]["Arn"].endswith(":user/b/x1")


def test_integers_and_boolean_flags(sh):
    sh("aws iam create-user --user-name pw")
    out = sh(
        "aws iam create-login-profile --user-name pw --password 'Str0ng!Passw0rd#' "
        "--no-password-reset-required"
    )
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["LoginProfile"]["PasswordResetRequired"] is False
    out = sh(
        "aws iam update-account-password-policy --minimum-password-length 14 --require-symbols"
    )
    assert out.exit_code == 0, out.stderr
    policy = json.loads(sh("aws iam get-account-password-policy").stdout)["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14
    assert policy["RequireSymbols"] is True


def test_text_output(sh):
    out = sh("aws sts get-caller-identity --output text")
    assert out.stdout == f"{ACCOUNT}\tarn:aws:iam::{ACCOUNT}:root\t{ACCOUNT}\n"


def test_s3api_commands(sh):
    assert sh("aws s3api create-bucket --bucket my-notes").exit_code == 0
    put = sh("aws s3api put-object --bucket my-notes --key a.txt --body hello")
    assert put.exit_code == 0 and "ETag" in json.loads(put.stdout)
    got = sh("aws s3api get-object --bucket my-notes --key a.txt out.txt")
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout)["ContentLength"] == 5
    assert "Body" not in json.loads(got.stdout)
    assert any("hello" in n for n in got.notes)
    names = [b["Name"] for b in json.loads(sh("aws s3api list-buckets").stdout)["Buckets"]]
    assert names == ["my-notes"]
    block = sh(
        "aws s3api put-public-access-block --bucket my-notes --public-access-block-configuration "
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false"
    )
    assert block.exit_code == 0, block.stderr
    conf = json.loads(sh("aws s3api get-public-access-block --bucket my-notes").stdout)
    assert conf["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is False
    assert conf["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True


# ----------------------------------------------------------------------- credentials
def test_assume_role_saves_a_profile_that_acts_as_the_session_and_is_denied(sh):
    out = sh(
        f"aws sts assume-role --role-arn arn:aws:iam::{ACCOUNT}:role/reader "
        "--role-session-name audit",
        as_="dev",
    )
    assert out.exit_code == 0, out.stderr
    creds = json.loads(out.stdout)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert "audit" in sh.state["profiles"]
    assert any("--profile audit" in n for n in out.notes)
    who = json.loads(sh("aws sts get-caller-identity --profile audit").stdout)
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/audit"
    denied = sh("aws iam create-user --user-name eve --profile audit")
    assert denied.exit_code == 254
    assert denied.stderr == (
        "\nAn error occurred (AccessDenied) when calling the CreateUser operation: User: "
        f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/audit is not authorized to perform: "
        f"iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/eve because no "
        "identity-based policy allows the iam:CreateUser action\n"
    )


def test_access_denied_as_the_console_principal(sh):
    out = sh("aws iam create-user --user-name eve", as_="dev")
    assert out.exit_code == 254
    assert out.stderr.startswith(
        "\nAn error occurred (AccessDenied) when calling the CreateUser operation: "
        f"User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: iam:CreateUser"
    )


def test_configure_set_makes_a_profile_from_an_access_key(sh):
    sh("aws configure set aws_access_key_id AKIADEV0000000000001 --profile dev")
    sh("aws configure set aws_secret_access_key dev-secret --profile dev")
    assert sh("aws configure list-profiles").stdout == "dev\n"
    assert (
        sh("aws configure get aws_access_key_id --profile dev").stdout == "AKIADEV0000000000001\n"
    )
    who = json.loads(sh("aws sts get-caller-identity --profile dev").stdout)
    assert who["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/dev"
    listing = sh("aws configure list --profile dev").stdout
    assert "****************0001" in listing and "dev-secret" not in listing


def test_wrong_secret_is_the_apis_signature_error(sh):
    sh("aws configure set aws_access_key_id AKIADEV0000000000001 --profile bad")
    sh("aws configure set aws_secret_access_key wrong --profile bad")
    out = sh("aws sts get-caller-identity --profile bad")
    assert out.exit_code == 254
    assert out.stderr.startswith(
        "\nAn error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation:"
    )


def test_create_access_key_is_saved_as_the_users_profile(sh):
    sh("aws iam create-user --user-name kim")
    out = sh("aws iam create-access-key --user-name kim")
    key = json.loads(out.stdout)["AccessKey"]
    assert sh.state["profiles"]["kim"]["aws_access_key_id"] == key["AccessKeyId"]
    who = json.loads(sh("aws sts get-caller-identity --profile kim").stdout)
    assert who["Arn"].endswith(":user/kim")


def test_unknown_profile_and_no_credentials(sh, sandbox):
    out = sh("aws sts get-caller-identity --profile nope")
    assert (out.exit_code, out.stderr) == (255, "\nThe config profile (nope) could not be found\n")
    alone = run(sandbox, "aws sts get-caller-identity", new_state())
    assert alone.exit_code == 255
    assert "Unable to locate credentials" in alone.stderr


# ------------------------------------------------------------------------- usage errors
@pytest.mark.parametrize(
    ("line", "tail"),
    [
        (
            "aws iam create-user --user-name a --bogus 1",
            "aws: error: Unknown options: --bogus, 1\n",
        ),
        (
            "aws iam create-user --user-name",
            "aws: error: argument --user-name: expected one argument\n",
        ),
        (
            "aws iam list-users --output table",
            "--output table is not supported in the iamlab CLI pane\n",
        ),
        (
            "aws iam list-users --output xml",
            "argument --output: Invalid choice: 'xml' (choose from 'json', 'text', 'table', "
            "'yaml', 'yaml-stream')\n",
        ),
        (
            "aws iam list-users --query Users",
            "--query (JMESPath) is not supported in the iamlab CLI pane\n",
        ),
        ("aws", "aws: error: the following arguments are required: command\n"),
        ("aws iam", "aws: error: the following arguments are required: operation\n"),
        ("aws iam create-user --user-name a extra", "aws: error: Unknown options: extra\n"),
    ],
)
def test_usage_errors_in_the_clis_form(sh, line, tail):
    out = sh(line)
    assert out.exit_code == 252
    assert out.stderr.startswith("usage: aws [options] <command> <subcommand>")
    assert out.stderr.endswith(tail)


def test_invalid_service_and_command_list_the_choices(sh):
    out = sh("aws lambda list-functions")
    assert "aws: error: argument command: Invalid choice, valid choices are:" in out.stderr
    assert "\niam\n" in out.stderr
    out = sh("aws iam make-user")
    assert "aws: error: argument operation: Invalid choice, valid choices are:" in out.stderr
    assert "\ncreate-user\n" in out.stderr


def test_file_urls_are_refused_clearly(sh):
    out = sh("aws iam create-role --role-name r --assume-role-policy-document file://trust.json")
    assert out.exit_code == 252
    assert out.stderr.startswith(
        "\nError parsing parameter '--assume-role-policy-document': file://"
    )


def test_bad_values_are_parameter_errors(sh):
    out = sh("aws sts assume-role --role-arn x --role-session-name s --duration-seconds soon")
    assert out.stderr == (
        "\nError parsing parameter '--duration-seconds': invalid literal for int() with base 10: "
        "'soon'\n"
    )
    out = sh("aws iam tag-user --user-name admin --tags team")
    assert out.stderr.startswith(
        "\nError parsing parameter '--tags': Expected: '=', received: 'EOF'"
    )
    out = sh("aws iam tag-user --user-name admin --tags '[{\"Key\": 1'")
    assert out.stderr.startswith("\nError parsing parameter '--tags': Invalid JSON:")


def test_service_validation_errors_come_back_as_the_apis(sh):
    out = sh("aws iam create-user --user-name 'bad name!'")
    assert out.exit_code == 254
    assert out.stderr.startswith(
        "\nAn error occurred (ValidationError) when calling the CreateUser operation: "
    )
    out = sh("aws iam get-user --user-name ghost")
    assert out.stderr == (
        "\nAn error occurred (NoSuchEntity) when calling the GetUser operation: "
        "The user with name ghost cannot be found.\n"
    )


def test_the_pane_is_not_a_shell(sh):
    assert sh("rm -rf /").stderr == "-bash: rm: command not found\n"
    assert sh("aws iam list-users | jq .").exit_code != 0
    assert "one aws command per line" in sh("aws iam list-users; ls").stderr
    assert "syntax error" in sh("aws iam create-user --user-name 'oops").stderr
    assert sh("").exit_code == 0 and sh("").stdout == ""
    assert sh("clear").clear


def test_help_lists_the_supported_commands(sh):
    assert "aws sts assume-role" in sh("help").stdout
    top = sh("aws help").stdout
    assert "iam" in top and "s3api" in top and "sts" in top
    iam_help = sh("aws iam help").stdout
    assert "  create-user\n" in iam_help and "  attach-role-policy\n" in iam_help


# ------------------------------------------------------------------------------- fuzzing
_WORDS = st.sampled_from(
    ["aws", "iam", "sts", "s3api", "configure", "set", "help", "create-user", "assume-role",
     "tag-user", "put-user-policy", "--user-name", "--tags", "--output", "json", "text",
     "--profile", "--cli-input-json", "{", "}", "[", "]", "=", ",", "'", '"', "--no-path",
     "Key=a,Value=b", "file://x", "--duration-seconds", "--role-arn", "--role-session-name",
     "--policy-document", "x", "-", "--", "--=", "aws_access_key_id", "\\"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80))
def test_fuzz_arbitrary_text_never_escapes(sh, text):
    out = sh(text)
    assert isinstance(out.exit_code, int)
    if out.exit_code:
        assert out.stderr.strip()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_WORDS, max_size=10))
def test_fuzz_cli_like_words_never_escape(sh, words):
    out = sh("aws " + " ".join(words))
    if out.exit_code:
        assert out.stderr.strip(), words
    else:
        assert out.stderr == ""


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(_all_commands()),
    st.lists(st.one_of(st.text(max_size=12), st.integers().map(str)), max_size=6),
)
def test_fuzz_real_commands_with_random_values(sh, command, values):
    service, name = command
    cmd = services()[service][name]
    words = []
    for p, v in zip(cmd.params, values, strict=False):
        words.append(p.option)
        if p.kind == STRUCTURES:
            v = f"Key={v},Value=v"
        words.append(v)
    import shlex

    out = sh(f"aws {service} {name} " + " ".join(shlex.quote(w) for w in words))
    if out.exit_code:
        assert out.stderr.strip()


def test_credential_report_blob_is_base64_as_the_cli_prints_it(sh):
    import base64

    started = json.loads(sh("aws iam generate-credential-report").stdout)
    assert started["State"] == "STARTED"
    early = sh("aws iam get-credential-report")
    assert early.exit_code == 254
    assert early.stderr.startswith(
        "\nAn error occurred (ReportInProgress) when calling the GetCredentialReport operation: "
    )
    assert json.loads(sh("aws iam generate-credential-report").stdout)["State"] == "COMPLETE"
    report = json.loads(sh("aws iam get-credential-report").stdout)
    assert report["ReportFormat"] == "text/csv"
    csv_text = base64.b64decode(report["Content"]).decode()
    assert csv_text.startswith("user,arn,user_creation_time,")
    assert "<root_account>" in csv_text


def test_access_analyzer_commands(sh):
    bad = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}],
        }
    )
    out = sh(
        "aws accessanalyzer validate-policy --policy-type IDENTITY_POLICY "
        f"--policy-document '{bad}'"
    )
    assert out.exit_code == 0, out.stderr
    findings = json.loads(out.stdout)["findings"]
    assert findings and any("GetObjekt" in f["findingDetails"] for f in findings)
    made = sh("aws accessanalyzer create-analyzer --analyzer-name main --type ACCOUNT")
    assert json.loads(made.stdout)["arn"].endswith(":analyzer/main")
    listed = json.loads(sh("aws accessanalyzer list-analyzers").stdout)
    assert [a["name"] for a in listed["analyzers"]] == ["main"]
    wrong = sh("aws accessanalyzer create-analyzer --analyzer-name x --type NOPE")
    assert wrong.exit_code == 254
    assert wrong.stderr.startswith(
        "\nAn error occurred (ValidationException) when calling the CreateAnalyzer operation: "
    )


def test_the_pane_writes_attaches_and_lists_an_scp(db):
    """`aws organizations` from the management account, on the SCP lesson's organization."""
    import pathlib

    import yaml

    from iamlab.sandbox.shell.help import pane_help

    lesson = pathlib.Path(__file__).resolve().parents[2] / "lessons" / "scps-guardrails.yaml"
    setup = yaml.safe_load(lesson.read_text())["setup"]
    sandbox = load_scenario(yaml.safe_dump(setup), name="shell-org")
    admin = principals.as_principal(sandbox, "arn:aws:iam::111122223333:user/org-admin")
    state = new_state()
    content = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
            ],
        }
    )
    created = run(
        sandbox,
        "aws organizations create-policy --type SERVICE_CONTROL_POLICY --name DenyLeaving "
        f"--description 'Stay in the organization' --content '{content}'",
        state,
        default_caller=admin,
    )
    assert created.exit_code == 0, created.stderr
    policy_id = json.loads(created.stdout)["Policy"]["PolicySummary"]["Id"]
    attached = run(
        sandbox,
        f"aws organizations attach-policy --policy-id {policy_id} --target-id r-nw01",
        state,
        default_caller=admin,
    )
    assert attached.exit_code == 0, attached.stderr
    listed = run(
        sandbox,
        "aws organizations list-policies-for-target --target-id r-nw01 "
        "--filter SERVICE_CONTROL_POLICY",
        state,
        default_caller=admin,
    )
    names = {p["Name"] for p in json.loads(listed.stdout)["Policies"]}
    assert "DenyLeaving" in names
    missing = run(
        sandbox,
        "aws organizations attach-policy --policy-id " + policy_id,
        state,
        default_caller=admin,
    )
    assert missing.exit_code == 252 and "--target-id" in missing.stderr
    assert "aws organizations" in pane_help()


def test_a_nul_character_is_refused_like_a_shell_would(sh):
    out = sh("aws iam create-user --user-name al\x00ice")
    assert out.exit_code != 0
    assert "NUL character" in out.stderr
    assert not IamUser.objects.filter(name__startswith="al").exists()
