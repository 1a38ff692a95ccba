"""Demo step 1: organisations, users, the ICT and health alliances and their members.

Every organisation here is fictional (plausible names in each country's own language). Rows are looked up
by natural key (organisation name + country, user e-mail, alliance slug), so a second run adds nothing.
Later demo steps find these rows through DEMO_ACCOUNTS and the alliance slugs "ict" and "health".
"""

from typing import NamedTuple

import sqlalchemy as sa

from alliance.auth.passwords import hash_password
from alliance.demo import DEMO_PASSWORD
from alliance.extensions import db
from alliance.models import Alliance, Membership, Organisation, User
from alliance.models.base import utcnow


class DemoOrganisation(NamedTuple):
    name: str
    country: str
    kind: str
    org_type: str
    verified: bool = True
    sme: bool = False


class DemoAccount(NamedTuple):
    email: str
    name: str
    organisation: DemoOrganisation
    # (alliance slug, role, status) for the organisation's membership
    memberships: tuple[tuple[str, str, str], ...] = ()
    is_admin: bool = False


def _buyer(name: str, country: str, org_type: str, verified: bool = True) -> DemoOrganisation:
    return DemoOrganisation(name, country, "buyer", org_type, verified)


def _supplier(name: str, country: str, sme: bool = False) -> DemoOrganisation:
    return DemoOrganisation(name, country, "supplier", "company", True, sme)


