"""Every write about accounts beyond an administrator's plain field edits (DESIGN §6:
administrators administer, never read).

An administrator never types a password for someone (the user gets a one-time link and chooses
it), never enrols or removes a second factor alone (a second administrator approves a reset),
and a move to another organisation ends the user's case memberships and grants at once. Each
service checks the actor's right first, writes in one transaction, and leaves its trail in the
sealed audit log.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors
from accounts.models import TwoFactorResetRequest, User
from audit.models import LogEntry
from cases import access
from cases.models import Case, CaseMember, CaseUserObjectPermission
from sspf.permissions import require

# The audit entries these services write besides the rows' own (LogEntry.additional_data).
PASSWORD_LINK_SENT = "password_link_sent"
# The word "password" stays out of the log altogether (tests/audit/test_write_audit.py).
CREDENTIALS_CHANGED = "credentials_changed"


def _log_event(instance, event: str, changes: dict | None = None) -> LogEntry:
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes=changes or {},
        additional_data={"event": event},
    )


def move_refusal(user: User) -> str | None:
    """Why `user` cannot leave their organisation or case work now, or None when they can."""
    coordinated = selectors.open_cases_coordinated(user)
    if not coordinated:
        return None
    return ngettext(
        "This user coordinates %(count)d open case, so they cannot leave their organisation "
        "or case work yet. Ask the owning organisation to close the case or give it another "
        "coordinator first.",
        "This user coordinates %(count)d open cases, so they cannot leave their organisation "
        "or case work yet. Ask the owning organisation to close the cases or give them another "
        "coordinator first.",
        coordinated,
    ) % {"count": coordinated}


@transaction.atomic
def memberships_end(*, user: User) -> int:
    """Ends every case membership of `user` and the case grants that came with it; returns
    how many memberships ended. Called whenever the user's organisation changes (User.save)
    and when they become an administrator or auditor: their old team places must not open the
    case to them under their new organisation.

    The coordinator of an open case cannot leave its team (cases.services.member_remove), so a
    move is refused until the case is closed or has another coordinator."""
    refusal = move_refusal(user)
    if refusal:
        raise ValidationError(refusal)
    memberships = CaseMember.objects.filter(user=user)
    case_ids = set(memberships.values_list("case_id", flat=True)) | set(
        CaseUserObjectPermission.objects.filter(user=user).values_list(
            "content_object_id", flat=True
        )
    )
    _total, deleted = memberships.delete()  # one audit entry per membership
    for case in Case.objects.filter(pk__in=case_ids):
        access.sync(case)
    return deleted.get(CaseMember._meta.label, 0)


def password_change_log(*, user: User) -> LogEntry:
    """The password hash stays out of the log (excluded in accounts/audit.py); that it
    changed goes in, as an event without a value."""
    return _log_event(user, CREDENTIALS_CHANGED)


@transaction.atomic
def password_link_send(*, by: User, user: User, request) -> None:
    """Sends `user` a one-time link to choose their own password, and logs that it was sent.

    The link (Django's default_token_generator) stops working once the password is set, at the
    next login, or after PASSWORD_RESET_TIMEOUT."""
    require(by, "accounts.change_user")
    if not user.is_active:
        raise ValidationError(_("The account is not active."))
    if not user.email:
        raise ValidationError(_("The user has no e-mail address."))
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
        "domain": request.get_host(),
    }
    PasswordResetForm().send_mail(
        "accounts/password_set_subject.txt",
        "accounts/password_set_email.txt",
        context,
        None,
        user.email,
    )
    _log_event(user, PASSWORD_LINK_SENT)


@transaction.atomic
def user_add(*, by: User, user: User, request) -> User:
    """A new account has no password anyone knows: the user is sent a link to choose one."""
    require(by, "accounts.add_user")
    user.set_unusable_password()
    user.save()
    password_link_send(by=by, user=user, request=request)
    return user


@transaction.atomic
def two_factor_reset_request(*, by: User, user: User) -> TwoFactorResetRequest:
    """The first of two administrators asks for `user`'s second factor to be removed."""
    require(by, "accounts.change_user")
    if not TOTPDevice.objects.filter(user=user).exists():
        raise ValidationError(_("The user has no two-factor device to reset."))
    try:
        with transaction.atomic():
            return TwoFactorResetRequest.objects.create(user=user, requested_by=by)
    except IntegrityError:
        raise ValidationError(_("A reset is already waiting for a second administrator.")) from None


@transaction.atomic
def two_factor_reset_approve(*, by: User, user: User) -> int:
    """A second administrator approves the waiting request; `user`'s devices are removed and
    they enrol a new one at their next password login. Returns how many devices were removed."""
    require(by, "accounts.change_user")
    pending = (
        TwoFactorResetRequest.objects.select_for_update()
        .filter(user=user, approved_at__isnull=True)
        .first()
    )
    if pending is None:
        raise ValidationError(_("No two-factor reset is waiting for approval."))
    if by.pk == pending.requested_by_id:
        raise ValidationError(_("Another administrator must approve the reset you asked for."))
    if by.pk == user.pk:
        raise ValidationError(_("Another administrator must approve a reset of your own device."))
    pending.approved_by = by
    pending.approved_at = timezone.now()
    pending.save(update_fields=["approved_by", "approved_at"])
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    return removed
