"""Market dialogues: who may open, post and read what.

- A lead opens a dialogue on a round or a published summary of its alliance, and closes it.
- Suppliers ask questions (public, or for the leads only) and answer RFI questions; an RFI response is
  commercial information: the alliance's leads (and the supplier itself) only.
- Leads answer questions and ask RFI questions; both are public, so every supplier and the public learn
  an answer at the same moment.
- A question's author is shown only to platform admins (moderation) and to its own organisation.
- A closed dialogue (closed, or past closes_at) takes no posts.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from alliance.alliances.access import is_lead
from alliance.errors import ConflictError, ForbiddenError, InvalidError
from alliance.extensions import db
from alliance.markdown import sanitise_markdown
from alliance.models import Alliance, DemandRound, DemandSummary, Dialogue, Organisation, Post, User
from alliance.models.base import utcnow
from alliance.notifications import events

TITLE_MAX, DESCRIPTION_MAX, BODY_MAX, RFI_MAX = 200, 20000, 5000, 20
MAX_OPEN_FOR = timedelta(days=2 * 365)  # a closing date in 9999 is a typo
SUPPLIER_KINDS = {"question", "response"}
LEAD_KINDS = {"answer", "rfi"}


class DialogueError(InvalidError):
    """Invalid input; `field` names the culprit."""


class DialogueForbiddenError(ForbiddenError):
    """The user's organisation may not do this in the dialogue (not a lead, not a supplier)."""


class DialogueClosedError(ConflictError):
    """The dialogue is closed: it takes no more posts."""

    code = "dialogue_closed"


@dataclass(frozen=True)
class PostView:
    """A post as one reader may see it: the author only as a label, ids and names only for admins."""

    post: Post
    author: str
    author_detail: dict | None  # admins only: user id, name, organisation


def is_closed(dialogue: Dialogue) -> bool:
    return dialogue.status == "closed" or dialogue.closes_at <= utcnow()


