from iamlab.sandbox.audit import check_access_not_granted, check_no_new_access, validate_policy


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::data/*"}


def test_validate_policy_uses_access_analyzers_shape():
    text = '{"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}'
    findings = validate_policy(text)["findings"]
    codes = {f["issueCode"] for f in findings}
    assert "MISSING_VERSION" in codes
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in codes
    missing = next(f for f in findings if f["issueCode"] == "MISSING_VERSION")
    assert missing["findingType"] in ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")
    assert missing["learnMoreLink"].startswith("https://docs.aws.amazon.com/")
    passrole = next(f for f in findings if f["issueCode"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE")
    location = passrole["locations"][0]
    assert location["path"][:2] == [{"value": "Statement"}, {"index": 0}]
    assert location["span"]["start"]["line"] == 1


def test_no_new_access_passes_for_a_narrower_policy():
    narrower = policy({**READ, "Resource": "arn:aws:s3:::data/reports/*"})
    assert check_no_new_access(policy(READ), narrower)["result"] == "PASS"


def test_no_new_access_fails_for_a_new_action():
    wider = policy({**READ, "Action": ["s3:GetObject", "s3:PutObject"]})
    result = check_no_new_access(policy(READ), wider)
    assert result["result"] == "FAIL"
    assert "s3:PutObject" in result["reasons"][0]["description"]
    assert result["reasons"][0]["statementIndex"] == 0


def test_no_new_access_fails_when_a_condition_is_dropped():
    with_mfa = {**READ, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    assert check_no_new_access(policy(with_mfa), policy(READ))["result"] == "FAIL"
    assert check_no_new_access(policy(READ), policy(with_mfa))["result"] == "PASS"


def test_no_new_access_fails_for_a_wider_ip_range():
    def ip(cidr):
        return {**READ, "Condition": {"IpAddress": {"aws:SourceIp": cidr}}}

    assert (
        check_no_new_access(policy(ip("10.0.0.0/16")), policy(ip("10.0.0.0/8")))["result"] == "FAIL"
    )
    assert (
        check_no_new_access(policy(ip("10.0.0.0/8")), policy(ip("10.0.0.0/16")))["result"] == "PASS"
    )


def test_no_new_access_handles_wildcards_with_the_catalog():
    everything_s3 = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    get_only = policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    assert check_no_new_access(everything_s3, get_only)["result"] == "PASS"
    assert check_no_new_access(get_only, everything_s3)["result"] == "FAIL"


def test_access_not_granted_passes_and_fails():
    assert check_access_not_granted(policy(READ), actions=["s3:DeleteObject"])["result"] == "PASS"
    result = check_access_not_granted(policy(READ), actions=["s3:GetObject"])
    assert result["result"] == "FAIL"
    other = check_access_not_granted(
        policy(READ), actions=["s3:GetObject"], resources=["arn:aws:s3:::other/x"]
    )
    assert other["result"] == "PASS"


def test_access_not_granted_sees_through_a_deny():
    denied = policy(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
    )
    assert check_access_not_granted(denied, actions=["iam:CreateUser"])["result"] == "PASS"
    assert check_access_not_granted(denied, actions=["iam:DeleteUser"])["result"] == "FAIL"
