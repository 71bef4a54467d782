from django.contrib import admin

from schools.models import School


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "area", "organisation", "active"]
    list_filter = ["level", "active", "area"]
    list_select_related = ["organisation"]
    search_fields = ["name", "area"]
