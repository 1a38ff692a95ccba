"""GET|POST /api/v1/dialogues and GET|POST /api/v1/dialogues/<id>/posts.

Dialogues are public. Posts are filtered per caller as on the web page; a question's author is never in
the answer (only platform admins get an "author" object, for moderation).
"""

import marshmallow as ma
from flask_babel import gettext as _

from alliance.api.access import api_alliance
from alliance.api.auth import require_user, token_user
from alliance.api.blueprint import Blueprint
from alliance.api.errors import ErrorSchema, api_abort
from alliance.api.fields import id_field
from alliance.api.security import error_responses, optional_token, requires_token
from alliance.dialogues import operations as ops
from alliance.extensions import db
from alliance.models import Dialogue
from alliance.queue import commit_and_dispatch

blp = Blueprint("api_dialogues", __name__, url_prefix="/dialogues", description="Market dialogues")


class DialogueSchema(ma.Schema):
    id = ma.fields.Integer()
    alliance = ma.fields.Function(lambda d: d.alliance.slug)
    round_id = ma.fields.Integer(allow_none=True)
    summary_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String()
    description = ma.fields.String(metadata={"description": "Sanitised Markdown"})
    closes_at = ma.fields.DateTime()
    status = ma.fields.Function(lambda d: "closed" if ops.is_closed(d) else "open")
    created_at = ma.fields.DateTime()


class DialogueInSchema(ma.Schema):
    alliance = ma.fields.String(required=True, metadata={"description": "The alliance's slug"})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=ops.TITLE_MAX))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=ops.DESCRIPTION_MAX))
    closes_at = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with a time zone"})
    round_id = id_field(load_default=None, allow_none=True, strict=True)
    summary_id = id_field(load_default=None, allow_none=True, strict=True)
    rfi_questions = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=ops.BODY_MAX)),
                                   load_default=list, validate=ma.validate.Length(max=ops.RFI_MAX))


class AuthorSchema(ma.Schema):
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    email = ma.fields.String()
    organisation_id = ma.fields.Integer()
    organisation = ma.fields.String()


class PostSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "question | answer | rfi | response"})
    visibility = ma.fields.String(metadata={"description": "public | leads"})
    parent_id = ma.fields.Integer(allow_none=True)
    body = ma.fields.String(metadata={"description": "Sanitised Markdown"})
    created_at = ma.fields.DateTime()
    author_label = ma.fields.String(metadata={"description": "e.g. 'A supplier'; never a question's author"})
    author = ma.fields.Nested(AuthorSchema, metadata={"description": "Platform admins only (moderation)"})


class PostInSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["question", "response", "answer", "rfi"]))
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=ops.BODY_MAX))
    parent_id = id_field(load_default=None, allow_none=True, strict=True)
    leads_only = ma.fields.Boolean(load_default=False, metadata={"description": "A question for the leads only"})


def _post_dict(view: ops.PostView) -> dict:
    post = view.post
    data = {"id": post.id, "kind": post.kind, "visibility": post.visibility, "parent_id": post.parent_id,
            "body": post.body, "created_at": post.created_at, "author_label": view.author}
    if view.author_detail:
        data["author"] = view.author_detail
    return data


def _dialogue(dialogue_id: int) -> Dialogue:
    dialogue = db.session.get(Dialogue, dialogue_id)
    if dialogue is None:
        api_abort(404, _("No dialogue %(id)s.", id=dialogue_id))
    return dialogue


@blp.route("", methods=["GET"])
@blp.response(200, DialogueSchema(many=True))
def list_dialogues():
    """Every market dialogue (public), open ones first."""
    return db.session.scalars(ops.dialogues_page_query().limit(500)).all()


@blp.route("", methods=["POST"])
@requires_token(blp)
@error_responses(blp, 403, 404, forbidden="Not a lead of the alliance", not_found="No such alliance")
@blp.arguments(DialogueInSchema)
@blp.response(201, DialogueSchema)
def create_dialogue(data):
    """Open a dialogue (leads of the alliance only) on a round or a published summary."""
    user = require_user()
    alliance = api_alliance(data["alliance"])
    dialogue = ops.open_dialogue(user, alliance, data["title"], data["description"], data["closes_at"],
                                 round_id=data["round_id"], summary_id=data["summary_id"],
                                 rfi_questions=data["rfi_questions"])
    commit_and_dispatch()
    return dialogue


@blp.route("/<int:dialogue_id>", methods=["GET"])
@error_responses(blp, 404)
@blp.response(200, DialogueSchema)
def get_dialogue(dialogue_id: int):
    """One dialogue."""
    return _dialogue(dialogue_id)


@blp.route("/<int:dialogue_id>/posts", methods=["GET"])
@optional_token(blp)
@error_responses(blp, 404)
@blp.response(200, PostSchema(many=True))
def list_posts(dialogue_id: int):
    """The posts the caller may see: public ones for everyone; RFI responses and private questions also for
    the alliance's leads and the posting organisation."""
    dialogue = _dialogue(dialogue_id)
    return [_post_dict(view) for view in ops.visible_posts(token_user(), dialogue)]


@blp.route("/<int:dialogue_id>/posts", methods=["POST"])
@requires_token(blp)
@error_responses(blp, 403, 404, forbidden="Your organisation may not post this kind here")
@blp.arguments(PostInSchema)
@blp.response(201, PostSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The dialogue is closed (code dialogue_closed)")
def create_post(data, dialogue_id: int):
    """A supplier's question or RFI response, or a lead's answer or RFI question."""
    user = require_user()
    dialogue = _dialogue(dialogue_id)
    post = ops.add_post(user, dialogue, data["kind"], data["body"], data["parent_id"], data["leads_only"])
    commit_and_dispatch()
    view = next(view for view in ops.visible_posts(user, dialogue) if view.post.id == post.id)
    return _post_dict(view)
