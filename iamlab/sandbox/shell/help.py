"""Help texts: `help` (the pane), `aws help`, `aws <service> help`, `aws <service> <cmd> help`."""

from __future__ import annotations

from .commands import BOOLEAN, INTEGER, LIST, MAP, STRUCTURES, services

_PANE = """\
iamlab CLI pane: the AWS CLI's syntax, run against your sandbox (nothing leaves iamlab).

  aws iam <command> [--param value ...]     IAM ({iam} commands: aws iam help)
  aws sts <command> [--param value ...]     STS ({sts} commands: aws sts help)
  aws s3api <command> [--param value ...]   S3 ({s3api} commands: aws s3api help)
  aws accessanalyzer <command> ...           IAM Access Analyzer ({accessanalyzer} commands)
  aws organizations <command> ...            SCPs and RCPs ({organizations} commands)
  aws ec2 <command> [--param value ...]     EC2 instances and instance profiles ({ec2} commands)
  aws <service> <command> help              the command's parameters

Who runs the command
  Without --profile, commands run as the principal chosen in the console's "Acting as"
  switcher (as AWS CloudShell uses the console's session).
  aws sts assume-role ... saves the session's credentials as a profile named after
  --role-session-name; aws iam create-access-key saves the key as a profile named after
  the user. Then add --profile NAME to act with those credentials.
  aws configure set aws_access_key_id AKIA... --profile NAME
  aws configure set aws_secret_access_key SECRET --profile NAME
  aws configure set aws_session_token TOKEN --profile NAME   (temporary credentials)
  aws configure list-profiles                 the pane's profiles
  A profile named "default" is used when no --profile is given.

Values
  Policy documents: paste the JSON inline, in single quotes. file:// is not supported.
  Lists and maps: JSON, or the CLI's shorthand: --tags Key=team,Value=blue Key=env,Value=dev
  --cli-input-json '{{...}}' gives every parameter at once, by its API name.
  --output json (default) or text. --region REGION.

Keys: Up/Down recall earlier commands; "clear" clears the screen.
"""


def pane_help() -> str:
    table = services()
    return _PANE.format(**{s: len(c) for s, c in table.items()})


_KIND_HINT = {
    INTEGER: "<integer>",
    BOOLEAN: "",
    LIST: "<value> [<value> ...]",
    STRUCTURES: "<value> [<value> ...]",
    MAP: "<value>",
}


def aws_help(service: str, command: str) -> str:
    table = services()
    if service == "help" or not service:
        lines = ["Available services in the iamlab CLI pane:", ""]
        lines += [f"  {s:<15} {len(c)} commands (aws {s} help)" for s, c in table.items()]
        lines += [
            "  configure set | get | list | list-profiles",
            "",
            "Run help for the pane's guide.",
        ]
        return "\n".join(lines) + "\n"
    if command in ("", "help"):
        lines = [f"aws {service}: available commands", ""]
        lines += [f"  {name}" for name in table[service]]
        return "\n".join(lines) + "\n"
    cmd = table[service][command]
    lines = [f"aws {service} {command}  (the {cmd.operation} operation)", "", "SYNOPSIS"]
    for p in cmd.params:
        if p.kind == BOOLEAN:
            text = f"{p.option} | --no-{p.option[2:]}"
        else:
            text = f"{p.option} {_KIND_HINT.get(p.kind, '<value>')}"
        lines.append(f"    {text}" if p.required else f"    [{text}]")
    if command == "get-object":
        lines.append("    <outfile>")
    return "\n".join(lines) + "\n"
