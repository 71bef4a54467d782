from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from audit.registry import register
        from contacts.models import Contact, ContactRevision, Place

        register(Place)
        register(Contact, m2m_fields={"co_workers"})
        register(ContactRevision)
        from audit import subjects

        subjects.register(Contact, "young_person")
        subjects.register(ContactRevision, "contact__young_person")
