"""`qa users create` and authentication."""

from __future__ import annotations

from click.testing import CliRunner

from qa_app.cli import main
from qa_app.tables import Agent, AuditLog, User


def run(args: list[str], stdin: str = ""):
    return CliRunner().invoke(main, ["users", "create", *args], input=stdin)


def test_users_create_with_roles_and_agent_link(clean_db):
    result = run(["--email", "Lead@City.example", "--role", "team_leader", "--password-stdin"], "a long password\n")
    assert result.exit_code == 0, result.stderr
    assert "created user" in result.stderr

    missing_agent = run(["--email", "a@city.example", "--role", "agent", "--password-stdin"], "a long password\n")
    assert missing_agent.exit_code == 2
    assert missing_agent.stderr.strip() == "qa: an agent user needs --agent STAFF_NUMBER, and only agent users have one"

    unknown = run(
        ["--email", "a@city.example", "--role", "agent", "--agent", "404", "--password-stdin"], "a long password\n"
    )
    assert unknown.exit_code == 2 and "no agent with staff number 404" in unknown.stderr

    short = run(["--email", "b@city.example", "--role", "qa", "--password-stdin"], "short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.stderr

    duplicate = run(["--email", "lead@city.example", "--role", "qa", "--password-stdin"], "a long password\n")
    assert duplicate.exit_code == 2 and "exists already" in duplicate.stderr

    # Without a terminal or --password-stdin a password is generated and printed once.
    import asyncio

    async def add_agent():
        await Agent.insert(Agent(staff_number="1001", name="Anna Berg"))

    asyncio.run(add_agent())
    generated = run(["--email", "anna@city.example", "--role", "agent", "--agent", "1001"])
    assert generated.exit_code == 0, generated.stderr
    password = generated.stdout.strip().removeprefix("password: ")
    assert len(password) >= 12

    async def check():
        from qa_app.users import authenticate

        assert (await authenticate("ANNA@city.example", password))["role"] == "agent"
        assert await authenticate("anna@city.example", "wrong password") is None
        agent = await Agent.select(Agent.user.email.as_alias("email")).where(Agent.staff_number == "1001").first()
        assert agent["email"] == "anna@city.example"
        assert await User.count() == 2
        details = [r["detail"] for r in await AuditLog.select(AuditLog.detail).output(load_json=True)]
        assert all("password" not in str(d).lower() for d in details)  # secrets never logged

    asyncio.run(check())
