"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from alliance.models.alliance import SECTORS, Alliance, Membership
from alliance.models.audit import AuditEvent
from alliance.models.criteria import CRITERION_TYPES, LEVELS, AllianceCategory, Category, CriteriaSet, Criterion
from alliance.models.demand_round import DemandRound, round_category
from alliance.models.dialogue import Dialogue, Post
from alliance.models.notification import MailMessage, Notification
from alliance.models.organisation import BUYER_TYPES, SUPPLIER_TYPES, Organisation
from alliance.models.organisation_membership import Invitation, JoinRequest
from alliance.models.outbox import PendingJob
from alliance.models.pledge import Pledge, PledgeRevision
from alliance.models.snapshot import ReleaseContribution, Snapshot
from alliance.models.statement import JointStatement, StatementCommitment, StatementSignature
from alliance.models.summary import DemandSummary, summary_criteria_set
from alliance.models.supplier import READINESS, DeclarationRevision, ReadinessDeclaration, Subscription
from alliance.models.user import ApiToken, User, UserSession

__all__ = [
    "AllianceCategory",
    "Alliance", "ApiToken", "AuditEvent", "BUYER_TYPES", "CRITERION_TYPES", "Category", "CriteriaSet",
    "Criterion", "DeclarationRevision", "DemandRound", "DemandSummary", "Dialogue", "LEVELS", "MailMessage",
    "Membership", "Notification", "Organisation", "PendingJob", "Pledge", "PledgeRevision", "Post",
    "READINESS", "ReadinessDeclaration", "ReleaseContribution", "SECTORS", "SUPPLIER_TYPES", "Snapshot", "Subscription", "User",
    "round_category", "summary_criteria_set",
    "JointStatement", "StatementCommitment", "StatementSignature",
]
__all__ += ["Invitation", "JoinRequest", "UserSession"]
