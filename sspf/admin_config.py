from django.contrib.admin.apps import AdminConfig


class SSPFAdminConfig(AdminConfig):
    default_site = "sspf.adminsite.SSPFAdminSite"
