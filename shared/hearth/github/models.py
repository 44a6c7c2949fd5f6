"""What the GitHub routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: The state a task's status shows as on GitHub.
ISSUE_STATE = {"open": "open", "in_progress": "open", "done": "closed", "cancelled": "closed"}

InstallationId = Annotated[int, Field(ge=1, le=10**18, description="GitHub's installation id.")]
RepositoryName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"),
    Field(description="`owner/name` of a repository the installation can see.", examples=["acme/web"]),
]


class InstallUrl(BaseModel):
    url: str = Field(description="Send the admin here to install the app (it carries `state`).")
    state: str = Field(description="Signed, names the org, expires in 30 minutes.")
    expires_at: datetime


class InstallationLink(BaseModel):
    """What GitHub's setup callback brought back: its `installation_id` and the `state` of the
    install URL."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"installation_id": 200001, "state": "eyJ…"}]}
    )

    installation_id: InstallationId
    state: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class Installation(BaseModel):
    installation_id: int
    account_login: str
    account_type: str | None
    repository_selection: str | None
    suspended_at: datetime | None
    created_at: datetime


class Repository(BaseModel):
    repository_id: int
    full_name: str
    private: bool
    default_branch: str | None


class RepositoryList(BaseModel):
    data: list[Repository]


class IssueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"repository": "acme/web"}]})

    repository: RepositoryName


class GitHubLink(BaseModel):
    id: UUID
    kind: Literal["commit", "pull_request", "issue"]
    repository: str
    ref: str = Field(description="A commit's sha; a pull request's or issue's number.")
    title: str = Field(description="A commit's message; a pull request's or issue's title.")
    url: str | None
    author: str | None
    branch: str | None
    state: Literal["open", "closed", "merged"] | None
    fixes: bool = Field(
        description="It completes the task (fixes/closes/resolves on the default branch, or merged)."
    )
    created_at: datetime
    updated_at: datetime


class TaskGitHub(BaseModel):
    task_id: UUID
    key: str
    commits: list[GitHubLink]
    pull_requests: list[GitHubLink]
    issues: list[GitHubLink]