ICT_MEMBER = (("ict", "member", "active"),)
HEALTH_MEMBER = (("health", "member", "active"),)

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin@demo.test", "Alex Admin",
                _buyer("Sustainable Procurement Platform Office", "BE", "agency"), is_admin=True),
    DemoAccount("lead@ict.demo", "Lena Lindqvist", _buyer("Region Västerdal", "SE", "region"),
                (("ict", "lead", "active"),)),
    DemoAccount("buyer1@ict.demo", "Pieter de Vries", _buyer("Gemeente Zuidermeer", "NL", "municipality"), ICT_MEMBER),
    DemoAccount("buyer2@ict.demo", "Katrin Vogel", _buyer("Universitätsklinikum Hainberg", "DE", "hospital"),
                ICT_MEMBER + HEALTH_MEMBER),
    DemoAccount("buyer3@ict.demo", "Camille Laurent", _buyer("Métropole de Belrive", "FR", "municipality"), ICT_MEMBER),
    DemoAccount("buyer4@ict.demo", "Lucía Romero", _buyer("Ayuntamiento de Villaserena", "ES", "municipality"),
                ICT_MEMBER),
    DemoAccount("buyer5@ict.demo", "Marco Bellini", _buyer("Università di Valdora", "IT", "university"), ICT_MEMBER),
    DemoAccount("buyer6@ict.demo", "Aino Virtanen", _buyer("Kuusirannan kaupunki", "FI", "municipality"), ICT_MEMBER),
    DemoAccount("buyer7@ict.demo", "Mads Kjær", _buyer("Fjordby Kommune", "DK", "municipality"), ICT_MEMBER),
    DemoAccount("buyer8@ict.demo", "Siobhán Byrne", _buyer("Kilbrannagh County Council", "IE", "municipality"),
                ICT_MEMBER),
    DemoAccount("buyer9@ict.demo", "João Ferreira", _buyer("Câmara Municipal de Vilarinho do Mar", "PT", "municipality"),
                ICT_MEMBER),
    DemoAccount("buyer10@ict.demo", "Eva Huber", _buyer("Bundesagentur für Verwaltungsdigitalisierung Almhofen", "AT",
                                                        "agency"), ICT_MEMBER),
    # Several buyers per country, as in real alliances, so some country cells of the snapshot reach k = 3.
    DemoAccount("buyer11@ict.demo", "Erik Sandberg", _buyer("Sjöviks kommun", "SE", "municipality"), ICT_MEMBER),
    DemoAccount("buyer12@ict.demo", "Maja Holm", _buyer("Björkhamns kommun", "SE", "municipality"), ICT_MEMBER),
    DemoAccount("buyer13@ict.demo", "Oskar Lund", _buyer("Högskolan i Norrvik", "SE", "university"), ICT_MEMBER),
    DemoAccount("buyer14@ict.demo", "Sanne Visser", _buyer("Gemeente Heidebroek", "NL", "municipality"), ICT_MEMBER),
    DemoAccount("buyer15@ict.demo", "Ruben Mulder", _buyer("Waterschap Veenmonde", "NL", "agency"), ICT_MEMBER),
    DemoAccount("buyer16@ict.demo", "Jana Richter", _buyer("Stadt Rabenfeld", "DE", "municipality"), ICT_MEMBER),
    DemoAccount("buyer17@ict.demo", "Tobias Brandt", _buyer("Landkreis Eichtal", "DE", "region"), ICT_MEMBER),
    DemoAccount("buyer18@ict.demo", "Miriam Albrecht", _buyer("Hochschule Lindenfurt", "DE", "university"),
                ICT_MEMBER),
    DemoAccount("applicant@ict.demo", "Jeroen Claes", _buyer("Stad Leiebrugge", "BE", "municipality"),
                (("ict", "member", "pending"),)),
    DemoAccount("lead@health.demo", "Henrik Östberg", _buyer("Region Östmark", "SE", "region"),
                (("health", "lead", "active"),)),
    DemoAccount("buyer1@health.demo", "Giulia Conti", _buyer("Azienda Ospedaliera di Valdora", "IT", "hospital"),
                HEALTH_MEMBER),
    DemoAccount("buyer2@health.demo", "Javier Molina", _buyer("Hospital Universitario de Villaserena", "ES", "hospital"),
                HEALTH_MEMBER),
    DemoAccount("buyer3@health.demo", "An Peeters", _buyer("AZ Leiebrugge", "BE", "hospital"), HEALTH_MEMBER),
    DemoAccount("buyer4@health.demo", "Mikko Laine", _buyer("Kuusirannan sairaala", "FI", "hospital"), HEALTH_MEMBER),
    DemoAccount("buyer5@health.demo", "Sabine Gruber", _buyer("Klinikum Almhofen", "AT", "hospital"), HEALTH_MEMBER),
    DemoAccount("buyer6@health.demo", "Ingrid Berg", _buyer("Region Norrfjäll", "SE", "region"), HEALTH_MEMBER),
    DemoAccount("buyer7@health.demo", "Anders Falk", _buyer("Region Sjölanda", "SE", "region"), HEALTH_MEMBER),
    DemoAccount("newcomer@demo.test", "Nora Seidl", _buyer("Gemeinde Seewalden", "AT", "municipality", verified=False)),
    DemoAccount("supplier1@demo.test", "Sara Nyström", _supplier("Nordic Circular IT AB", "SE", sme=True)),
    DemoAccount("supplier2@demo.test", "Daan Bakker", _supplier("GreenByte Refurbished B.V.", "NL", sme=True)),
    DemoAccount("supplier3@demo.test", "Jonas Keller", _supplier("Europa Devices GmbH", "DE")),
    DemoAccount("supplier4@demo.test", "Elena Navarro", _supplier("MediSafe Suministros S.L.", "ES")),
    DemoAccount("supplier5@demo.test", "Ville Korhonen", _supplier("CareCycle Medical Oy", "FI")),
)

ICT_CHARTER = """\
The ICT Sustainable Procurement Alliance brings together public buyers who want the laptops, monitors and
smartphones they buy to last longer, use less energy and be made under decent working conditions.

## What members commit to

- **Shared criteria.** We buy against the alliance's published criteria sets, which follow the EU Green
  Public Procurement criteria for computers, monitors, tablets and smartphones and accept third-party
  labels such as TCO Certified or EPEAT "or equivalent" as proof.
- **Pooled demand.** Each member pledges its planned purchases for the coming rounds. Suppliers see only
  the combined demand, never one member's volumes.
- **Longer lifetimes.** We value warranties, spare parts and repairability, and we consider refurbished
  equipment wherever it meets our needs.
- **Open dialogue.** Leads publish demand summaries and answer suppliers' questions in the open, so that
  small and medium-sized suppliers can take part on equal terms.

## How decisions are made

Leads curate the criteria sets and open demand rounds; members can propose changes at any time.
"""

