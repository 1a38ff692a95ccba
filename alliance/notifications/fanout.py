"""Who hears about which event, and what they read. Each function takes an id, notifies every recipient
once (see delivery.notify) and returns how many were notified; the calling job commits."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from alliance.extensions import db
from alliance.language import day
from alliance.models import (
    Category,
    DemandRound,
    DemandSummary,
    Dialogue,
    Membership,
    Organisation,
    Post,
    Subscription,
    User,
    round_category,
)
from alliance.notifications.delivery import notify

REMINDER_DAYS = 3


def summary_published(summary_id: int) -> int:
    """Tell suppliers subscribed to the summary's sector or one of its CPV codes."""
    summary = db.session.get(DemandSummary, summary_id)
    if summary is None or summary.status != "published":
        return 0
    alliance = summary.alliance
    codes = _round_cpv_codes(summary.round_id) | {s.category.cpv_code for s in summary.criteria_sets}
    title = _l("New demand summary: %(title)s", title=summary.title)
    body = _l("%(alliance)s published the demand summary “%(title)s”.", alliance=alliance.name, title=summary.title)
    path = _path("summaries.edition", series_id=summary.series_id, edition=summary.edition)
    return _notify_all(_subscribers(alliance.sector, codes), "summary_published",
                       f"summary-published-{summary.id}", title, body, path)


def dialogue_opened(dialogue_id: int) -> int:
    """Tell suppliers subscribed to the dialogue's sector or the CPV codes of its round."""
    dialogue = db.session.get(Dialogue, dialogue_id)
    if dialogue is None or dialogue.status != "open":
        return 0
    title = _l("New market dialogue: %(title)s", title=dialogue.title)
    body = _l("%(alliance)s opened the market dialogue “%(title)s”. Questions and responses are welcome until "
              "%(date)s, %(time)s UTC.", alliance=dialogue.alliance.name, title=dialogue.title,
              date=_day(dialogue.closes_at), time=f"{dialogue.closes_at:%H:%M}")
    return _notify_all(_subscribers(dialogue.alliance.sector, _dialogue_cpv_codes(dialogue)), "dialogue_opened",
                       f"dialogue-opened-{dialogue.id}", title, body, _dialogue_path(dialogue))


def dialogue_answered(post_id: int) -> int:
    """Tell the alliance's buyers, the suppliers who took part and the subscribed suppliers: all at once."""
    answer = db.session.get(Post, post_id)
    if answer is None or answer.kind != "answer":
        return 0
    dialogue = answer.dialogue
    members = sa.select(User).join(Membership, Membership.organisation_id == User.organisation_id).where(
        Membership.alliance_id == dialogue.alliance_id, Membership.status == "active"
    )
    participants = sa.select(User).where(
        User.organisation_id.in_(
            sa.select(Post.organisation_id).where(
                Post.dialogue_id == dialogue.id, Post.kind.in_(("question", "response"))
            )
        )
    )
    recipients = {user.id: user for user in db.session.scalars(members)}
    recipients.update({user.id: user for user in db.session.scalars(participants)})
    recipients.update({user.id: user for user in _subscribers(dialogue.alliance.sector, _dialogue_cpv_codes(dialogue))})
    recipients.pop(answer.author_id, None)
    title = _l("New answer in “%(title)s”", title=dialogue.title)
    body = _l("The leads of %(alliance)s answered a question in the market dialogue “%(title)s”.",
              alliance=dialogue.alliance.name, title=dialogue.title)
    return _notify_all(recipients.values(), "dialogue_answered", f"dialogue-answered-{answer.id}", title, body,
                       _dialogue_path(dialogue) + f"#post-{answer.id}")


def round_closing_reminders(today: date | None = None, days: int = REMINDER_DAYS) -> int:
    """Remind the buyers of each open round that closes within `days` days; once per round and user."""
    today = today or date.today()
    rounds = db.session.scalars(
        sa.select(DemandRound).where(
            DemandRound.status == "open", DemandRound.closes_on >= today,
            DemandRound.closes_on <= today + timedelta(days=days),
        )
    ).all()
    count = 0
    for demand_round in rounds:
        buyers = db.session.scalars(
            sa.select(User)
            .join(Organisation, Organisation.id == User.organisation_id)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.alliance_id == demand_round.alliance_id, Membership.status == "active",
                   Organisation.kind == "buyer")
        )
        closes_on = _day(demand_round.closes_on)
        title = _l("“%(title)s” closes on %(date)s", title=demand_round.title, date=closes_on)
        body = _l("The demand round “%(title)s” of %(alliance)s closes on %(date)s. Check that your pledges are "
                  "submitted.", title=demand_round.title, alliance=demand_round.alliance.name, date=closes_on)
        path = _path("alliances.show", slug=demand_round.alliance.slug)
        count += _notify_all(buyers, "round_closing", f"round-closing-{demand_round.id}", title, body, path)
    return count


