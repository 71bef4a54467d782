"""The authorization matrix's world (one user per role, a case, a school, a contact, a meeting,
a referral ...) serves the hardening tests too: they visit every URL the matrix knows."""

from tests.security.test_authorization_matrix import world  # noqa: F401