def open_dialogue(user: User, alliance: Alliance, title: str, description: str, closes_at, round_id: int | None = None,
                  summary_id: int | None = None, rfi_questions: list[str] = ()) -> Dialogue:
    """Open a dialogue as a lead of the alliance, with optional RFI questions. Flushes; the caller commits."""
    if not is_lead(user, alliance):
        raise DialogueForbiddenError(_("Only the alliance's leads open dialogues."))
    title = (title or "").strip()
    if not 3 <= len(title) <= TITLE_MAX:
        raise DialogueError(_("Give a title of 3 to %(max)d characters.", max=TITLE_MAX), field="title")
    description = sanitise_markdown(description or "")
    if len(description) > DESCRIPTION_MAX:
        raise DialogueError(_("The description is limited to %(max)d characters.", max=DESCRIPTION_MAX),
                            field="description")
    if closes_at is None or closes_at <= utcnow():
        raise DialogueError(_("The closing date must be in the future."), field="closes_at")
    if closes_at > utcnow() + MAX_OPEN_FOR:
        raise DialogueError(ngettext("A dialogue stays open for at most %(num)d year; choose an earlier closing date.",
                                     "A dialogue stays open for at most %(num)d years; choose an earlier closing date.",
                                     MAX_OPEN_FOR.days // 365), field="closes_at")
    if (round_id is None) == (summary_id is None):
        raise DialogueError(_("Open the dialogue on one round or one published summary."), field="round_id")
    if round_id is not None and db.session.scalar(
        sa.select(DemandRound.id).where(DemandRound.id == round_id, DemandRound.alliance_id == alliance.id)
    ) is None:
        raise DialogueError(_("No round of this alliance has this id."), field="round_id")
    if summary_id is not None and db.session.scalar(
        sa.select(DemandSummary.id).where(DemandSummary.id == summary_id, DemandSummary.alliance_id == alliance.id,
                                          DemandSummary.status == "published")
    ) is None:
        raise DialogueError(_("No published summary of this alliance has this id."), field="summary_id")
    questions = [sanitise_markdown(text) for text in rfi_questions if text and text.strip()]
    if len(questions) > RFI_MAX:
        raise DialogueError(_("Ask at most %(max)d RFI questions.", max=RFI_MAX), field="rfi_questions")
    for text in questions:
        _check_body(text, "rfi_questions")
    dialogue = Dialogue(alliance_id=alliance.id, round_id=round_id, summary_id=summary_id, title=title,
                        description=description, closes_at=closes_at, created_by_id=user.id)
    db.session.add(dialogue)
    db.session.flush()
    for text in questions:
        db.session.add(Post(dialogue_id=dialogue.id, kind="rfi", visibility="public", author_id=user.id,
                            organisation_id=user.organisation_id, body=text))
    db.session.flush()
    events.dialogue_opened(dialogue.id)
    return dialogue


def add_post(user: User, dialogue: Dialogue, kind: str, body: str, parent_id: int | None = None,
             leads_only: bool = False) -> Post:
    """Post to an open dialogue as a supplier (question, response) or a lead (answer, rfi). Flushes."""
    lead = is_lead(user, dialogue.alliance_id)
    supplier = user.organisation.kind == "supplier"
    if kind in SUPPLIER_KINDS and not supplier:
        raise DialogueForbiddenError(_("Only suppliers ask questions and respond to RFIs."))
    if kind in LEAD_KINDS and not lead:
        raise DialogueForbiddenError(_("Only the alliance's leads answer and ask RFI questions."))
    if kind not in SUPPLIER_KINDS | LEAD_KINDS:
        raise DialogueError(_("Choose question, response, answer or rfi."), field="kind")
    if is_closed(dialogue):
        raise DialogueClosedError(_("This dialogue is closed: it takes no more questions, responses or answers."))
    body = sanitise_markdown(body or "")
    _check_body(body, "body")
    parent = None
    if kind in ("answer", "response"):
        wanted = "question" if kind == "answer" else "rfi"
        parent = db.session.scalar(
            sa.select(Post).where(Post.id == parent_id, Post.dialogue_id == dialogue.id, Post.kind == wanted)
        ) if parent_id else None
        if parent is None:
            raise DialogueError(_("Say which question of this dialogue this replies to.") if kind == "answer"
                                else _("Say which RFI question of this dialogue this replies to."), field="parent_id")
    visibility = "leads" if kind == "response" or (kind == "question" and leads_only) else "public"
    post = Post(dialogue_id=dialogue.id, parent_id=parent.id if parent else None, kind=kind, visibility=visibility,
                author_id=user.id, organisation_id=user.organisation_id, body=body)
    db.session.add(post)
    db.session.flush()
    if kind == "answer":
        events.dialogue_answered(post.id)
    return post


def close_dialogue(user: User, dialogue: Dialogue) -> None:
    if not is_lead(user, dialogue.alliance_id):
        raise DialogueForbiddenError(_("Only the alliance's leads close dialogues."))
    dialogue.status = "closed"
    db.session.flush()


def visible_posts(user: User | None, dialogue: Dialogue) -> list[PostView]:
    """The dialogue's posts this reader may see, in order, each with the author as this reader may know it.

    Public posts: everyone. Leads-only posts: the alliance's leads and the posting organisation; platform
    admins also see leads-only questions (they moderate questions) but never RFI responses, which are a
    supplier's commercial information for the leads alone. Filtering is done in SQL.
    """
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    admin = authenticated and user.is_admin
    lead = authenticated and is_lead(user, dialogue.alliance_id)
    query = sa.select(Post).where(Post.dialogue_id == dialogue.id).order_by(Post.created_at, Post.id)
    if not lead:
        visible = [Post.visibility == "public"]
        if authenticated:
            visible.append(Post.organisation_id == user.organisation_id)
        if admin:
            visible.append(Post.kind != "response")
        query = query.where(sa.or_(*visible))
    alliance_name = dialogue.alliance.name
    views = []
    for post in db.session.scalars(query):
        own_post = authenticated and post.organisation_id == user.organisation_id
        views.append(PostView(post, _author_label(post, alliance_name, own_post, lead),
                              _author_detail(post) if admin else None))
    return views


def _author_label(post: Post, alliance_name: str, own: bool, sees_responders: bool) -> str:
    if post.kind in LEAD_KINDS:
        return f"Leads of {alliance_name}"
    if own:
        return "Your organisation"
    if post.kind == "response" and sees_responders:
        # An RFI response is a supplier's offer of information to the leads: they need to know whose.
        # The post's organisation, not the author's current one: the author may have left it since.
        return db.session.get(Organisation, post.organisation_id).name if post.organisation_id else "A supplier"
    return "A supplier"


def _author_detail(post: Post) -> dict | None:
    author = db.session.get(User, post.author_id) if post.author_id else None
    if author is None:
        return None
    return {"user_id": author.id, "name": author.name, "email": author.email,
            "organisation_id": author.organisation_id, "organisation": author.organisation.name}


def _check_body(text: str, field: str) -> None:
    if not text:
        raise DialogueError(_("Write something."), field=field)
    if len(text) > BODY_MAX:
        raise DialogueError(_("A post is limited to %(max)d characters.", max=BODY_MAX), field=field)


def dialogues_page_query():
    """Every dialogue, open ones first, newest first (dialogues are public: the market consultation)."""
    return sa.select(Dialogue).order_by(Dialogue.status.desc(), Dialogue.created_at.desc(), Dialogue.id.desc())
