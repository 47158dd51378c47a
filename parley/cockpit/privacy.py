"""Who may see what.  The rules, in one place (docs/cockpit.md explains them to users):

- a trainee sees only their own people page, sessions and transcripts;
- a lead sees the people of their own team, a trainer and an admin see every team;
- a practice session belongs to its trainee: staff see that it happened and its scores in aggregates,
  never its transcript, unless the trainee shared it; an assessment transcript is visible to staff
  who can see the trainee.  This holds for admins too: practice is private by design.
"""

from __future__ import annotations

from parley.cockpit.auth import Role, Viewer


def can_see_person(viewer: Viewer, person_id: int | None, team_id: int | None) -> bool:
    if viewer.role == Role.trainee:
        return person_id is not None and person_id == viewer.person_id
    if viewer.role == Role.lead:
        return team_id is not None and team_id == viewer.team_id
    return True


def can_read_transcript(viewer: Viewer, person_id: int | None, team_id: int | None, mode: str, shared: bool) -> bool:
    if viewer.role == Role.trainee:
        return person_id is not None and person_id == viewer.person_id
    if not can_see_person(viewer, person_id, team_id):
        return False
    return mode == "assessment" or shared


def can_comment(viewer: Viewer) -> bool:
    return viewer.is_staff