HEALTH_CHARTER = """\
The Health Care Sustainable Supplies Alliance pools the demand of hospitals and regions for everyday
consumables such as examination gloves and IV sets.

## What members commit to

- Buy against shared criteria on working conditions in the supply chain and on hazardous substances, drawn
  from published hospital procurement guidance.
- Pledge planned volumes so that suppliers can plan production that meets those criteria.
- Follow up on suppliers' readiness together rather than one contract at a time.
"""

ALLIANCES = (
    {"slug": "ict", "name": "ICT Sustainable Procurement Alliance", "sector": "ict", "charter": ICT_CHARTER,
     "k": 3, "p": 80, "currency": "EUR", "lead": "lead@ict.demo"},
    {"slug": "health", "name": "Health Care Sustainable Supplies Alliance", "sector": "health",
     "charter": HEALTH_CHARTER, "k": 3, "p": 80, "currency": "EUR", "lead": "lead@health.demo"},
)


def account(email: str) -> DemoAccount:
    """The demo account with this e-mail (for later demo steps)."""
    return next(item for item in DEMO_ACCOUNTS if item.email == email)


def load() -> None:
    """Create the demo organisations, users, alliances and memberships that do not exist yet."""
    organisations = {spec: _organisation(spec) for spec in dict.fromkeys(item.organisation for item in DEMO_ACCOUNTS)}
    password_hash = None  # hashed at most once per run: scrypt at production cost is slow on purpose
    users = {}
    users_made: list[DemoAccount] = []
    for item in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == item.email))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            # Each demo organisation's first account is its organisation admin.
            first = not any(other.organisation == item.organisation for other in users_made)
            user = User(email=item.email, name=item.name, password_hash=password_hash,
                        organisation=organisations[item.organisation], is_admin=item.is_admin,
                        organisation_role="admin" if first else "member", email_confirmed_at=utcnow())
            db.session.add(user)
        users[item.email] = user
        users_made.append(item)
    db.session.flush()
    alliances = {spec["slug"]: _alliance(spec) for spec in ALLIANCES}
    for item in DEMO_ACCOUNTS:
        for slug, role, status in item.memberships:
            alliance = alliances[slug]
            lead_user = users[next(spec["lead"] for spec in ALLIANCES if spec["slug"] == slug)]
            _membership(alliance, organisations[item.organisation], role, status, lead_user)
    db.session.flush()


def _organisation(spec: DemoOrganisation) -> Organisation:
    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.name == spec.name, Organisation.country == spec.country)
    )
    if organisation is None:
        organisation = Organisation(name=spec.name, country=spec.country, kind=spec.kind, org_type=spec.org_type,
                                    verified=spec.verified, sme=spec.sme)
        db.session.add(organisation)
    return organisation


def _alliance(spec: dict) -> Alliance:
    alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == spec["slug"]))
    if alliance is None:
        alliance = Alliance(**{key: value for key, value in spec.items() if key != "lead"})
        db.session.add(alliance)
        db.session.flush()
    return alliance


def _membership(alliance: Alliance, organisation: Organisation, role: str, status: str, lead_user: User) -> None:
    exists = db.session.scalar(
        sa.select(Membership.id).where(Membership.alliance_id == alliance.id,
                                       Membership.organisation_id == organisation.id)
    )
    if exists is None:
        decided = status != "pending"
        db.session.add(Membership(
            alliance_id=alliance.id, organisation_id=organisation.id, role=role, status=status,
            decided_at=utcnow() if decided else None, decided_by_id=lead_user.id if decided and role != "lead" else None,
        ))
