"""The audit log's events in plain words: one sentence per action, one label per detail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# What happened, as a sentence: %(who)s did it, %(what)s is the reference, person or entry.
ACTION_WORDS = {
    "request.view": _l("%(who)s opened request %(what)s"),
    "request.take": _l("%(who)s took request %(what)s"),
    "request.hand_over": _l("%(who)s handed request %(what)s over"),
    "request.release": _l("%(who)s put request %(what)s back in the queue"),
    "request.attempt": _l("%(who)s logged a call attempt on request %(what)s"),
    "request.schedule": _l("%(who)s planned a call on request %(what)s"),
    "request.close": _l("%(who)s closed request %(what)s"),
    "request.reopen": _l("%(who)s reopened request %(what)s"),
    "request.clear_risk": _l(
        "%(who)s cleared the risk flag on request %(what)s and the other requests of its number"
    ),
    "request.clear_conflict": _l(
        "%(who)s cleared the “different details” warning on request %(what)s and the other "
        "requests of its number"
    ),
    "card_batch_restore": _l("%(who)s restored a revoked card batch of %(what)s"),
    "request.interpreter": _l("%(who)s recorded an interpreter booking on request %(what)s"),
    "triage.preview": _l("%(who)s read the requests of a group before marking it as spam"),
    "triage.read": _l("%(who)s read the first words of the texts to check"),
    "triage.spam": _l("%(who)s marked requests to check as spam"),
    "triage.spam_undo": _l("%(who)s undid a spam decision: its requests are back to check"),
    "triage.release": _l("%(who)s moved requests to check into the queue"),
    "referral.create": _l("%(who)s referred a person: request %(what)s"),
    "referral.open": _l("%(who)s opened their referral %(what)s to correct it"),
    "referral.correct": _l("%(who)s corrected their referral %(what)s"),
    "referral.withdraw": _l("%(who)s withdrew their referral %(what)s"),
    "queue.search_phone": _l("%(who)s searched the queue by phone number"),
    "triage.hold": _l("%(who)s sent requests from the queue to “to check”"),
    "user.create": _l("%(who)s created the account of %(what)s"),
    "user.invite": _l("%(who)s made an invitation link for %(what)s"),
    "user.invite_sent": _l("%(who)s sent an invitation by e-mail to %(what)s"),
    "user.enrol": _l("%(who)s set up their account"),
    "user.update": _l("%(who)s changed the account of %(what)s"),
    "user.activate": _l("%(who)s reactivated the account of %(what)s"),
    "user.deactivate": _l("%(who)s deactivated the account of %(what)s"),
    "user.reset": _l("%(who)s reset the password and device of %(what)s"),
    "login.success": _l("%(who)s logged in"),
    "login.failure": _l("%(who)s: a login failed"),
    "login.locked": _l("%(who)s: login refused, account locked for a while"),
    "keys.rotate": _l("%(who)s rotated the data keys"),
    "retention.purge": _l("%(who)s erased the personal data of old requests"),
    "directory.create": _l("%(who)s added %(what)s to the directory"),
    "directory.update": _l("%(who)s edited the directory entry %(what)s"),
    "directory.verify": _l("%(who)s checked the directory entry %(what)s"),
    "directory.hide": _l("%(who)s hid the directory entry %(what)s"),
    "directory.show": _l("%(who)s showed the directory entry %(what)s again"),
    "directory.import": _l("%(who)s imported the directory"),
    "directory.export": _l("%(who)s exported the directory"),
    "directory.propose": _l("%(who)s proposed a correction to %(what)s"),
    "directory.accept": _l("%(who)s accepted a correction to %(what)s"),
    "directory.refuse": _l("%(who)s refused a correction to %(what)s"),
}
DETAIL_LABELS = {
    "outcome": _l("outcome"),
    "known": _l("known to social services"),
    "to": _l("to"),
    "role": _l("role"),
    "stations": _l("stations"),
    "fields": _l("fields"),
    "before": _l("before"),
    "after": _l("after"),
    "created": _l("created"),
    "updated": _l("updated"),
    "format": _l("format"),
    "count": _l("number of requests"),
    "grouping": _l("grouped by"),
    "others": _l("other requests of the number"),
    "found": _l("requests found"),
    "changed": _l("changed"),
}