def membership_requested(membership_id: int) -> int:
    """Tell the users of the alliance's lead organisations that an organisation asks to join."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.status != "pending":
        return 0
    alliance, organisation = membership.alliance, membership.organisation
    leads = db.session.scalars(
        sa.select(User).join(Membership, Membership.organisation_id == User.organisation_id)
        .where(Membership.alliance_id == alliance.id, Membership.status == "active", Membership.role == "lead",
               User.disabled.is_(False))
    )
    title = _l("%(organisation)s asks to join %(alliance)s", organisation=organisation.name, alliance=alliance.name)
    body = _l("%(organisation)s (%(country)s) asks to join %(alliance)s. Approve or decline it on the alliance's page.",
              organisation=organisation.name, country=organisation.country, alliance=alliance.name)
    # The key names the request time: an organisation that asks again after a decline is a new event.
    key = f"membership-requested-{membership.id}-{membership.requested_at:%Y%m%d%H%M%S}"
    return _notify_all(leads, "membership", key, title, body, _path("alliances.show", slug=alliance.slug))


def membership_decided(membership_id: int) -> int:
    """Tell the users of the requesting organisation that its request was approved or declined."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.status not in ("active", "declined") or membership.decided_at is None:
        return 0
    alliance = membership.alliance
    approved = membership.status == "active"
    users = db.session.scalars(
        sa.select(User).where(User.organisation_id == membership.organisation_id, User.disabled.is_(False))
    )
    if approved:
        title = _l("%(alliance)s: your request to join was approved", alliance=alliance.name)
        body = _l("Your organisation is now a member of %(alliance)s; you can pledge in its open rounds.",
                  alliance=alliance.name)
    else:
        title = _l("%(alliance)s: your request to join was declined", alliance=alliance.name)
        body = _l("The leads of %(alliance)s declined your organisation's request to join.", alliance=alliance.name)
    key = f"membership-decided-{membership.id}-{membership.decided_at:%Y%m%d%H%M%S}"
    return _notify_all(users, "membership", key, title, body, _path("alliances.show", slug=alliance.slug))


def _day(value) -> LazyString:
    """A date written in the reader's language when the message is rendered (see delivery.notify)."""
    return LazyString(day, value)


def _notify_all(users, kind: str, event_key: str, title, body, path: str) -> int:
    notified = 0
    for user in users:
        wrote, mailed = notify(user, kind, event_key, title, body, path)
        notified += wrote or mailed
    return notified


def _subscribers(sector: str, cpv_codes: set[str]) -> list[User]:
    """Active users of supplier organisations subscribed to the sector or a prefix of one of the codes."""
    matches = [Subscription.sector == sector] + [
        sa.and_(Subscription.cpv_prefix != "", sa.literal(code, sa.String).startswith(Subscription.cpv_prefix))
        for code in sorted(cpv_codes)
    ]
    return db.session.scalars(
        sa.select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            Organisation.kind == "supplier", User.disabled.is_(False),
            User.id.in_(sa.select(Subscription.user_id).where(sa.or_(*matches))),
        )
        .order_by(User.id)
    ).all()


def _round_cpv_codes(round_id: int | None) -> set[str]:
    if round_id is None:
        return set()
    return set(db.session.scalars(
        sa.select(Category.cpv_code).join(round_category, round_category.c.category_id == Category.id)
        .where(round_category.c.round_id == round_id)
    ))


def _dialogue_cpv_codes(dialogue: Dialogue) -> set[str]:
    round_id = dialogue.round_id
    if round_id is None and dialogue.summary_id is not None:
        round_id = db.session.scalar(sa.select(DemandSummary.round_id).where(DemandSummary.id == dialogue.summary_id))
    return _round_cpv_codes(round_id)


def _dialogue_path(dialogue: Dialogue) -> str:
    return _path("dialogues.show", dialogue_id=dialogue.id)


def _path(endpoint: str, **values) -> str:
    """The URL path of a page, built outside a request (in a job)."""
    with current_app.test_request_context():
        return url_for(endpoint, **values)


